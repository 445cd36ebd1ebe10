using System.Numerics;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Counts distinct 128-bit values (addresses): exactly up to <see cref="ExactCap"/> values in an open-addressing
/// set, then by a <see cref="HyperLogLog"/> fed with every value seen so far.
/// </summary>
/// <remarks>
/// Memory: the exact set keeps its load at or below 1/2 (linear probing stays short), so it tops out at
/// 2·cap rounded up to a power of two slots of 16 bytes (128 KiB for the default cap of 4096). To keep the many
/// victims that only ever see a handful of sources small, the set starts at 16 slots and doubles as needed
/// (at most ~9 allocations in its life) unless <c>preallocate</c> asks for the final size at construction.
/// Switching to the sketch allocates it once (16 KiB at precision 14) and releases the set.
/// Steady-state <see cref="Add"/> allocates nothing in either mode.
/// </remarks>
public sealed class DistinctCounter
{
    public const int DefaultExactCap = 4096;
    private const int InitialSlots = 16;

    private readonly int _exactCap;
    private readonly int _maxSlots;
    private readonly int _precision;
    private readonly bool _preallocate;

    // Slot value 0 means empty; the value 0 itself is tracked by _hasZero.
    private UInt128[]? _slots;
    private int _mask;
    private int _exactCount;
    private bool _hasZero;
    private HyperLogLog? _sketch;
    private bool _estimating;

    public DistinctCounter(int exactCap = DefaultExactCap, int precision = HyperLogLog.DefaultPrecision, bool preallocate = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exactCap);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(exactCap, 1 << 28);
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, HyperLogLog.MinPrecision);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, HyperLogLog.MaxPrecision);
        _exactCap = exactCap;
        _precision = precision;
        _preallocate = preallocate;
        _maxSlots = (int)BitOperations.RoundUpToPowerOf2((uint)exactCap * 2);
        AllocateSet();
    }

    public int ExactCap => _exactCap;

    /// <summary>True once more than <see cref="ExactCap"/> distinct values were seen: <see cref="Count"/> is then an estimate.</summary>
    public bool IsEstimate => _estimating;

    /// <summary>
    /// Distinct values seen: exact while <see cref="IsEstimate"/> is false; otherwise the sketch's estimate, never
    /// reported below cap + 1 (that many distinct values were certainly seen).
    /// </summary>
    public long Count
    {
        get
        {
            if (!_estimating)
            {
                return _exactCount;
            }

            var estimate = (long)Math.Round(_sketch!.Estimate());
            return Math.Max(estimate, (long)_exactCap + 1);
        }
    }

    /// <summary>Adds a value; returns true when the value is known to be new (always false once estimating).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(UInt128 value)
    {
        if (_estimating)
        {
            _sketch!.Add(value);
            return false;
        }

        return AddExact(value);
    }

    private bool AddExact(UInt128 value)
    {
        if (value == UInt128.Zero)
        {
            if (_hasZero)
            {
                return false;
            }

            if (_exactCount == _exactCap)
            {
                SwitchToSketch(value);
                return false;
            }

            _hasZero = true;
            _exactCount++;
            return true;
        }

        var slots = _slots!;
        var mask = _mask;
        var i = (int)SketchHash.Hash(value) & mask;
        while (true)
        {
            var current = slots[i];
            if (current == value)
            {
                return false;
            }

            if (current == UInt128.Zero)
            {
                break;
            }

            i = (i + 1) & mask;
        }

        if (_exactCount == _exactCap)
        {
            SwitchToSketch(value);
            return false;
        }

        slots[i] = value;
        _exactCount++;
        // Keep the load at or below 1/2; the cap itself never needs more than _maxSlots.
        if (_exactCount * 2 > slots.Length && slots.Length < _maxSlots)
        {
            Grow();
        }

        return true;
    }

    private void Grow()
    {
        var old = _slots!;
        var slots = new UInt128[old.Length * 2];
        var mask = slots.Length - 1;
        foreach (var value in old)
        {
            if (value == UInt128.Zero)
            {
                continue;
            }

            var i = (int)SketchHash.Hash(value) & mask;
            while (slots[i] != UInt128.Zero)
            {
                i = (i + 1) & mask;
            }

            slots[i] = value;
        }

        _slots = slots;
        _mask = mask;
    }

    private void SwitchToSketch(UInt128 value)
    {
        _sketch ??= new HyperLogLog(_precision);
        foreach (var existing in _slots!)
        {
            if (existing != UInt128.Zero)
            {
                _sketch.Add(existing);
            }
        }

        if (_hasZero)
        {
            _sketch.Add(UInt128.Zero);
        }

        _sketch.Add(value);
        _estimating = true;
        _slots = null;
    }

    private void AllocateSet()
    {
        var size = _preallocate ? _maxSlots : Math.Min(InitialSlots, _maxSlots);
        _slots = new UInt128[size];
        _mask = size - 1;
    }

    /// <summary>Forgets everything and returns to exact mode. May allocate the exact set again (not a hot-path call).</summary>
    public void Clear()
    {
        if (_slots is null)
        {
            AllocateSet();
        }
        else
        {
            Array.Clear(_slots);
        }

        _sketch?.Clear();
        _estimating = false;
        _exactCount = 0;
        _hasZero = false;
    }
}
