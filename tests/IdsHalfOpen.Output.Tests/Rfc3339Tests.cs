using System.Globalization;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Tests;

public class Rfc3339Tests
{
    [Fact]
    public void ToString_RandomTimes_MatchDateTimeFormattingWithNanoseconds()
    {
        var random = new Random(3339);
        for (int i = 0; i < 10_000; i++)
        {
            // The whole range a long of nanoseconds covers (1677..2262), before and after 1970.
            long ns = random.NextInt64(long.MinValue / 2, long.MaxValue / 2) * 2 + random.Next(2);
            long ticks = Math.DivRem(ns, 100, out long rest);
            if (rest < 0) { ticks--; rest += 100; }
            var reference = DateTime.UnixEpoch.AddTicks(ticks).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + rest.ToString("00", CultureInfo.InvariantCulture) + "Z";
            Assert.Equal(reference, Rfc3339.ToString(ns));
        }
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00.000000000Z")]
    [InlineData(-1L, "1969-12-31T23:59:59.999999999Z")]
    [InlineData(1_714_564_800_123_456_789L, "2024-05-01T12:00:00.123456789Z")]
    public void ToString_KnownTimes_GiveExpectedText(long ns, string expected)
    {
        Assert.Equal(expected, Rfc3339.ToString(ns));
        Assert.Equal(Rfc3339.Length, expected.Length);
    }

    [Fact]
    public void TryFormatUtf8_DestinationTooShort_ReturnsFalse()
    {
        Assert.False(Rfc3339.TryFormatUtf8(0, stackalloc byte[Rfc3339.Length - 1], out int n));
        Assert.Equal(0, n);
    }
}
