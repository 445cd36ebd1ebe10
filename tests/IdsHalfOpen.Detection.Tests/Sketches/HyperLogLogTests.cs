using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class HyperLogLogTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(10, true)]
    [InlineData(1_000, true)]
    [InlineData(100_000, true)]
    [InlineData(1_000_000, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(10, false)]
    [InlineData(1_000, false)]
    [InlineData(100_000, false)]
    [InlineData(1_000_000, false)]
    public void Estimate_KnownCardinality_WithinThreeStandardErrors(int cardinality, bool sequential)
    {
        var hll = new HyperLogLog();
        foreach (var value in SketchTestData.DistinctAddresses(cardinality, sequential, seed: 1234))
        {
            hll.Add(value);
        }

        var estimate = hll.Estimate();

        Assert.Equal(16384, hll.RegisterCount);
        Assert.Equal(1.04 / 128, hll.RelativeStandardError, 12);
        if (cardinality == 0)
        {
            Assert.Equal(0, estimate);
        }
        else
        {
            Assert.InRange(Math.Abs(estimate - cardinality) / cardinality, 0, 3 * hll.RelativeStandardError);
        }
    }

    /// <summary>
    /// Many independent sketches at a small precision across the range, including the linear-counting/improved
    /// estimator switch near 2.5·m: the mean error is close to 0 (no bias) and the spread close to 1.04/√m.
    /// </summary>
    [Theory]
    [InlineData(40)]
    [InlineData(400)]
    [InlineData(1_500)]
    [InlineData(2_300)]
    [InlineData(2_600)]
    [InlineData(3_500)]
    [InlineData(6_000)]
    [InlineData(20_000)]
    [InlineData(100_000)]
    public void Estimate_ManyIndependentSketches_UnbiasedWithExpectedSpread(int cardinality)
    {
        const int precision = 10;
        const int trials = 150;
        var sigma = HyperLogLog.StandardError(precision);
        var random = new Random(cardinality);
        var hll = new HyperLogLog(precision);
        double sumError = 0;
        double sumSquaredError = 0;
        for (var trial = 0; trial < trials; trial++)
        {
            hll.Clear();
            for (var i = 0; i < cardinality; i++)
            {
                hll.Add(SketchTestData.Random128(random));
            }

            var error = (hll.Estimate() - cardinality) / cardinality;
            sumError += error;
            sumSquaredError += error * error;
        }

        var meanError = sumError / trials;
        var rmsError = Math.Sqrt(sumSquaredError / trials);
        // 4 standard errors of the mean: fails on a real bias, not on noise.
        Assert.InRange(meanError, -4 * sigma / Math.Sqrt(trials), 4 * sigma / Math.Sqrt(trials));
        Assert.InRange(rmsError, 0, 1.3 * sigma);
    }

    [Fact]
    public void Merge_TwoOverlappingSketches_EqualsSketchOfUnion()
    {
        var all = SketchTestData.DistinctAddresses(60_000, sequential: false, seed: 7);
        var left = new HyperLogLog();
        var right = new HyperLogLog();
        var union = new HyperLogLog();
        for (var i = 0; i < all.Length; i++)
        {
            if (i < 40_000)
            {
                left.Add(all[i]);
            }

            if (i >= 25_000)
            {
                right.Add(all[i]);
            }

            union.Add(all[i]);
        }

        left.Merge(right);

        Assert.True(left.Registers.SequenceEqual(union.Registers));
        Assert.Equal(union.Estimate(), left.Estimate());
    }

    [Fact]
    public void Merge_IntoEmpty_CopiesOther()
    {
        var source = new HyperLogLog(12);
        foreach (var value in SketchTestData.DistinctAddresses(500, sequential: true, seed: 1))
        {
            source.Add(value);
        }

        var target = new HyperLogLog(12);
        target.Merge(source);

        Assert.True(target.Registers.SequenceEqual(source.Registers));
        Assert.Equal(source.Estimate(), target.Estimate());
    }

    [Fact]
    public void Merge_DifferentPrecision_Throws()
    {
        var a = new HyperLogLog(12);
        var b = new HyperLogLog(14);

        Assert.Throws<ArgumentException>(() => a.Merge(b));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(19)]
    public void Constructor_PrecisionOutOfRange_Throws(int precision) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperLogLog(precision));

    [Fact]
    public void Add_SameValuesInTwoInstances_AgreeExactly()
    {
        var values = SketchTestData.DistinctAddresses(50_000, sequential: false, seed: 99);
        var a = new HyperLogLog();
        var b = new HyperLogLog();
        foreach (var value in values)
        {
            a.Add(value);
        }

        // Different order and with repeats: HLL is order- and duplicate-insensitive.
        for (var i = values.Length - 1; i >= 0; i--)
        {
            b.Add(values[i]);
            b.Add(values[i / 2]);
        }

        Assert.True(a.Registers.SequenceEqual(b.Registers));
        Assert.Equal(a.Estimate(), b.Estimate());
    }

    /// <summary>
    /// Pins the hash and register layout: the same input must give the same sketch on every run and machine. If this
    /// fails after a deliberate change to <see cref="SketchHash"/>, update the constants (estimates will change).
    /// </summary>
    [Fact]
    public void Add_FixedInput_RegistersMatchPinnedChecksum()
    {
        var hll = new HyperLogLog();
        foreach (var value in SketchTestData.DistinctAddresses(100_000, sequential: true, seed: 0))
        {
            hll.Add(value);
        }

        ulong checksum = 1469598103934665603;
        foreach (var register in hll.Registers)
        {
            checksum = (checksum ^ register) * 1099511628211;
        }

        Assert.Equal(PinnedChecksum, checksum);
        Assert.Equal(PinnedEstimate, (long)Math.Round(hll.Estimate()));
    }

    private const ulong PinnedChecksum = 4606546887190213653;
    private const long PinnedEstimate = 100057;

    [Theory]
    [InlineData(14, 50)]
    [InlineData(14, 2_000)]
    [InlineData(10, 100)]
    public void Estimate_FewRegistersSet_MatchesLinearCounting(int precision, int cardinality)
    {
        var hll = new HyperLogLog(precision);
        foreach (var value in SketchTestData.DistinctAddresses(cardinality, sequential: false, seed: cardinality))
        {
            hll.Add(value);
        }

        var m = (double)hll.RegisterCount;
        var linearCounting = m * Math.Log(m / hll.EmptyRegisters);

        Assert.Equal(linearCounting, hll.Estimate(), linearCounting * 2e-3);
    }

    [Fact]
    public void Clear_AfterAdds_IsEmptyAndEstimatesZero()
    {
        var hll = new HyperLogLog(8);
        for (uint i = 0; i < 10_000; i++)
        {
            hll.Add(SketchTestData.V4(i));
        }

        hll.Clear();

        Assert.True(hll.IsEmpty);
        Assert.Equal(0, hll.Estimate());
        Assert.All(hll.Registers.ToArray(), r => Assert.Equal(0, r));
    }

    [Fact]
    public void Estimate_LargeCardinalityLowPrecision_WithinThreeStandardErrors()
    {
        // n/m ≈ 4000: far beyond the linear-counting range, registers well above their typical small values.
        var hll = new HyperLogLog(8);
        var random = new Random(5);
        const int n = 1_000_000;
        for (var i = 0; i < n; i++)
        {
            hll.Add(SketchTestData.Random128(random));
        }

        Assert.InRange(Math.Abs(hll.Estimate() - n) / n, 0, 3 * hll.RelativeStandardError);
    }
}
