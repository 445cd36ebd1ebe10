using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class SpaceSavingTests
{
    /// <summary>
    /// Zipf-like streams (some weighted) against an exact dictionary: the Space-Saving guarantees hold at checkpoints
    /// throughout each stream, and the index stays consistent with the counters through many evictions.
    /// </summary>
    [Theory]
    [InlineData(1, 10, 0.8, false)]
    [InlineData(2, 10, 1.1, false)]
    [InlineData(3, 32, 1.1, true)]
    [InlineData(4, 64, 1.5, false)]
    [InlineData(5, 100, 0.6, true)]
    [InlineData(6, 5, 2.0, true)]
    [InlineData(7, 1, 1.2, false)]
    public void Offer_ZipfStream_GuaranteesHoldAgainstExactCounts(int seed, int capacity, double exponent, bool weighted)
    {
        var random = new Random(seed);
        var zipf = new SketchTestData.Zipf(5_000, exponent, random);
        var sketch = new SpaceSaving<UInt128>(capacity);
        var exact = new Dictionary<UInt128, long>();
        long total = 0;
        var top = new TopEntry<UInt128>[capacity];
        var errors = new long[capacity];
        for (var step = 1; step <= 60_000; step++)
        {
            // Scramble ranks into addresses so key order and frequency order differ.
            var key = SketchTestData.V4((uint)(zipf.Next() * 2654435761u));
            long count = weighted ? 1 + random.Next(random.Next(2) == 0 ? 1 : 20) : 1;
            sketch.Offer(key, count);
            exact[key] = exact.GetValueOrDefault(key) + count;
            total += count;

            if (step % 7_500 == 0 || step < 50)
            {
                CheckGuarantees(sketch, exact, total, top, errors);
            }
        }
    }

    private static void CheckGuarantees(
        SpaceSaving<UInt128> sketch, Dictionary<UInt128, long> exact, long total, TopEntry<UInt128>[] top, long[] errors)
    {
        Assert.Equal(total, sketch.TotalCount);
        var written = sketch.CopyTop(top, errors);
        Assert.Equal(Math.Min(sketch.Capacity, exact.Count), written);
        Assert.Equal(written, sketch.Count);
        var minCount = sketch.MinCount;
        Assert.InRange(minCount, 0, total / sketch.Capacity);
        var monitored = new HashSet<UInt128>();
        long sum = 0;
        for (var i = 0; i < written; i++)
        {
            var (key, count) = top[i];
            Assert.True(monitored.Add(key));
            sum += count;
            var trueCount = exact[key];
            Assert.InRange(trueCount, count - errors[i], count);
            Assert.InRange(errors[i], 0, minCount);
            Assert.True(sketch.TryGetCount(key, out var looked, out var lookedError));
            Assert.Equal(count, looked);
            Assert.Equal(errors[i], lookedError);
            if (i > 0)
            {
                Assert.True(top[i - 1].Count > count || (top[i - 1].Count == count && top[i - 1].Key < key));
            }
        }

        // Space-Saving's counters always add up to N once full (and trivially before).
        Assert.Equal(total, sum);
        foreach (var (key, trueCount) in exact)
        {
            if (trueCount > minCount)
            {
                Assert.Contains(key, monitored);
            }

            if (trueCount > total / sketch.Capacity)
            {
                Assert.Contains(key, monitored);
            }

            if (!monitored.Contains(key))
            {
                Assert.False(sketch.TryGetCount(key, out _, out _));
            }
        }
    }

    [Fact]
    public void Offer_FewerKeysThanCapacity_CountsExactWithZeroError()
    {
        var sketch = new SpaceSaving<ushort>(8);
        sketch.Offer(443, 5);
        sketch.Offer(80);
        sketch.Offer(22, 3);
        sketch.Offer(80, 4);
        var top = new TopEntry<ushort>[8];
        var errors = new long[8];

        var written = sketch.CopyTop(top, errors);

        Assert.Equal(3, written);
        Assert.Equal(new TopEntry<ushort>(80, 5), top[0]);
        Assert.Equal(new TopEntry<ushort>(443, 5), top[1]);
        Assert.Equal(new TopEntry<ushort>(22, 3), top[2]);
        Assert.All(errors.AsSpan(0, 3).ToArray(), e => Assert.Equal(0, e));
        Assert.Equal(0, sketch.MinCount);
    }

    [Fact]
    public void CopyTop_ShortDestination_WritesPrefixOfFullOrder()
    {
        var sketch = new SpaceSaving<uint>(16);
        for (uint key = 0; key < 16; key++)
        {
            sketch.Offer(key, 1 + (key % 4));
        }

        var all = new TopEntry<uint>[16];
        var few = new TopEntry<uint>[5];

        Assert.Equal(16, sketch.CopyTop(all));
        Assert.Equal(5, sketch.CopyTop(few));
        Assert.Equal(all.AsSpan(0, 5).ToArray(), few);
        Assert.Equal(new TopEntry<uint>(3, 4), few[0]);
        Assert.Equal(new TopEntry<uint>(7, 4), few[1]);
    }

    [Fact]
    public void CopyTop_Empty_WritesNothing()
    {
        var sketch = new SpaceSaving<int>(4);

        Assert.Equal(0, sketch.CopyTop(new TopEntry<int>[4]));
        Assert.Equal(0, sketch.CopyTop([]));
    }

    [Fact]
    public void Offer_Full_EvictsLongestStandingMinimum()
    {
        var sketch = new SpaceSaving<int>(3);
        sketch.Offer(1);
        sketch.Offer(2);
        sketch.Offer(3);

        sketch.Offer(4); // evicts 1, the oldest at count 1

        Assert.False(sketch.TryGetCount(1, out _, out _));
        Assert.True(sketch.TryGetCount(4, out var count, out var error));
        Assert.Equal(2, count);
        Assert.Equal(1, error);

        sketch.Offer(5); // evicts 2

        Assert.False(sketch.TryGetCount(2, out _, out _));
        Assert.True(sketch.TryGetCount(3, out _, out _));
    }

    [Fact]
    public void Offer_SameStreamTwoInstances_IdenticalTopAndErrors()
    {
        var a = new SpaceSaving<UInt128>(20);
        var b = new SpaceSaving<UInt128>(20);
        var random = new Random(42);
        var zipf = new SketchTestData.Zipf(2_000, 1.0, random);
        for (var i = 0; i < 50_000; i++)
        {
            var key = (UInt128)(ulong)zipf.Next();
            var count = 1 + (i % 3);
            a.Offer(key, count);
            b.Offer(key, count);
        }

        var topA = new TopEntry<UInt128>[20];
        var topB = new TopEntry<UInt128>[20];
        var errorsA = new long[20];
        var errorsB = new long[20];
        a.CopyTop(topA, errorsA);
        b.CopyTop(topB, errorsB);

        Assert.Equal(topA, topB);
        Assert.Equal(errorsA, errorsB);
    }

    [Fact]
    public void Clear_AfterUse_StartsOver()
    {
        var sketch = new SpaceSaving<int>(4);
        for (var i = 0; i < 100; i++)
        {
            sketch.Offer(i % 9, 1 + (i % 2));
        }

        sketch.Clear();
        sketch.Offer(7, 2);

        var top = new TopEntry<int>[4];
        Assert.Equal(1, sketch.CopyTop(top));
        Assert.Equal(new TopEntry<int>(7, 2), top[0]);
        Assert.Equal(2, sketch.TotalCount);
    }

    [Fact]
    public void Offer_NonPositiveCount_Throws()
    {
        var sketch = new SpaceSaving<int>(4);

        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Offer(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sketch.Offer(1, -3));
    }

    private readonly record struct Service(UInt128 Address, ushort Port) : IComparable<Service>
    {
        public int CompareTo(Service other)
        {
            var byAddress = Address.CompareTo(other.Address);
            return byAddress != 0 ? byAddress : Port.CompareTo(other.Port);
        }
    }

    [Fact]
    public void Offer_CompositeKey_CountsByValueEquality()
    {
        var sketch = new SpaceSaving<Service>(4);
        for (var i = 0; i < 30; i++)
        {
            sketch.Offer(new Service(SketchTestData.V4(1), (ushort)(80 + (i % 2))));
        }

        var top = new TopEntry<Service>[4];

        Assert.Equal(2, sketch.CopyTop(top));
        Assert.Equal(new TopEntry<Service>(new Service(SketchTestData.V4(1), 80), 15), top[0]);
        Assert.Equal(new TopEntry<Service>(new Service(SketchTestData.V4(1), 81), 15), top[1]);
    }
}
