using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class RateWindowPeekTests
{
    private const long Ms = 1_000_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PeekRatePerSecond_RandomStream_EqualsAdvancedRateAndChangesNothing(int seed)
    {
        var rng = new Random(seed);
        var peeked = new RateWindow(100 * Ms, 10);
        var untouched = new RateWindow(100 * Ms, 10);
        var times = new List<long>();
        long t = 0;
        for (int i = 0; i < 2000; i++)
        {
            // Steps from within one bucket to beyond the whole window.
            t += rng.Next(4) == 0 ? rng.NextInt64(0, 1500 * Ms) : rng.NextInt64(0, 30 * Ms);
            peeked.Add(t);
            untouched.Add(t);
            times.Add(t);
            long ahead = t + rng.NextInt64(0, 1200 * Ms);
            double peek = peeked.PeekRatePerSecond(ahead);

            // A window that really advances to the same time, rebuilt from the same events, agrees.
            if (i % 40 == 0)
            {
                var advanced = new RateWindow(100 * Ms, 10);
                foreach (var x in times) advanced.Add(x);
                Assert.Equal(advanced.RatePerSecond(ahead), peek);
            }

            // Peeking left the window where it was: adds at the current time count as in the untouched one.
            peeked.Add(t);
            untouched.Add(t);
            times.Add(t);
            Assert.Equal(untouched.WindowCount(t), peeked.WindowCount(t));
        }
    }

    [Fact]
    public void PeekRatePerSecond_NeverStarted_Zero() => Assert.Equal(0, new RateWindow().PeekRatePerSecond(123 * Ms));
}
