using System.Numerics;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Minimum, maximum and distinct values of the IP TTL / hop limit seen (a 256-bit set): spoofed floods from one tool
/// tend to show either one TTL or a uniformly random spread.
/// </summary>
/// <remarks>
/// A mutable 40-byte struct so that per-victim state embeds it without another object: keep it in a field (not a
/// property, not a readonly field) and call <see cref="Add"/> on the field itself. <c>default</c> is empty.
/// </remarks>
public struct TtlSummary
{
    private Bits256 _seen;
    private long _count;
    private byte _min;
    private byte _max;

    /// <summary>Values added (not distinct).</summary>
    public readonly long Count => _count;

    public readonly bool IsEmpty => _count == 0;

    /// <summary>Smallest TTL seen; 0 when empty.</summary>
    public readonly byte Min => _min;

    /// <summary>Largest TTL seen; 0 when empty.</summary>
    public readonly byte Max => _max;

    /// <summary>Number of distinct TTL values seen (0..256).</summary>
    public readonly int Distinct =>
        BitOperations.PopCount(_seen[0]) + BitOperations.PopCount(_seen[1])
        + BitOperations.PopCount(_seen[2]) + BitOperations.PopCount(_seen[3]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(byte ttl)
    {
        _seen[ttl >> 6] |= 1UL << ttl;
        if (_count++ == 0)
        {
            _min = ttl;
            _max = ttl;
            return;
        }

        if (ttl < _min)
        {
            _min = ttl;
        }

        if (ttl > _max)
        {
            _max = ttl;
        }
    }

    public readonly bool Contains(byte ttl) => (_seen[ttl >> 6] & (1UL << ttl)) != 0;

    /// <summary>Folds another summary in: afterwards this one describes both.</summary>
    public void Merge(in TtlSummary other)
    {
        if (other._count == 0)
        {
            return;
        }

        for (var i = 0; i < 4; i++)
        {
            _seen[i] |= other._seen[i];
        }

        _min = _count == 0 ? other._min : Math.Min(_min, other._min);
        _max = _count == 0 ? other._max : Math.Max(_max, other._max);
        _count += other._count;
    }

    public void Clear() => this = default;

    [InlineArray(4)]
    private struct Bits256
    {
        private ulong _element;
    }
}
