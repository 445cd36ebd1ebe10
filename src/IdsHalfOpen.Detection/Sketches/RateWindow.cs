using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Event rate over a sliding window in packet time, kept as a ring of fixed-width buckets (default 10 × 100 ms = 1 s).
/// </summary>
/// <remarks>
/// The window at time t is the bucket containing t plus the <c>bucketCount − 1</c> before it, so it spans between
/// (n − 1) and n bucket widths of real time; the rate divides its count by the full window length.
/// Packet time never runs backwards here: an event (or query) older than the newest time seen is counted in the
/// current bucket, which is right for packets reordered by less than a bucket width and harmless otherwise.
/// A jump forward clears the expired buckets, at most all of them, so no call costs more than O(bucketCount).
/// Besides the window, the class keeps a measurement period (from construction, <see cref="Clear"/> or
/// <see cref="Mark"/>): its total, average rate and peak windowed rate. Nothing allocates after construction.
/// </remarks>
public sealed class RateWindow
{
    public const long DefaultBucketWidthNs = 100_000_000;
    public const int DefaultBucketCount = 10;

    private readonly long[] _buckets;
    private readonly long _bucketWidthNs;
    private readonly double _perSecond;

    private bool _started;
    private int _head;
    private long _currentBucket;
    private long _bucketEndNs = long.MinValue;
    private long _windowCount;
    private long _total;

    private bool _periodStarted;
    private long _periodStartNs;
    private long _periodCount;
    private long _peakWindowCount;

    public RateWindow(long bucketWidthNs = DefaultBucketWidthNs, int bucketCount = DefaultBucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketWidthNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bucketWidthNs, long.MaxValue / bucketCount);
        _bucketWidthNs = bucketWidthNs;
        _buckets = new long[bucketCount];
        _perSecond = 1e9 / (bucketWidthNs * (double)bucketCount);
    }

    public long BucketWidthNs => _bucketWidthNs;

    public int BucketCount => _buckets.Length;

    /// <summary>Window length: bucket width × bucket count.</summary>
    public long WindowNs => _bucketWidthNs * _buckets.Length;

    /// <summary>Events counted since construction or <see cref="Clear"/>.</summary>
    public long Total => _total;

    /// <summary>Events counted since the measurement period began.</summary>
    public long PeriodTotal => _periodCount;

    /// <summary>Packet time the measurement period began (the first time seen, or the last <see cref="Mark"/>).</summary>
    public long PeriodStartNs => _periodStartNs;

    /// <summary>Highest windowed rate reached in the measurement period, in events per second.</summary>
    public double PeakRatePerSecond => _peakWindowCount * _perSecond;

    /// <summary>Highest windowed count reached in the measurement period.</summary>
    public long PeakWindowCount => _peakWindowCount;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long timeNs, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (timeNs >= _bucketEndNs)
        {
            AdvanceTo(timeNs);
        }

        _buckets[_head] += count;
        _total += count;
        _periodCount += count;
        var windowCount = _windowCount += count;
        if (windowCount > _peakWindowCount)
        {
            _peakWindowCount = windowCount;
        }
    }

    /// <summary>Events in the window ending at <paramref name="nowNs"/> (advancing the window to it).</summary>
    public long WindowCount(long nowNs)
    {
        if (nowNs >= _bucketEndNs)
        {
            AdvanceTo(nowNs);
        }

        return _windowCount;
    }

    /// <summary>Windowed rate at <paramref name="nowNs"/> in events per second (advancing the window to it).</summary>
    public double RatePerSecond(long nowNs) => WindowCount(nowNs) * _perSecond;

    /// <summary>
    /// The rate <see cref="RatePerSecond"/> would return at <paramref name="nowNs"/>, without advancing the window: for
    /// observers (reports) that must not change what the detection stage later computes. A time before the window's
    /// current bucket reads the current count.
    /// </summary>
    public double PeekRatePerSecond(long nowNs)
    {
        if (!_started || nowNs < _bucketEndNs) return _windowCount * _perSecond;
        long steps = TimeBuckets.FloorDiv(nowNs, _bucketWidthNs) - _currentBucket;
        if (steps >= _buckets.Length) return 0;
        long count = _windowCount;
        int head = _head;
        for (long i = 0; i < steps; i++)
        {
            head = head + 1 == _buckets.Length ? 0 : head + 1;
            count -= _buckets[head];
        }

        return count * _perSecond;
    }

    /// <summary>
    /// Average rate over the measurement period up to <paramref name="nowNs"/>, in events per second. The duration is
    /// taken as at least one window so that a short burst does not read as an enormous average.
    /// </summary>
    public double AverageRatePerSecond(long nowNs)
    {
        if (!_periodStarted)
        {
            return 0;
        }

        var duration = Math.Max(nowNs - _periodStartNs, WindowNs);
        return _periodCount * 1e9 / duration;
    }

    /// <summary>
    /// Begins a new measurement period at <paramref name="nowNs"/>: resets the period total and average, and starts
    /// the peak from the current windowed count.
    /// </summary>
    public void Mark(long nowNs)
    {
        var windowCount = WindowCount(nowNs);
        _periodStarted = true;
        _periodStartNs = nowNs;
        _periodCount = 0;
        _peakWindowCount = windowCount;
    }

    public void Clear()
    {
        Array.Clear(_buckets);
        _started = false;
        _head = 0;
        _currentBucket = 0;
        _bucketEndNs = long.MinValue;
        _windowCount = 0;
        _total = 0;
        _periodStarted = false;
        _periodStartNs = 0;
        _periodCount = 0;
        _peakWindowCount = 0;
    }

    private void AdvanceTo(long timeNs)
    {
        var bucket = TimeBuckets.FloorDiv(timeNs, _bucketWidthNs);
        if (!_started)
        {
            _started = true;
            if (!_periodStarted)
            {
                _periodStarted = true;
                _periodStartNs = timeNs;
            }
        }
        else
        {
            var steps = bucket - _currentBucket;
            if (steps >= _buckets.Length)
            {
                Array.Clear(_buckets);
                _windowCount = 0;
            }
            else
            {
                var buckets = _buckets.AsSpan();
                var head = _head;
                for (var i = 0; i < steps; i++)
                {
                    head = head + 1 == buckets.Length ? 0 : head + 1;
                    _windowCount -= buckets[head];
                    buckets[head] = 0;
                }

                _head = head;
            }
        }

        _currentBucket = bucket;
        // The last representable bucket never ends.
        _bucketEndNs = bucket < (long.MaxValue / _bucketWidthNs) - 1 ? (bucket + 1) * _bucketWidthNs : long.MaxValue;
    }
}
