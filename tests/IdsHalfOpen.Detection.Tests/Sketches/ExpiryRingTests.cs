using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class ExpiryRingTests
{
    private const long Second = 1_000_000_000;

    /// <summary>
    /// Random adds (mostly within the horizon, some overdue, some beyond it) and advances (mostly forward, some
    /// backward, some long jumps) against a reference list implementing the documented rules: a due time is rounded
    /// up to the resolution; one beyond the horizon of the newest advance is clamped to that horizon's last bucket;
    /// an item falls due at the first advance whose bucket (never moving backwards) reaches its bucket.
    /// </summary>
    [Theory]
    [InlineData(1, 30 * Second, Second)]
    [InlineData(2, 63 * Second, Second)]
    [InlineData(3, 5 * Second, Second / 4)]
    [InlineData(4, 0, Second)]
    [InlineData(5, 10 * Second + 1, 3 * Second)]
    public void Advance_RandomSchedule_MatchesReferenceList(int seed, long horizon, long resolution)
    {
        var random = new Random(seed);
        var ring = new ExpiryRing(horizon, resolution);
        var buckets = ((horizon + resolution - 1) / resolution) + 1;
        Assert.Equal(buckets, ring.BucketCount);
        var pending = new List<(long Bucket, int Count)>();
        var now = 1_700_000_000L * Second + random.NextInt64(Second);
        var clock = now / resolution;
        Assert.Equal(0, ring.Advance(now));
        for (var step = 0; step < 20_000; step++)
        {
            if (random.Next(3) != 0)
            {
                var due = random.Next(20) switch
                {
                    0 => now - random.NextInt64(horizon + resolution + 1),
                    1 => now + horizon + random.NextInt64(3 * resolution),
                    _ => now + random.NextInt64(horizon + 1),
                };
                var count = random.Next(5);
                ring.Add(due, count);
                if (count > 0)
                {
                    var bucket = (due + resolution - 1) / resolution;
                    pending.Add((Math.Min(bucket, clock + buckets), count));
                }
            }
            else
            {
                now += random.Next(10) switch
                {
                    0 => -random.NextInt64(2 * resolution),
                    1 => random.NextInt64(2 * horizon + resolution),
                    _ => random.NextInt64(resolution),
                };
                clock = Math.Max(clock, now / resolution);
                long expected = 0;
                for (var i = pending.Count - 1; i >= 0; i--)
                {
                    if (pending[i].Bucket <= clock)
                    {
                        expected += pending[i].Count;
                        pending.RemoveAt(i);
                    }
                }

                Assert.Equal(expected, ring.Advance(now));
            }

            long stillPending = 0;
            foreach (var item in pending)
            {
                stillPending += item.Count;
            }

            Assert.Equal(stillPending, ring.Pending);
        }
    }

    /// <summary>The gauge-keeping promise: an item due within the horizon is released at or after its due time, within one resolution.</summary>
    [Fact]
    public void Advance_DueWithinHorizon_NeverEarlyAtMostOneResolutionLate()
    {
        var random = new Random(9);
        const long resolution = Second;
        var ring = new ExpiryRing(30 * Second, resolution);
        var now = 1_000 * Second;
        ring.Advance(now);
        for (var trial = 0; trial < 500; trial++)
        {
            var due = now + random.NextInt64(30 * Second + 1);
            ring.Add(due, 1);
            long releasedAt = -1;
            while (releasedAt < 0)
            {
                now += random.NextInt64(resolution / 3);
                if (ring.Advance(now) == 1)
                {
                    releasedAt = now;
                }
            }

            Assert.InRange(releasedAt, due, due + resolution + (resolution / 3));
            Assert.Equal(0, ring.Pending);
        }
    }

    [Fact]
    public void Add_BeforeFirstAdvance_AnchorsAtDueMinusHorizon()
    {
        var ring = new ExpiryRing(30 * Second);
        ring.Add(100 * Second, 2);
        ring.Add(75 * Second, 1); // between the implied now (70 s) and the first due

        Assert.Equal(3, ring.Pending);
        Assert.Equal(0, ring.Advance(74 * Second));
        Assert.Equal(1, ring.Advance(75 * Second));
        Assert.Equal(0, ring.Advance(99 * Second));
        Assert.Equal(2, ring.Advance(100 * Second));
        Assert.Equal(0, ring.Pending);
    }

    [Fact]
    public void Add_AlreadyDue_FallsDueAtNextAdvanceEvenIfTimeGoesBack()
    {
        var ring = new ExpiryRing(10 * Second);
        ring.Advance(50 * Second);
        ring.Add(40 * Second, 4);

        Assert.Equal(4, ring.Advance(49 * Second));
        Assert.Equal(0, ring.Pending);
    }

    [Fact]
    public void Add_BeyondHorizon_ClampedToLastBucket()
    {
        var ring = new ExpiryRing(10 * Second);
        ring.Advance(50 * Second);
        ring.Add(500 * Second, 1);

        Assert.Equal(0, ring.Advance(60 * Second));
        Assert.Equal(1, ring.Advance(61 * Second));
    }

    [Fact]
    public void Advance_JumpBeyondRing_ReleasesEverything()
    {
        var ring = new ExpiryRing(10 * Second);
        ring.Advance(0);
        ring.Add(3 * Second, 1);
        ring.Add(9 * Second, 2);

        Assert.Equal(3, ring.Advance(1_000 * Second));
        Assert.Equal(0, ring.Pending);
        ring.Add(1_005 * Second, 5);
        Assert.Equal(0, ring.Advance(1_004 * Second));
        Assert.Equal(5, ring.Advance(1_005 * Second));
    }

    [Fact]
    public void Clear_AfterUse_ForgetsPending()
    {
        var ring = new ExpiryRing(10 * Second);
        ring.Advance(0);
        ring.Add(5 * Second, 3);
        ring.Clear();

        Assert.Equal(0, ring.Pending);
        Assert.Equal(0, ring.Advance(1_000 * Second));
    }

    [Fact]
    public void Add_NegativeCount_Throws()
    {
        var ring = new ExpiryRing(10 * Second);

        Assert.Throws<ArgumentOutOfRangeException>(() => ring.Add(Second, -1));
    }
}
