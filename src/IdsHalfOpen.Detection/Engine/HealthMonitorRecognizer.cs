using System.Runtime.InteropServices;
using IdsHalfOpen.Detection.Rules;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>
/// Recognises load-balancer health monitors such as F5's <c>tcp_half_open</c>: one fixed source probing the same
/// destination:port with SYN → SYN-ACK → RST at a regular interval. A half-open scan touches many ports or hosts once;
/// a monitor touches few, again and again, like a clock.
/// </summary>
internal sealed class HealthMonitorRecognizer(HealthMonitorSettings settings, int maxSeries)
{
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<UInt128, int> _recognisedPerSource = [];

    /// <summary>Records one half-open probe; true when its series is (now or already) a recognised monitor.</summary>
    public bool Observe(UInt128 source, UInt128 destination, ushort port, long probeNs, long nowNs)
    {
        var key = new SeriesKey(source, destination, port);
        ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_series, key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
        {
            if (_series.Count >= maxSeries) return false;
            s = ref CollectionsMarshal.GetValueRefOrAddDefault(_series, key, out _);
            s.LastNs = probeNs;
            s.Probes = 1;
            s.SeenNs = nowNs;
            return false;
        }

        long interval = probeNs - s.LastNs;
        s.LastNs = probeNs;
        s.SeenNs = nowNs;
        if (interval <= 0 || interval > settings.MaxIntervalNs)
        {
            // Too fast to be a monitor round, or a long pause: start the series again.
            s.Probes = 1;
            s.MinInterval = s.MaxInterval = s.SumInterval = 0;
            return s.Recognised;
        }

        s.Probes++;
        s.SumInterval += interval;
        s.MinInterval = s.MinInterval == 0 ? interval : Math.Min(s.MinInterval, interval);
        s.MaxInterval = Math.Max(s.MaxInterval, interval);
        if (!s.Recognised && s.Probes >= settings.MinProbes)
        {
            double mean = (double)s.SumInterval / (s.Probes - 1);
            if (s.MaxInterval - s.MinInterval <= settings.MaxJitter * mean)
            {
                s.Recognised = true;
                s.MeanInterval = (long)mean;
                ref int n = ref CollectionsMarshal.GetValueRefOrAddDefault(_recognisedPerSource, source, out _);
                n++;
            }
        }

        return s.Recognised;
    }

    /// <summary>Recognised series of this source still probing (a probe within three intervals).</summary>
    public int ActiveSeries(UInt128 source, long nowNs)
    {
        if (!_recognisedPerSource.ContainsKey(source)) return 0;
        int n = 0;
        foreach (var (k, s) in _series)
        {
            if (k.Source == source && s.Recognised && nowNs - s.SeenNs <= 3 * s.MeanInterval) n++;
        }

        return n;
    }

    public void Sweep(long nowNs)
    {
        var stale = _series.Where(kv => nowNs - kv.Value.SeenNs > 3 * Math.Max(settings.MaxIntervalNs, kv.Value.MeanInterval)).Select(kv => kv.Key).ToList();
        foreach (var k in stale)
        {
            if (_series[k].Recognised && _recognisedPerSource.TryGetValue(k.Source, out int n))
            {
                if (n <= 1) _recognisedPerSource.Remove(k.Source);
                else _recognisedPerSource[k.Source] = n - 1;
            }

            _series.Remove(k);
        }
    }

    private readonly record struct SeriesKey(UInt128 Source, UInt128 Destination, ushort Port);

    private struct Series
    {
        public long LastNs;
        public long SeenNs;
        public long SumInterval;
        public long MinInterval;
        public long MaxInterval;
        public long MeanInterval;
        public int Probes;
        public bool Recognised;
    }
}
