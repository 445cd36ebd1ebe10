using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class RateWindowTests
{
    private const long Ms = 1_000_000;

    /// <summary>
    /// Random streams with jitter (reordering within and beyond a bucket), bursts, gaps longer than the window and
    /// interleaved queries, against a brute-force recount of the raw event list at every query.
    /// Reference semantics: the clock is the newest time seen (events and queries); an event is counted in the
    /// bucket of max(its time, clock); the window at the clock is that bucket and the n − 1 before it.
    /// </summary>
    [Theory]
    [InlineData(1, 100 * Ms, 10)]
    [InlineData(2, 100 * Ms, 10)]
    [InlineData(3, 250 * Ms, 4)]
    [InlineData(4, 1 * Ms, 1)]
    [InlineData(5, 7 * Ms, 13)]
    [InlineData(6, 1_000 * Ms, 60)]
    public void WindowCount_RandomStream_MatchesBruteForce(int seed, long width, int buckets)
    {
        var random = new Random(seed);
        var window = new RateWindow(width, buckets);
        var events = new List<(long Bucket, long Count)>();
        var time = 1_700_000_000_000_000_000L + random.NextInt64(width);
        long clock = long.MinValue;
        long total = 0;
        long peak = 0;
        for (var step = 0; step < 6_000; step++)
        {
            time += random.Next(100) switch
            {
                < 60 => random.NextInt64(width / 5 + 1),
                < 90 => random.NextInt64(width * 2),
                < 97 => 0,
                _ => random.NextInt64(width * buckets * 3),
            };

            // Out-of-order: mostly within a bucket width, sometimes far back.
            var eventTime = random.Next(10) switch
            {
                0 => time - random.NextInt64(width),
                1 => time - random.NextInt64(width * buckets * 2),
                _ => time,
            };

            if (random.Next(4) == 0)
            {
                var query = eventTime - random.NextInt64(width);
                clock = Math.Max(clock, query);
                Assert.Equal(Reference(events, clock, width, buckets), window.WindowCount(query));
            }

            var count = random.Next(3) == 0 ? random.Next(0, 50) : 1;
            window.Add(eventTime, count);
            clock = Math.Max(clock, eventTime);
            events.Add((Floor(clock, width), count));
            total += count;
            peak = Math.Max(peak, Reference(events, clock, width, buckets));

            Assert.Equal(total, window.Total);
            Assert.Equal(peak, window.PeakWindowCount);
        }

        var now = clock + random.NextInt64(width * buckets);
        var expected = Reference(events, Math.Max(now, clock), width, buckets);
        Assert.Equal(expected, window.WindowCount(now));
        Assert.Equal(expected * 1e9 / (width * buckets), window.RatePerSecond(now), 9);
        Assert.Equal(peak * 1e9 / (width * buckets), window.PeakRatePerSecond, 9);
    }

    private static long Floor(long time, long width) => time >= 0 ? time / width : -((-time + width - 1) / width);

    private static long Reference(List<(long Bucket, long Count)> events, long clock, long width, int buckets)
    {
        var current = Floor(clock, width);
        long sum = 0;
        foreach (var (bucket, count) in events)
        {
            if (bucket > current - buckets && bucket <= current)
            {
                sum += count;
            }
        }

        return sum;
    }

    [Fact]
    public void RatePerSecond_SteadyStream_EqualsStreamRate()
    {
        var window = new RateWindow();
        const long start = 1_000_000_000_000;
        // 2000 events per second for 3 s, evenly spaced.
        for (var i = 0; i < 6000; i++)
        {
            window.Add(start + (i * 500_000L));
        }

        var end = start + (6000 * 500_000L) - 1;
        Assert.Equal(2000, window.RatePerSecond(end), 6);
        Assert.Equal(2000, window.PeakRatePerSecond, 6);
        Assert.Equal(6000, window.Total);
        Assert.Equal(2000, window.AverageRatePerSecond(start + 3_000_000_000), 6);
    }

    [Fact]
    public void RatePerSecond_AfterGapLongerThanWindow_IsZeroAndPeakKept()
    {
        var window = new RateWindow(100 * Ms, 10);
        for (var i = 0; i < 500; i++)
        {
            window.Add(5_000 * Ms + i * Ms);
        }

        Assert.Equal(0, window.RatePerSecond(5_000 * Ms + 1_600 * Ms));
        Assert.Equal(500, window.PeakRatePerSecond, 9);

        window.Add(9_000 * Ms, 3);
        Assert.Equal(3, window.WindowCount(9_000 * Ms));
    }

    [Fact]
    public void Add_OlderThanCurrentBucket_CountsInCurrentBucket()
    {
        var window = new RateWindow(100 * Ms, 10);
        window.Add(10_000 * Ms);
        window.Add(10_950 * Ms);
        window.Add(10_040 * Ms); // late packet: counted at 10.9 s, so it survives until the window leaves 10.9 s

        Assert.Equal(2, window.WindowCount(11_050 * Ms));
        Assert.Equal(2, window.WindowCount(11_899 * Ms));
        Assert.Equal(0, window.WindowCount(11_900 * Ms));
    }

    [Fact]
    public void Add_NegativeTimes_BucketedByFloor()
    {
        var window = new RateWindow(10, 2);
        window.Add(-15);
        window.Add(-11);
        window.Add(-1);

        Assert.Equal(3, window.WindowCount(-1));
        Assert.Equal(1, window.WindowCount(0));
        Assert.Equal(0, window.WindowCount(10));
    }

    [Fact]
    public void Mark_StartsNewPeriod_ResetsAverageAndPeak()
    {
        var window = new RateWindow(100 * Ms, 10);
        const long t0 = 1_000_000 * Ms;
        for (var i = 0; i < 1000; i++)
        {
            window.Add(t0 + (i * Ms)); // 1000/s for 1 s
        }

        Assert.Equal(1000, window.PeakRatePerSecond, 9);
        Assert.Equal(t0, window.PeriodStartNs);

        window.Mark(t0 + 5_000 * Ms);
        Assert.Equal(0, window.PeakRatePerSecond);
        Assert.Equal(0, window.PeriodTotal);

        for (var i = 0; i < 300; i++)
        {
            window.Add(t0 + 5_000 * Ms + (i * 10 * Ms)); // 100/s for 3 s
        }

        Assert.Equal(1000, window.Total - 300);
        Assert.Equal(300, window.PeriodTotal);
        Assert.Equal(100, window.AverageRatePerSecond(t0 + 8_000 * Ms), 9);
        Assert.Equal(100, window.PeakRatePerSecond, 9);
        // A short period is averaged over at least one window.
        window.Mark(t0 + 8_000 * Ms);
        window.Add(t0 + 8_000 * Ms, 50);
        Assert.Equal(50, window.AverageRatePerSecond(t0 + 8_001 * Ms), 9);
    }

    [Fact]
    public void Clear_AfterUse_ForgetsEverything()
    {
        var window = new RateWindow();
        window.Add(1_000 * Ms, 10);
        window.Clear();

        Assert.Equal(0, window.Total);
        Assert.Equal(0, window.PeakRatePerSecond);
        Assert.Equal(0, window.AverageRatePerSecond(2_000 * Ms));
        window.Add(500 * Ms);
        Assert.Equal(1, window.WindowCount(500 * Ms));
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateWindow(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateWindow(100, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RateWindow(long.MaxValue / 2, 10));
    }
}
