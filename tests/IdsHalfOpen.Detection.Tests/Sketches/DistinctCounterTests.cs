using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class DistinctCounterTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(100, false)]
    [InlineData(4096, false)]
    [InlineData(4096, true)]
    public void Add_RandomStreamBelowCap_CountIsExactAfterEveryAdd(int cap, bool preallocate)
    {
        var random = new Random(cap);
        var counter = new DistinctCounter(cap, preallocate: preallocate);
        var reference = new HashSet<UInt128>();
        // A pool smaller than the cap, with zero in it (the set's empty marker) and values that collide in the low bits.
        var pool = new UInt128[Math.Max(1, cap - 1)];
        for (var i = 0; i < pool.Length; i++)
        {
            pool[i] = (i % 5) switch
            {
                0 => (UInt128)(ulong)i, // includes 0
                1 => SketchTestData.V4((uint)i),
                2 => (UInt128)(ulong)i << 64,
                _ => SketchTestData.Random128(random),
            };
        }

        for (var step = 0; step < (cap * 4) + 10; step++)
        {
            var value = pool[random.Next(pool.Length)];
            var added = counter.Add(value);

            Assert.Equal(reference.Add(value), added);
            Assert.Equal(reference.Count, counter.Count);
            Assert.False(counter.IsEstimate);
        }
    }

    [Fact]
    public void Add_CapPlusOneDistinct_SwitchesToEstimateOnlyThen()
    {
        var counter = new DistinctCounter(exactCap: 100);
        for (uint i = 0; i < 100; i++)
        {
            counter.Add(SketchTestData.V4(i));
        }

        counter.Add(SketchTestData.V4(5)); // a repeat at the cap keeps it exact
        Assert.False(counter.IsEstimate);
        Assert.Equal(100, counter.Count);

        counter.Add(SketchTestData.V4(100));

        Assert.True(counter.IsEstimate);
        Assert.InRange(counter.Count, 101, 103);
    }

    [Fact]
    public void Add_ZeroIsTheValueThatOverflowsTheCap_SwitchesToEstimate()
    {
        var counter = new DistinctCounter(exactCap: 3);
        counter.Add(1);
        counter.Add(2);
        counter.Add(3);

        counter.Add(UInt128.Zero);

        Assert.True(counter.IsEstimate);
        Assert.Equal(4, counter.Count);
    }

    [Theory]
    [InlineData(5_000, true)]
    [InlineData(20_000, false)]
    [InlineData(200_000, true)]
    [InlineData(1_000_000, false)]
    public void Count_AboveCap_WithinThreeStandardErrors(int cardinality, bool sequential)
    {
        var counter = new DistinctCounter();
        var values = SketchTestData.DistinctAddresses(cardinality, sequential, seed: 3);
        foreach (var value in values)
        {
            counter.Add(value);
        }

        // Repeats change nothing.
        for (var i = 0; i < values.Length; i += 3)
        {
            counter.Add(values[i]);
        }

        Assert.True(counter.IsEstimate);
        var sigma = HyperLogLog.StandardError(HyperLogLog.DefaultPrecision);
        Assert.InRange(Math.Abs(counter.Count - cardinality) / (double)cardinality, 0, 3 * sigma);
    }

    [Fact]
    public void Count_AboveCap_NeverBelowCapPlusOne()
    {
        // Tiny sketch: its estimate right after the switch may fall below what was certainly seen.
        for (var seed = 0; seed < 50; seed++)
        {
            var counter = new DistinctCounter(exactCap: 64, precision: 4);
            var random = new Random(seed);
            for (var i = 0; i < 65; i++)
            {
                counter.Add(SketchTestData.Random128(random));
            }

            Assert.True(counter.IsEstimate);
            Assert.True(counter.Count >= 65, $"seed {seed}: {counter.Count}");
        }
    }

    [Fact]
    public void Add_SameValuesTwoInstances_SameCount()
    {
        var a = new DistinctCounter(exactCap: 1000);
        var b = new DistinctCounter(exactCap: 1000, preallocate: true);
        var values = SketchTestData.DistinctAddresses(30_000, sequential: false, seed: 11);
        foreach (var value in values)
        {
            a.Add(value);
            b.Add(value);
        }

        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.IsEstimate, b.IsEstimate);
    }

    [Fact]
    public void Clear_AfterSwitch_ReturnsToExactCounting()
    {
        var counter = new DistinctCounter(exactCap: 10);
        for (uint i = 0; i < 1000; i++)
        {
            counter.Add(SketchTestData.V4(i));
        }

        counter.Clear();
        Assert.False(counter.IsEstimate);
        Assert.Equal(0, counter.Count);

        for (uint i = 0; i < 10; i++)
        {
            counter.Add(SketchTestData.V4(i * 7));
        }

        Assert.False(counter.IsEstimate);
        Assert.Equal(10, counter.Count);
        counter.Add(SketchTestData.V4(1));
        Assert.True(counter.IsEstimate);
    }
}
