using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Output.Report;

/// <summary>
/// Samples the detection engine's gauges (link and per-service SYN rate and embryonic count) on a fixed grid of packet
/// time, for the replay report. It sits between the tracker and the engine on the detection thread: a tick at time T
/// is read just before the first event at or after T is handed on (or at an epoch end past T), so it sees exactly the
/// events before T whatever the shard count, and the gauges it reads are peeked, never advanced.
/// </summary>
/// <remarks>
/// Memory stays bounded: at most <see cref="MaxPoints"/> points per series (when the grid fills, neighbouring points
/// merge pairwise, keeping the higher value, and the interval doubles) and at most <see cref="MaxServices"/> services
/// followed. A service is followed from the first tick it is among the busiest; earlier points of it are unknown.
/// </remarks>
public sealed class GaugeSampler : ITrackerEventHandler
{
    /// <summary>First sampling interval: the engine's own evaluation interval, finer would show nothing new.</summary>
    public const long BaseIntervalNs = 100_000_000;

    private readonly DetectionEngine _engine;
    private readonly int _discover;
    private readonly List<ServiceGauge> _scratch = [];
    private readonly Dictionary<ServiceKey, Followed> _services = [];
    private readonly Series _linkSyn = new(0);
    private readonly Series _linkEmbryonic = new(0);
    private long _originNs;
    private long _intervalNs = BaseIntervalNs;
    private long _nextNs = long.MinValue;
    private int _points;
    private bool _started;
    private bool _eventsSinceTick;
    private bool _finished;

