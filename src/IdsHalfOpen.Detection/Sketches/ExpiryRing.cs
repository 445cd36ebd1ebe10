namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Counts that fall due at a future packet time, at coarse resolution (default 1 s), in fixed memory: a ring of
/// buckets covering <c>horizon</c>. Keeps a victim's embryonic gauge honest after attempts were evicted from the
/// tracker table: each evicted embryonic attempt is added with its would-be timeout and stays counted in
/// <see cref="Pending"/> until <see cref="Advance"/> passes that time.
/// </summary>
/// <remarks>
/// Due times are rounded up to the resolution: a count falls due at the first <see cref="Advance"/> whose time is at
/// or past its due time, never early and at most one resolution late — provided the due time lies within the horizon
/// of the newest <see cref="Advance"/> time. A due time further out is clamped to the last bucket (it falls due at
/// about now + horizon, i.e. early: size the horizon to the largest timeout). A due time already passed falls due at
/// the next <see cref="Advance"/>. Time never runs backwards: an older <see cref="Advance"/> time releases only what
/// was already overdue. Before the first <see cref="Advance"/>, the ring assumes the time is the first due time
/// minus the horizon. Nothing allocates after construction; each call costs at most O(bucket count).
/// </remarks>
public sealed class ExpiryRing
{
    public const long DefaultResolutionNs = 1_000_000_000;

    private readonly long[] _buckets;
    private readonly long _resolutionNs;
    private readonly long _horizonNs;

    private bool _anchored;

    // Bucket number (time / resolution) of the newest Advance: every due bucket up to it has been released.
    private long _base;
    private long _overdue;
    private long _pending;

    public ExpiryRing(long horizonNs, long resolutionNs = DefaultResolutionNs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resolutionNs);
        ArgumentOutOfRangeException.ThrowIfNegative(horizonNs);
        var buckets = TimeBuckets.CeilDiv(horizonNs, resolutionNs) + 1;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, 1 << 20, nameof(horizonNs));
        _buckets = new long[buckets];
        _resolutionNs = resolutionNs;
        _horizonNs = horizonNs;
    }

    public long ResolutionNs => _resolutionNs;

    public long HorizonNs => _horizonNs;

    public int BucketCount => _buckets.Length;

    /// <summary>Counts added and not yet fallen due.</summary>
    public long Pending => _pending;

    /// <summary>Adds <paramref name="count"/> (≥ 0) falling due at <paramref name="dueNs"/>.</summary>
    public void Add(long dueNs, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }

        if (!_anchored)
        {
            Anchor(TimeBuckets.FloorDiv(dueNs - _horizonNs, _resolutionNs));
        }

        _pending += count;
        var bucket = TimeBuckets.CeilDiv(dueNs, _resolutionNs);
        if (bucket <= _base)
        {
            _overdue += count;
            return;
        }

        // Buckets base+1 .. base+n map to distinct slots; further out is clamped to the last.
        var last = _base + _buckets.Length;
        if (bucket > last)
        {
            bucket = last;
        }

        _buckets[Slot(bucket)] += count;
    }

    /// <summary>Moves time to <paramref name="nowNs"/>; returns the total count that fell due.</summary>
    public long Advance(long nowNs)
    {
        var now = TimeBuckets.FloorDiv(nowNs, _resolutionNs);
        if (!_anchored)
        {
            Anchor(now);
            return 0;
        }

        var released = _overdue;
        _overdue = 0;
        var steps = now - _base;
        if (steps > 0)
        {
            if (steps >= _buckets.Length)
            {
                released = _pending;
                Array.Clear(_buckets);
            }
            else
            {
                var buckets = _buckets.AsSpan();
                for (var bucket = _base + 1; bucket <= now; bucket++)
                {
                    ref var slot = ref buckets[Slot(bucket)];
                    released += slot;
                    slot = 0;
                }
            }

            _base = now;
        }

        _pending -= released;
        return released;
    }

    public void Clear()
    {
        Array.Clear(_buckets);
        _anchored = false;
        _base = 0;
        _overdue = 0;
        _pending = 0;
    }

    private void Anchor(long bucket)
    {
        _anchored = true;
        _base = bucket;
    }

    private int Slot(long bucket)
    {
        var slot = bucket % _buckets.Length;
        return (int)(slot < 0 ? slot + _buckets.Length : slot);
    }
}
