using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

/// <summary>The hot operations allocate nothing once warmed up (JIT tiering and one-off growth excluded).</summary>
public sealed class SketchAllocationTests
{
    private const int Calls = 200_000;

    private static long AllocatedBy(Action<int> operation)
    {
        // Warm up: first calls JIT-compile, and growable structures reach their final size.
        for (var i = 0; i < Calls; i++)
        {
            operation(i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            operation(i);
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void HyperLogLog_AddAndEstimate_AllocateNothing()
    {
        var hll = new HyperLogLog();
        double sink = 0;

        Assert.Equal(0, AllocatedBy(i => hll.Add(SketchTestData.V4((uint)i * 7919))));
        Assert.Equal(0, AllocatedBy(i => sink += (i & 1023) == 0 ? hll.Estimate() : 0));
        Assert.True(sink > 0);
    }

    [Fact]
    public void DistinctCounter_AddAndCount_AllocateNothingInEitherMode()
    {
        var exact = new DistinctCounter();
        var estimating = new DistinctCounter(exactCap: 100);
        long sink = 0;

        Assert.Equal(0, AllocatedBy(i => exact.Add(SketchTestData.V4((uint)i % 4000))));
        Assert.Equal(0, AllocatedBy(i => estimating.Add(SketchTestData.V4((uint)i))));
        Assert.Equal(0, AllocatedBy(i => sink += exact.Count + ((i & 1023) == 0 ? estimating.Count : 0)));
        Assert.False(exact.IsEstimate);
        Assert.True(estimating.IsEstimate);
        Assert.True(sink > 0);
    }

    [Fact]
    public void SpaceSaving_OfferAndCopyTop_AllocateNothing()
    {
        var sources = new SpaceSaving<UInt128>(64);
        var ports = new SpaceSaving<ushort>(16);
        var top = new TopEntry<UInt128>[10];
        var errors = new long[10];
        var portTop = new TopEntry<ushort>[16];

        Assert.Equal(0, AllocatedBy(i => sources.Offer(SketchTestData.V4((uint)(i % 97 * (i % 13))), 1 + (i & 3))));
        Assert.Equal(0, AllocatedBy(i => ports.Offer((ushort)(i % 40))));
        Assert.Equal(0, AllocatedBy(i =>
        {
            if ((i & 63) == 0)
            {
                sources.CopyTop(top, errors);
                ports.CopyTop(portTop);
            }
        }));
        Assert.True(top[0].Count > 0);
    }

    [Fact]
    public void RateWindow_AddAndRate_AllocateNothing()
    {
        var window = new RateWindow();
        double sink = 0;
        long time = 0;

        Assert.Equal(0, AllocatedBy(i =>
        {
            time += (i % 1000 == 0) ? 5_000_000_000 : 30_000;
            window.Add(time - (i % 7 * 10_000));
            sink += window.RatePerSecond(time) + window.PeakRatePerSecond + window.AverageRatePerSecond(time);
        }));
        Assert.True(sink > 0);
    }

    [Fact]
    public void TtlSummary_Add_AllocatesNothing()
    {
        var holder = new TtlHolder();

        Assert.Equal(0, AllocatedBy(i => holder.Summary.Add((byte)(i * 31))));
        Assert.Equal(256, holder.Summary.Distinct);
    }

    private sealed class TtlHolder
    {
        public TtlSummary Summary;
    }

    [Fact]
    public void ExpiryRing_AddAndAdvance_AllocateNothing()
    {
        var ring = new ExpiryRing(30_000_000_000);
        long now = 0;
        long released = 0;

        Assert.Equal(0, AllocatedBy(i =>
        {
            now += 50_000_000;
            ring.Add(now + (i % 31 * 1_000_000_000L), 1);
            released += ring.Advance(now);
        }));
        Assert.True(released > 0);
    }
}
