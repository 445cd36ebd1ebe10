using IdsHalfOpen.Detection.Rules;

namespace IdsHalfOpen.Detection.Tests.Rules;

public class DurationParserTests
{
    [Theory]
    [InlineData("250ms", 250_000_000L)]
    [InlineData("30s", 30_000_000_000L)]
    [InlineData("5m", 300_000_000_000L)]
    [InlineData("1h", 3_600_000_000_000L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData("0.25s", 250_000_000L)]
    [InlineData("10", 10_000_000_000L)]
    [InlineData("0.5", 500_000_000L)]
    [InlineData("0s", 0L)]
    [InlineData("1.5ms", 1_500_000L)]
    public void TryParse_ValidDuration_ReturnsNanoseconds(string text, long expected)
    {
        Assert.True(DurationParser.TryParse(text, out long ns));
        Assert.Equal(expected, ns);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("ms")]
    [InlineData("10x")]
    [InlineData("10 s")]
    [InlineData(" 10s")]
    [InlineData("-5s")]
    [InlineData("+5s")]
    [InlineData("1.s")]
    [InlineData(".5s")]
    [InlineData("1.2.3s")]
    [InlineData("1e3s")]
    [InlineData("10S")]
    [InlineData("10sec")]
    [InlineData("5d")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("abc")]
    [InlineData("99999999999999999h")]
    public void TryParse_Junk_ReturnsFalse(string text)
    {
        Assert.False(DurationParser.TryParse(text, out long ns));
        Assert.Equal(0, ns);
    }

    [Fact]
    public void TryParse_RandomFormatsRoundTrip_MatchesFormat()
    {
        var rng = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            long ns = rng.Next(0, 5) switch
            {
                0 => rng.NextInt64(0, 100_000) * DurationParser.NanosecondsPerMillisecond,
                1 => rng.NextInt64(0, 100_000) * DurationParser.NanosecondsPerSecond,
                2 => rng.NextInt64(0, 10_000) * 60 * DurationParser.NanosecondsPerSecond,
                3 => rng.NextInt64(0, 1_000) * 3600 * DurationParser.NanosecondsPerSecond,
                _ => rng.NextInt64(0, 1_000_000_000_000),
            };
            string text = DurationParser.Format(ns);
            Assert.True(DurationParser.TryParse(text, out long back), text);
            Assert.Equal(ns, back);
        }
    }
}