    /// <param name="engine">The engine events are handed on to.</param>
    /// <param name="maxPoints">Points per series at most (even, at least 4).</param>
    /// <param name="maxServices">Services followed at most.</param>
    /// <param name="discover">Busiest services (by embryonic count and by SYN rate) looked for at each tick.</param>
    public GaugeSampler(DetectionEngine engine, int maxPoints = 2000, int maxServices = 32, int discover = 5)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxServices, 1);
        _engine = engine;
        MaxPoints = maxPoints & ~1;
        MaxServices = maxServices;
        _discover = discover;
    }

    public int MaxPoints { get; }

    public int MaxServices { get; }

    public void OnEvent(in TrackerEvent e)
    {
        if (e.TimestampNs >= _nextNs) TickUntil(e.TimestampNs, inclusive: true);
        _eventsSinceTick = true;
        _engine.OnEvent(in e);
    }

    public void Prefetch(in TrackerEvent upcoming) => _engine.Prefetch(in upcoming);

    public void OnEpochEnd(long clockNs)
    {
        // Strictly before the clock: an event stamped exactly at the clock may still be on its way.
        if (_started && clockNs > _nextNs) TickUntil(clockNs, inclusive: false);
        _engine.OnEpochEnd(clockNs);
    }

    /// <summary>End of input: the last ticks (every event has arrived), then <see cref="DetectionEngine.Finish"/>.</summary>
    public void Finish(long clockNs)
    {
        if (!_finished && _started && clockNs >= _nextNs) TickUntil(clockNs, inclusive: true);
        _finished = true;
        _engine.Finish(clockNs);
    }

    /// <summary>
    /// The series so far: the <paramref name="topServices"/> followed services with the highest peak embryonic count
    /// (then peak SYN rate, then lowest address and port), each with its peaks.
    /// </summary>
    public GaugeSeries Snapshot(int topServices)
    {
        var chosen = _services.Values
            .OrderByDescending(f => f.PeakEmbryonic).ThenByDescending(f => f.PeakSynRate)
            .ThenBy(f => f.Key.Address).ThenBy(f => f.Key.Port)
            .Take(Math.Max(0, topServices))
            .Select(f => new ServiceSeries(ServiceLabel(f.Key), f.Key, f.Embryonic.Start, f.Embryonic.ToArray(), f.Syn.ToArray(), f.PeakEmbryonic, f.PeakSynRate))
            .ToList();
        return new GaugeSeries(_started ? _originNs : 0, _intervalNs, _points, _linkSyn.ToArray(), _linkEmbryonic.ToArray(), chosen);
    }

    /// <summary>"ip:port", with IPv6 addresses in brackets.</summary>
    public static string ServiceLabel(ServiceKey key) => AddressText.Format(key);

    private void TickUntil(long timeNs, bool inclusive)
    {
        if (!_started)
        {
            _started = true;
            _originNs = Math.DivRem(timeNs, BaseIntervalNs, out long rem) * BaseIntervalNs - (rem < 0 ? BaseIntervalNs : 0);
            _nextNs = _originNs;
        }

        while (inclusive ? _nextNs <= timeNs : _nextNs < timeNs)
        {
            Tick(_nextNs);
            _points++;
            if (_points >= MaxPoints) Halve();
            _nextNs = _originNs + (_points * _intervalNs);
        }
    }

    private void Tick(long nowNs)
    {
        _linkSyn.Add(_engine.GlobalSynRateAt(nowNs));
        _linkEmbryonic.Add(_engine.GlobalEmbryonic);

        // Only events change which services are busiest: across a gap in the capture one look is enough.
        if (_eventsSinceTick)
        {
            _eventsSinceTick = false;
            _scratch.Clear();
            _engine.CollectTopServices(nowNs, _discover, _scratch);
            foreach (var g in _scratch) Follow(g.Service, g.Embryonic, g.SynRate);
        }

        foreach (var f in _services.Values)
        {
            long embryonic = _engine.ServiceEmbryonic(f.Key);
            double syn = _engine.ServiceSynRateAt(f.Key, nowNs);
            f.Embryonic.Add(embryonic);
            f.Syn.Add(syn);
            f.PeakEmbryonic = Math.Max(f.PeakEmbryonic, embryonic);
            f.PeakSynRate = Math.Max(f.PeakSynRate, syn);
        }
    }

    /// <summary>Starts following a service, making room by dropping the weakest followed one when full.</summary>
    private void Follow(ServiceKey key, long embryonic, double syn)
    {
        if (_services.ContainsKey(key)) return;
        if (_services.Count >= MaxServices)
        {
            var weakest = _services.Values
                .OrderBy(f => f.PeakEmbryonic).ThenBy(f => f.PeakSynRate).ThenByDescending(f => f.Key.Address).ThenByDescending(f => f.Key.Port)
                .First();
            if (weakest.PeakEmbryonic > embryonic || (weakest.PeakEmbryonic == embryonic && weakest.PeakSynRate >= syn)) return;
            _services.Remove(weakest.Key);
        }

        _services[key] = new Followed(key, _points);
    }

    /// <summary>The grid is full: each pair of neighbouring points becomes one (the higher), the interval doubles.</summary>
    private void Halve()
    {
        _linkSyn.Halve();
        _linkEmbryonic.Halve();
        foreach (var f in _services.Values)
        {
            f.Embryonic.Halve();
            f.Syn.Halve();
        }

        _points /= 2;
        _intervalNs *= 2;
    }

    private sealed class Followed(ServiceKey key, int start)
    {
        public ServiceKey Key { get; } = key;

        public Series Embryonic { get; } = new(start);

        public Series Syn { get; } = new(start);

        public long PeakEmbryonic { get; set; }

        public double PeakSynRate { get; set; }
    }

    /// <summary>Values for grid points Start, Start + 1, ...</summary>
    private sealed class Series(int start)
    {
        private readonly List<double> _values = [];

        public int Start { get; private set; } = start;

        public int End => Start + _values.Count;

        public void Add(double v) => _values.Add(v);

        public double[] ToArray() => [.. _values];

        public void Halve()
        {
            // Grid point i becomes i / 2; a series starting at an odd point has only the second half of its first pair.
            int newStart = Start / 2;
            int end = End;
            var merged = new List<double>((_values.Count / 2) + 1);
            for (int j = newStart; 2 * j < end; j++)
            {
                double v = double.NegativeInfinity;
                for (int i = 2 * j; i <= (2 * j) + 1; i++)
                {
                    if (i >= Start && i < end) v = Math.Max(v, _values[i - Start]);
                }

                merged.Add(v);
            }

            _values.Clear();
            _values.AddRange(merged);
            Start = newStart;
        }
    }
}

/// <summary>
/// Gauges over packet time: point i is at <see cref="OriginNs"/> + i × <see cref="IntervalNs"/>; once the grid was
/// coarsened each point is the highest sample of its interval.
/// </summary>
public sealed record GaugeSeries(long OriginNs, long IntervalNs, int Points, double[] LinkSynRate, double[] LinkEmbryonic, IReadOnlyList<ServiceSeries> Services);

/// <summary>One service's series, from grid point <see cref="Start"/> on.</summary>
public sealed record ServiceSeries(string Label, ServiceKey Key, int Start, double[] Embryonic, double[] SynRate, long PeakEmbryonic, double PeakSynRate);
