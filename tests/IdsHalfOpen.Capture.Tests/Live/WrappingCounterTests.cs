using IdsHalfOpen.Capture.Live;

namespace IdsHalfOpen.Capture.Tests.Live;

public sealed class WrappingCounterTests
{
    [Fact]
    public void Extend_RawCounterWrapsTwice_KeepsCounting()
    {
        var counter = new WrappingCounter();

        Assert.Equal(10UL, counter.Extend(10));
        Assert.Equal(uint.MaxValue - 1UL, counter.Extend(uint.MaxValue - 1));
        Assert.Equal((1UL << 32) + 5, counter.Extend(5));
        Assert.Equal((1UL << 32) + 5, counter.Extend(5));
        Assert.Equal((2UL << 32) + 1, counter.Extend(1));
    }
}
