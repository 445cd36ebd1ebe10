using System.Globalization;
using System.Runtime.InteropServices;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Detection.Sketches;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>Where the detection stage sends what it produces. Called on the detection thread.</summary>
public interface IDetectionOutput
{
    void OnAlert(AlertEvent alert);

    /// <summary>A finished attempt (a <see cref="TrackerEventKind.Closed"/> event): the connection record.</summary>
    void OnConnection(in TrackerEvent closed);
}

/// <summary>
/// The detection stage: consumes the tracker's ordered event stream, keeps embryonic gauges and rates per destination
/// host, per service (ip:port), per source and for the whole link, evaluates the rules every
/// <see cref="DetectionOptions.EvaluationInterval"/> of packet time, and runs each attack's lifecycle (start, updates,
/// end after the quiet period). Single-threaded and driven only by packet time, so a replay gives the same alerts every
/// time and for every shard count.
/// </summary>
public sealed partial class DetectionEngine : ITrackerEventHandler
{
    private const long NsPerSecond = 1_000_000_000L;
    private readonly DetectionOptions _options;
    private readonly IDetectionOutput _output;
    private readonly long _intervalNs;
    private readonly long _embryonicNs;
    private readonly MetricWindows _windows = new();

    // Everything derived from the rules: set by ApplyRules, at construction and again when the rules are replaced.
    private RuleSet _rules = null!;
    private long _sweepIdleNs;
    private long _scanWindowNs;
    private long _maxWindowNs;
    private long _maxQuietNs;
    private Rule[] _hostRules = [];
    private Rule[] _serviceRules = [];
    private Rule[] _sourceRules = [];
    private Rule[] _globalRules = [];
    private CidrSet _monitorAllow = CidrSet.Empty;

    // Source rules are scoped by destination too ("a source holding embryonic connections to protected hosts"): per-source
    // counters only take attempts toward the union of the scopes of the rules that read them; null = any destination.
    private CidrSet? _sourceEmbryonicScope;
    private CidrSet? _scanScope;
    private readonly AddressTable<TargetStats> _hosts = new();
    private readonly Dictionary<ServiceKey, TargetStats> _services = [];
    private readonly ServiceWatchList _watchedServices = new();
    private readonly AddressTable<SourceStats> _sources = new();
    private readonly List<ScanSet> _scanSets = [];
    private readonly Stack<int> _freeScanSets = new();
    private readonly TargetStats _global;
    private readonly List<(UInt128 Address, TargetStats Stats)> _dirtyHosts = [];
    private readonly List<(ServiceKey Key, TargetStats Stats)> _dirtyServices = [];
    private readonly List<UInt128> _dirtySources = [];
    private readonly Dictionary<AttackKey, Attack> _attacks = [];
    private readonly Dictionary<UInt128, int> _attacksByHost = [];
    private readonly Dictionary<ServiceKey, int> _attacksByService = [];
    private readonly Dictionary<UInt128, int> _attacksBySource = [];
    private HealthMonitorRecognizer _monitors = null!;
    private readonly List<Attack> _scratch = [];

    // Caches in front of the host and service tables: a dictionary lookup per event was among the engine's largest costs.
    // The host cache holds the last one (a flood's events mostly name its victim); the service cache is direct-mapped,
    // because a flood's events interleave with ordinary traffic to a few dozen servers and a one-entry cache missed on
    // nearly every event. Only Sweep removes keys; it clears both.
    private UInt128 _lastHostKey;
    private TargetStats? _lastHost;
    private const int ServiceCacheBits = 8;
    private readonly (ServiceKey Key, TargetStats? Stats)[] _serviceCache = new (ServiceKey, TargetStats?)[1 << ServiceCacheBits];

    // The host, service and global attacks of the last (server, port) AttacksOn was asked about, valid while no attack
    // started or ended (_attacksVersion): a flood asks about the same victim for every SYN.
    private readonly List<Attack> _targetHits = [];
    private UInt128 _targetHitsServer;
    private ushort _targetHitsPort;
    private long _targetHitsVersion = -1;
    private long _attacksVersion;

    // What a source must reach before evaluating it can matter (see MarkSource): the lowest threshold of the embryonic
    // source rules; scan metrics need a half-open probe and periodic probes a monitor (other metrics read 0 for a source).
    // A rule that could fire at 0 makes every touched source count.
    private double _sourceEmbryonicFloor;
    private bool _sourcesAlwaysDirty;
    private long _nextEvalNs = long.MinValue;
    private long _nextSweepNs = long.MinValue;
    private long _clockNs;
    private long _lastEvaluatedNs = long.MinValue;
    private long _saturatedUntilNs = long.MinValue;
    private long _evictions;
    private bool _globalDirty;
    private bool _finished;

    public DetectionEngine(RuleSet rules, DetectionOptions options, IDetectionOutput output)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _options = options;
        _output = output;
        _intervalNs = Math.Max(1, options.EvaluationInterval.Ticks * 100);
        _embryonicNs = options.EmbryonicTimeout.Ticks * 100;
        ApplyRules(rules);
        _global = new TargetStats(_windows);
    }

    /// <summary>The rules being evaluated.</summary>
    public RuleSet Rules => _rules;

    /// <summary>
    /// Replaces the rules while keeping every gauge, rate and source statistic (a live sensor reloading its rule files).
    /// Call it on the detection thread, between events. An open attack carries on under the new rule with its id when that
    /// rule still exists, is enabled and counts the same thing (same kind, track-by and metric): its new thresholds apply
    /// from the next evaluation. Every other open attack ends now with reason "rule-changed". Rate windows already made
    /// keep their length; the targets first seen after the reload get the new one.
    /// </summary>
    /// <returns>How many open attacks ended.</returns>
    public int ReplaceRules(RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var byId = rules.EnabledRules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        long now = Math.Max(_clockNs, _lastEvaluatedNs);
        var open = _attacks.Values.OrderBy(a => a.StartNs).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();
        int ended = 0;
        foreach (var a in open)
        {
            if (byId.TryGetValue(a.Rule.Id, out var r) && r.Kind == a.Rule.Kind && r.TrackBy == a.Rule.TrackBy && r.Metric == a.Rule.Metric) continue;
            End(a, Math.Max(now, a.StartNs), "rule-changed");
            ended++;
        }

        // Attacks are keyed by their rule object: re-key the survivors under the new ones.
        var kept = _attacks.Values.ToList();
        _attacks.Clear();
        foreach (var a in kept)
        {
            a.Rule = byId[a.Rule.Id];
            _attacks.Add(new AttackKey(a.Rule, a.Source ?? a.Destination ?? 0, a.Port ?? 0), a);
        }

        bool monitorsChanged = rules.HealthMonitor.MinProbes != _rules.HealthMonitor.MinProbes
            || rules.HealthMonitor.MaxIntervalNs != _rules.HealthMonitor.MaxIntervalNs
            || rules.HealthMonitor.MaxJitter != _rules.HealthMonitor.MaxJitter;
        var monitors = _monitors;
        ApplyRules(rules);
        if (!monitorsChanged) _monitors = monitors; // keep the probe series seen so far
        _attacksVersion++;

        // New thresholds may already be crossed: look at every target again at the next evaluation.
        for (int i = 0; i < _hosts.Extent; i++)
        {
            if (!_hosts.IsLive(i)) continue;
            var st = _hosts.ValueAt(i);
            if (!st.Dirty) { st.Dirty = true; _dirtyHosts.Add((_hosts.KeyAt(i), st)); }
        }

        foreach (var (k, st) in _services)
        {
            if (!st.Dirty) { st.Dirty = true; _dirtyServices.Add((k, st)); }
        }

        for (int i = 0; i < _sources.Extent; i++)
        {
            if (!_sources.IsLive(i)) continue;
            ref var src = ref _sources.ValueAt(i);
            if (!src.Dirty) { src.Dirty = true; _dirtySources.Add(_sources.KeyAt(i)); }
        }

        _globalDirty = true;
        return ended;
    }

    private void ApplyRules(RuleSet rules)
    {
        _rules = rules;
        var enabled = rules.EnabledRules;
        long Window(Func<Rule, bool> uses, long fallback) => enabled.Where(uses).Select(r => r.WindowNs).DefaultIfEmpty(fallback).Max();
        _windows.Set(Window(r => r.Metric.IsRate(), NsPerSecond),
            Window(r => r.Metric == RuleMetric.Backscatter, 10 * NsPerSecond),
            Window(r => r.Metric == RuleMetric.Anomalies, 10 * NsPerSecond));
        _scanWindowNs = Window(r => r.Metric is RuleMetric.HalfOpenPorts or RuleMetric.HalfOpenHosts, 60 * NsPerSecond);
        _maxWindowNs = Math.Max(_scanWindowNs, enabled.Select(r => r.WindowNs).DefaultIfEmpty(0).Max());
        _maxQuietNs = enabled.Select(r => r.QuietNs).DefaultIfEmpty(0).Max();
        _sweepIdleNs = Math.Max(enabled.Select(r => Math.Max(r.WindowNs, r.QuietNs)).DefaultIfEmpty(0).Max(), _scanWindowNs) + _intervalNs;
        _hostRules = [.. enabled.Where(r => r.TrackBy == TrackBy.Destination)];
        _serviceRules = [.. enabled.Where(r => r.TrackBy == TrackBy.DestinationPort)];
        _sourceRules = [.. enabled.Where(r => r.TrackBy == TrackBy.Source)];
        _globalRules = [.. enabled.Where(r => r.TrackBy == TrackBy.Global)];
        _sourceEmbryonicFloor = _sourceRules.Where(r => r.Metric == RuleMetric.Embryonic).Select(r => r.Threshold).DefaultIfEmpty(double.PositiveInfinity).Min();
        _sourcesAlwaysDirty = _sourceRules.Any(r => !(r.Threshold > 0));
        _monitorAllow = rules.HealthMonitor.Allow;
        _sourceEmbryonicScope = ScopeOf(_sourceRules.Where(r => r.Metric == RuleMetric.Embryonic));
        _scanScope = ScopeOf(_sourceRules.Where(r => r.Metric is RuleMetric.HalfOpenPorts or RuleMetric.HalfOpenHosts));
        _monitors = new HealthMonitorRecognizer(rules.HealthMonitor, _options.MaxProbeSeries);
    }

    public DetectionStatistics Statistics { get; } = new();

    /// <summary>Embryonic attempts on the whole link now (tracked + evicted-but-not-yet-due).</summary>
    public long GlobalEmbryonic => _global.EmbryonicGauge;

    public long HostEmbryonic(UInt128 host) => _hosts.TryGetValue(host, out var s) ? s.EmbryonicGauge : 0;

    public long ServiceEmbryonic(ServiceKey service) => _services.TryGetValue(service, out var s) ? s.EmbryonicGauge : 0;

    public long SourceEmbryonic(UInt128 source) => _sources.TryGetValue(source, out var s) ? s.Embryonic : 0;

    /// <summary>The services with the most embryonic attempts now (for metrics and reports).</summary>
    public IReadOnlyList<(ServiceKey Service, long Embryonic)> TopServices(int n) =>
        [.. _watchedServices.Entries().Where(x => x.Stats.EmbryonicGauge > 0).Select(x => (x.Key, x.Stats.EmbryonicGauge))
            .OrderByDescending(x => x.Item2).ThenBy(x => x.Key.Address).ThenBy(x => x.Key.Port).Take(n)];

    /// <summary>The engine's packet clock: the latest event or epoch time it has seen.</summary>
    public long Clock => _clockNs;

    /// <summary>Attacks currently open.</summary>
    public int ActiveAttacks => _attacks.Count;

    public void OnEvent(in TrackerEvent e)
    {
        if (e.TimestampNs >= _nextEvalNs) EvaluateUntil(e.TimestampNs);
        _clockNs = e.TimestampNs;
        if (e.TableSaturated) _saturatedUntilNs = e.TimestampNs + _embryonicNs;
        switch (e.Kind)
        {
            case TrackerEventKind.AttemptStarted:
                OnSyn(in e, newAttempt: true);
                break;
            case TrackerEventKind.SynRetransmit:
                OnSyn(in e, newAttempt: false);
                break;
            case TrackerEventKind.Answered:
                OnAnswered(in e);
                break;
            case TrackerEventKind.SynAckRetransmit:
                if (IsTrustedMonitor(e.Client)) break;
                Touch(e.Server, e.ServerPort, e.TimestampNs, out var h, out var sv);
                h?.SynAck.Add(e.TimestampNs);
                sv?.SynAck.Add(e.TimestampNs);
                _global.SynAck.Add(e.TimestampNs);
                break;
            case TrackerEventKind.Closed:
                OnClosed(in e);
                break;
            case TrackerEventKind.Backscatter:
                OnBackscatter(in e);
                break;
            case TrackerEventKind.Anomaly:
                OnAnomaly(in e);
                break;
        }
    }

    /// <summary>
    /// Starts loading the statistics upcoming events will look up: the source of an answered or closed attempt, the
    /// receiver of backscatter (both tables are far bigger than the cache). Each call names the event 8 from now; the
    /// ring of the last announcements gives the events 4 and 2 from now, whose next level is loaded in turn: the index
    /// slot first, then the entry it names, then (for a host) its statistics object.
    /// </summary>
    public void Prefetch(in TrackerEvent upcoming)
    {
        int pos = _prefetchPos++;
        ref var next = ref _prefetchRing[pos & (PrefetchRing - 1)];
        next.Address = upcoming.Client;
        switch (upcoming.Kind)
        {
            case TrackerEventKind.Answered or TrackerEventKind.Closed:
                next.Table = PrefetchTable.Sources;
                next.Hash = AddressTable<SourceStats>.HashOf(upcoming.Client);
                _sources.PrefetchSlot(next.Hash);
                break;
            case TrackerEventKind.Backscatter:
                // Backscatter lands on receivers all over the protected space: each one another host lookup.
                next.Table = PrefetchTable.Hosts;
                next.Hash = AddressTable<TargetStats>.HashOf(upcoming.Client);
                _hosts.PrefetchSlot(next.Hash);
                break;
            default:
                next.Table = PrefetchTable.None;
                break;
        }

        ref var mid = ref _prefetchRing[(pos - 4) & (PrefetchRing - 1)];
        if (mid.Table == PrefetchTable.Sources) _sources.PrefetchEntry(mid.Hash);
        else if (mid.Table == PrefetchTable.Hosts) _hosts.PrefetchEntry(mid.Hash);
        ref var near = ref _prefetchRing[(pos - 6) & (PrefetchRing - 1)];
        if (near.Table == PrefetchTable.Hosts) _hosts.PrefetchValue(near.Hash, near.Address);
    }

    private const int PrefetchRing = 8;
    private readonly PrefetchSlot[] _prefetchRing = new PrefetchSlot[PrefetchRing];
    private int _prefetchPos;

    private enum PrefetchTable : byte
    {
        None,
        Sources,
        Hosts,
    }

    private struct PrefetchSlot
    {
        public UInt128 Address;
        public uint Hash;
        public PrefetchTable Table;
    }

    public void OnEpochEnd(long clockNs)
    {
        if (clockNs >= _nextEvalNs) EvaluateUntil(clockNs);
        if (clockNs > _clockNs) _clockNs = clockNs;
    }

    /// <summary>End of input: evaluates once more and ends every open attack with reason <paramref name="reason"/>.</summary>
    public void Finish(long clockNs, string reason = "end-of-capture")
    {
        if (_finished) return;
        _finished = true;
        OnEpochEnd(clockNs);

        // The attempts reported at the end of the capture may still cross a threshold: one last evaluation just after.
        EvaluateUntil(Math.Max(clockNs, _nextEvalNs));
        _scratch.Clear();
        _scratch.AddRange(_attacks.Values);
        _scratch.Sort(static (a, b) => a.StartNs != b.StartNs ? a.StartNs.CompareTo(b.StartNs) : string.CompareOrdinal(a.Id, b.Id));
        long endNs = Math.Max(clockNs, _lastEvaluatedNs);
        foreach (var a in _scratch) End(a, Math.Max(endNs, a.StartNs), reason);
        _scratch.Clear();
    }

    // ---- events ----

    private void OnSyn(in TrackerEvent e, bool newAttempt)
    {
        if (IsTrustedMonitor(e.Client)) return;
        long t = e.TimestampNs;
        Touch(e.Server, e.ServerPort, t, out var host, out var service);
        host?.Syn.Add(t);
        service?.Syn.Add(t);
        _global.Syn.Add(t);
        _globalDirty = true;
        if (!newAttempt) return;
        host?.CountSource(e.Client, _options.DistinctExactCap);
        service?.CountSource(e.Client, _options.DistinctExactCap);
        _global.CountSource(e.Client, _options.DistinctExactCap);
        if (_attacks.Count == 0) return;
        foreach (var a in AttacksOn(in e))
        {
            if (!a.SharesSources) a.Sources.Add(e.Client);
            a.TopSources.Offer(e.Client);
            a.TopPorts.Offer(e.ServerPort);
            a.Ttl.Add(e.ClientTtl);
        }
    }

    private void OnAnswered(in TrackerEvent e)
    {
        if (IsTrustedMonitor(e.Client)) return;
        long t = e.TimestampNs;
        Touch(e.Server, e.ServerPort, t, out var host, out var service);
        if (host is not null) { host.Embryonic++; host.SynAck.Add(t); host.Answered.Add(t); }
        if (service is not null) { service.Embryonic++; service.SynAck.Add(t); service.Answered.Add(t); }
        _global.Embryonic++;
        _global.SynAck.Add(t);
        _global.Answered.Add(t);
        _globalDirty = true;
        if (InSourceScope(e.Server))
        {
            ref var src = ref SourceRef(e.Client, t, create: true);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref src))
            {
                src.Embryonic++;
                MarkSource(ref src, e.Client);
            }
        }

        if (_attacks.Count > 0)
        {
            foreach (var a in AttacksOn(in e))
            {
                a.Answered++;

                // A reordered handshake: its SYN counts now.
                if (e.PreviousState == AttemptState.OrphanSynAck && !a.SharesSources) a.Sources.Add(e.Client);
            }
        }
    }

    private void OnClosed(in TrackerEvent e)
    {
        _output.OnConnection(in e);
        if (e.EndReason == EndReason.Evicted)
        {
            _evictions++;
            Statistics.Evictions++;
        }

        if (IsTrustedMonitor(e.Client)) return;
        long t = e.TimestampNs;
        bool wasEmbryonic = e.PreviousState == AttemptState.SynReceived;
        bool answered = wasEmbryonic || e.Outcome == AttemptOutcome.Completed;
        if (wasEmbryonic || answered)
        {
            Touch(e.Server, e.ServerPort, t, out var host, out var service);
            // At the end of a capture the still-open attempts are reported, but they are still open: the gauges an
            // attack's end event reports must show them.
            if (wasEmbryonic && e.EndReason != EndReason.EndOfCapture)
            {
                bool evicted = e.EndReason == EndReason.Evicted;
                ReleaseEmbryonic(host, evicted, e.DueNs);
                ReleaseEmbryonic(service, evicted, e.DueNs);
                ReleaseEmbryonic(_global, evicted, e.DueNs);
                if (InSourceScope(e.Server))
                {
                    ref var src = ref SourceRef(e.Client, t, create: false);
                    if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref src))
                    {
                        if (src.Embryonic > 0) src.Embryonic--;
                        MarkSource(ref src, e.Client);
                    }
                }
            }

            bool completed = e.Outcome == AttemptOutcome.Completed;
            if (completed)
            {
                host?.Completed.Add(t);
                service?.Completed.Add(t);
                _global.Completed.Add(t);
                if (!wasEmbryonic)
                {
                    // Completed although its SYN-ACK was never seen: it was answered all the same.
                    host?.Answered.Add(t);
                    service?.Answered.Add(t);
                    _global.Answered.Add(t);
                }
            }

            _globalDirty = true;
            if (_attacks.Count > 0)
            {
                foreach (var a in AttacksOn(in e))
                {
                    if (e.EndReason == EndReason.Evicted) continue;
                    if (completed) a.Completed++;
                    if (completed || e.Outcome == AttemptOutcome.AbortedByClient) a.AnsweredSources.Add(e.Client);
                }
            }
        }

        // Every attempt the source left unfinished counts toward scanning: answered and reset (half-open scan, open port),
        // refused (closed port), or never answered (filtered port, silent host). Evicted attempts are a flood's, not a probe.
        if (e.Outcome is AttemptOutcome.AbortedByClient or AttemptOutcome.Rejected or AttemptOutcome.Unanswered
                or AttemptOutcome.ResetBeforeReply or AttemptOutcome.EmbryonicTimeout
            && e.EndReason is not EndReason.Evicted and not EndReason.Superseded)
        {
            OnHalfOpenProbe(in e);
        }
    }

    private void OnHalfOpenProbe(in TrackerEvent e)
    {
        long t = e.TimestampNs;
        if (e.Outcome == AttemptOutcome.AbortedByClient && _monitors.Observe(e.Client, e.Server, e.ServerPort, e.StartNs, t))
        {
            ref var m = ref SourceRef(e.Client, t, create: true);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref m) && !m.IsMonitor)
            {
                m.IsMonitor = true;
                m.Dirty = true;
                _dirtySources.Add(e.Client);
                ReclassifyScans(e.Client, t);
            }
        }

        if (!InScanScope(e.Server)) return;
        ref var s = ref SourceRef(e.Client, t, create: true);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s)) return;
        if (t - s.ScanWindowStartNs > _scanWindowNs || s.HalfOpen == 0)
        {
            // Tumbling window per source: restart the distinct sets.
            s.ScanWindowStartNs = t;
            s.HalfOpen = 0;
            if (s.ScanSet >= 0) _scanSets[s.ScanSet].Clear();
        }

        if (s.HalfOpen == 0)
        {
            s.FirstHost = e.Server;
            s.FirstPort = e.ServerPort;
        }
        else if (s.ScanSet < 0 && (s.FirstHost != e.Server || s.FirstPort != e.ServerPort))
        {
            s.ScanSet = RentScanSet();
            _scanSets[s.ScanSet].Ports.Add(s.FirstPort);
            _scanSets[s.ScanSet].Hosts.Add(s.FirstHost);
        }

        if (s.ScanSet >= 0)
        {
            _scanSets[s.ScanSet].Ports.Add(e.ServerPort);
            _scanSets[s.ScanSet].Hosts.Add(e.Server);
        }

        s.HalfOpen++;
        MarkSource(ref s, e.Client);
        if (_attacksBySource.Count > 0 && _attacksBySource.ContainsKey(e.Client))
        {
            foreach (var a in SourceAttacks(e.Client))
            {
                a.TopPorts.Offer(e.ServerPort);
                if (a.Rule.Kind == AlertKind.HealthMonitor) a.Count = Math.Max(a.Count, s.HalfOpen);
            }
        }
    }

    private void OnBackscatter(in TrackerEvent e)
    {
        // The receiver (the host that supposedly sent a SYN) is the one whose address was spoofed.
        long t = e.TimestampNs;
        var host = HostStats(e.Client, t);
        host?.Backscatter.Add(t);
        _global.Backscatter.Add(t);
        _globalDirty = true;
        if (_attacks.Count > 0 && _attacksByHost.ContainsKey(e.Client))
        {
            foreach (var a in HostAttacks(e.Client))
            {
                a.Sources.Add(e.Server);
                a.TopSources.Offer(e.Server);
                a.TopPorts.Offer(e.ServerPort);
                a.Count++;
            }
        }
    }

    private void OnAnomaly(in TrackerEvent e)
    {
        // Established resets and unseen SYN-ACKs are facts about connections and about the mirror, not handshake attacks.
        if (e.Anomaly is HandshakeAnomaly.EstablishedReset or HandshakeAnomaly.SynAckUnseen or HandshakeAnomaly.SimultaneousOpen)
        {
            if (e.Anomaly == HandshakeAnomaly.SynAckUnseen) Statistics.SynAckUnseen++;
            return;
        }

        long t = e.TimestampNs;
        Statistics.Anomalies++;
        var host = HostStats(e.Server, t);
        host?.Anomalies.Add(t);
        _global.Anomalies.Add(t);
        _globalDirty = true;
    }

    private void ReleaseEmbryonic(TargetStats? stats, bool evicted, long dueNs)
    {
        if (stats is null) return;
        if (stats.Embryonic > 0) stats.Embryonic--;

        // An evicted embryonic attempt still sits in the server's SYN queue: keep counting it until it would time out.
        if (evicted) stats.AddEvicted(dueNs, _embryonicNs + 2 * _intervalNs);
    }

    // ---- statistics lookup (bounded) ----

    private void Touch(UInt128 server, ushort port, long t, out TargetStats? host, out TargetStats? service)
    {
        host = HostStats(server, t);
        var key = new ServiceKey(server, port);
        service = ServiceStats(key, t);
        if (service is null) Statistics.UntrackedServices++;
        else _watchedServices.Touch(key, service);
    }

    private TargetStats? HostStats(UInt128 address, long t)
    {
        var host = _lastHost;
        if (host is null || _lastHostKey != address)
        {
            ref var slot = ref _hosts.GetValueRefOrNullRef(address);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
            {
                host = slot;
            }
            else if (_hosts.Count < _options.MaxHosts)
            {
                host = new TargetStats(_windows);
                _hosts.Add(address) = host;
            }
            else
            {
                Statistics.UntrackedHosts++;
                return null;
            }

            _lastHostKey = address;
            _lastHost = host;
        }

        host.LastEventNs = t;
        if (!host.Dirty)
        {
            host.Dirty = true;
            _dirtyHosts.Add((address, host));
        }

        return host;
    }

    /// <summary>
    /// Finds or makes (up to <see cref="DetectionOptions.MaxServices"/>) the statistics of one service, and queues it
    /// for the next evaluation; null when the table is full.
    /// </summary>
    private TargetStats? ServiceStats(ServiceKey key, long t)
    {
        // Placement in the cache only: mixes the address's low half (all of IPv4) with the port.
        ulong mix = ((ulong)key.Address ^ (ulong)(key.Address >> 64) ^ ((ulong)key.Port << 40)) * 0x9E3779B97F4A7C15UL;
        ref var cached = ref _serviceCache[(int)(mix >> (64 - ServiceCacheBits))];
        var stats = cached.Stats;
        if (stats is null || cached.Key != key)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_services, key);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
            {
                stats = slot;
            }
            else if (_services.Count < _options.MaxServices)
            {
                stats = new TargetStats(_windows);
                _services.Add(key, stats);
            }
            else
            {
                return null;
            }

            cached = (key, stats);
        }

        stats.LastEventNs = t;
        if (!stats.Dirty)
        {
            stats.Dirty = true;
            _dirtyServices.Add((key, stats));
        }

        return stats;
    }

    private ref SourceStats SourceRef(UInt128 address, long t, bool create)
    {
        ref var s = ref _sources.GetValueRefOrNullRef(address);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
        {
            if (!create) return ref s;
            if (_sources.Count >= _options.MaxSources)
            {
                Statistics.UntrackedSources++;
                return ref s;
            }

            s = ref _sources.Add(address);
            s.ScanSet = -1;
        }

        s.LastEventNs = t;
        return ref s;
    }

    /// <summary>
    /// Queues a source the caller just changed for the next evaluation, unless it cannot reach any source rule's threshold
    /// there. Evaluating a source under no attack only starts one when a metric reaches a threshold, and below them it
    /// changes nothing; under a spoofed flood nearly every source is a one-attempt source, and looking each of them up
    /// again at every evaluation was the evaluation's largest cost. Metrics only grow through events, which come here.
    /// </summary>
    private void MarkSource(ref SourceStats s, UInt128 address)
    {
        if (s.Dirty) return;
        if (!_sourcesAlwaysDirty && s.Embryonic < _sourceEmbryonicFloor && s.HalfOpen == 0 && !s.IsMonitor) return;
        s.Dirty = true;
        _dirtySources.Add(address);
    }

    private int RentScanSet()
    {
        if (_freeScanSets.Count > 0) return _freeScanSets.Pop();
        _scanSets.Add(new ScanSet());
        return _scanSets.Count - 1;
    }

    private static CidrSet? ScopeOf(IEnumerable<Rule> rules)
    {
        var list = rules.ToList();
        return list.Count == 0 || list.Any(r => r.Scope.Destinations.IsEmpty) ? null : CidrSet.Union(list.Select(r => r.Scope.Destinations));
    }

    private bool InSourceScope(UInt128 destination) => _sourceEmbryonicScope is null || _sourceEmbryonicScope.Contains(destination);

    private bool InScanScope(UInt128 destination) => _scanScope is null || _scanScope.Contains(destination);

    private bool IsTrustedMonitor(UInt128 source) => !_monitorAllow.IsEmpty && _monitorAllow.Contains(source);

    // ---- evaluation ----

    private void EvaluateUntil(long nowNs)
    {
        if (_nextEvalNs == long.MinValue)
        {
            _nextEvalNs = (nowNs / _intervalNs + 1) * _intervalNs;
            _nextSweepNs = nowNs + 10 * NsPerSecond;
            return;
        }

        // Evaluate at every boundary passed. After a long silence (a paused capture, the gap between two files) only a
        // few instants can change anything: the first boundary, the one where every window has emptied, the one where
        // the quiet period after that has run out, and the last one. Gauges only move with events, which come in order.
        long last = nowNs / _intervalNs * _intervalNs;
        if ((last - _nextEvalNs) / _intervalNs > 64)
        {
            long first = _nextEvalNs;
            Evaluate(first);
            long windowsEmpty = Align(first + _maxWindowNs + _intervalNs);
            if (windowsEmpty < last) Evaluate(windowsEmpty);
            long quietOver = Align(windowsEmpty + _maxQuietNs + _intervalNs);
            if (quietOver < last && quietOver > windowsEmpty) Evaluate(quietOver);
            _nextEvalNs = last;
        }

        while (_nextEvalNs <= nowNs)
        {
            Evaluate(_nextEvalNs);
            _nextEvalNs += _intervalNs;
        }

        if (nowNs >= _nextSweepNs)
        {
            Sweep(nowNs);
            _nextSweepNs = nowNs + 10 * NsPerSecond;
        }
    }

    private long Align(long t) => t / _intervalNs * _intervalNs;

    private void Evaluate(long t)
    {
        _lastEvaluatedNs = t;
        bool degraded = t < _saturatedUntilNs;
        foreach (var (address, stats) in _dirtyHosts)
        {
            stats.Dirty = false;
            if (!_attacksByHost.ContainsKey(address)) EvaluateTarget(_hostRules, stats, address, null, t, degraded);
        }

        _dirtyHosts.Clear();
        foreach (var (key, stats) in _dirtyServices)
        {
            stats.Dirty = false;
            if (!_attacksByService.ContainsKey(key)) EvaluateTarget(_serviceRules, stats, key.Address, key.Port, t, degraded);
        }

        _dirtyServices.Clear();
        foreach (var address in _dirtySources)
        {
            ref var s = ref _sources.GetValueRefOrNullRef(address);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s)) continue;
            s.Dirty = false;
            if (!_attacksBySource.ContainsKey(address)) EvaluateSource(address, ref s, t, degraded);
        }

        _dirtySources.Clear();

        // Keys under attack are evaluated every tick: their quiet period runs even when nothing happens.
        if (_attacks.Count > 0)
        {
            _scratch.Clear();
            _scratch.AddRange(_attacks.Values);
            _scratch.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
            foreach (var a in _scratch)
            {
                if (!_attacks.ContainsKey(new AttackKey(a.Rule, a.Source ?? a.Destination ?? 0, a.Port ?? 0))) continue;
                EvaluateAttacked(a, t, degraded);
            }

            _scratch.Clear();
        }

        if (_globalDirty || _globalRules.Length > 0)
        {
            _globalDirty = false;
            _global.Advance(t);
            foreach (var rule in _globalRules)
            {
                if (_attacks.ContainsKey(new AttackKey(rule, 0, 0))) continue;
                Decide(rule, _global, null, null, null, Metric(rule, _global, t), t, degraded);
            }
        }
    }

    private void EvaluateAttacked(Attack a, long t, bool degraded)
    {
        var rule = a.Rule;
        switch (rule.TrackBy)
        {
            case TrackBy.Destination when _hosts.TryGetValue(a.Destination!.Value, out var hs):
                hs.Advance(t);
                Decide(rule, hs, null, a.Destination, null, Metric(rule, hs, t), t, degraded);
                break;
            case TrackBy.DestinationPort when _services.TryGetValue(new ServiceKey(a.Destination!.Value, a.Port!.Value), out var ss):
                ss.Advance(t);
                Decide(rule, ss, null, a.Destination, a.Port, Metric(rule, ss, t), t, degraded);
                break;
            case TrackBy.Source:
                ref var s = ref _sources.GetValueRefOrNullRef(a.Source!.Value);
                double v = System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s) ? 0 : SourceMetric(rule, a.Source.Value, ref s, t);
                Decide(rule, null, a.Source, null, null, v, t, degraded);
                break;
            case TrackBy.Global:
                _global.Advance(t);
                Decide(rule, _global, null, null, null, Metric(rule, _global, t), t, degraded);
                break;
            default:
                // The key's statistics were swept: the attack is over.
                Decide(rule, null, a.Source, a.Destination, a.Port, 0, t, degraded);
                break;
        }

        // Other rules on the same key that are not under attack yet.
        switch (rule.TrackBy)
        {
            case TrackBy.Destination when _hosts.TryGetValue(a.Destination!.Value, out var hs2):
                EvaluateTarget(_hostRules, hs2, a.Destination.Value, null, t, degraded, skipAttacked: true);
                break;
            case TrackBy.DestinationPort when _services.TryGetValue(new ServiceKey(a.Destination!.Value, a.Port!.Value), out var ss2):
                EvaluateTarget(_serviceRules, ss2, a.Destination.Value, a.Port, t, degraded, skipAttacked: true);
                break;
            case TrackBy.Source:
                ref var s2 = ref _sources.GetValueRefOrNullRef(a.Source!.Value);
                if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s2)) EvaluateSource(a.Source.Value, ref s2, t, degraded, skipAttacked: true);
                break;
        }
    }

    private void EvaluateTarget(Rule[] rules, TargetStats stats, UInt128 address, ushort? port, long t, bool degraded, bool skipAttacked = false)
    {
        stats.Advance(t);
        foreach (var rule in rules)
        {
            if (skipAttacked && _attacks.ContainsKey(new AttackKey(rule, address, port ?? 0))) continue;
            if (!rule.Scope.Destinations.MatchesOrAny(address) || rule.Allow.Destinations.Contains(address)) continue;
            if (port is { } p && !rule.Scope.Ports.MatchesOrAny(p)) continue;
            double value = Metric(rule, stats, t);

            // No attack of this rule is open on this key (the callers make sure), so below the threshold Decide would only
            // look for one and return. Skipping it saves a dictionary lookup per rule and dirty key at every evaluation.
            if (value < rule.Threshold) continue;
            Decide(rule, stats, null, address, port, value, t, degraded);
        }
    }

    private void EvaluateSource(UInt128 address, ref SourceStats s, long t, bool degraded, bool skipAttacked = false)
    {
        foreach (var rule in _sourceRules)
        {
            if (skipAttacked && _attacks.ContainsKey(new AttackKey(rule, address, 0))) continue;
            if (!rule.Scope.Sources.MatchesOrAny(address) || rule.Allow.Sources.Contains(address)) continue;
            if (rule.Kind == AlertKind.PortScan && s.IsMonitor) continue;
            double value = SourceMetric(rule, address, ref s, t);

            // As in EvaluateTarget: no attack is open on this source, so below the threshold there is nothing to decide.
            if (value < rule.Threshold) continue;
            Decide(rule, null, address, null, null, value, t, degraded);
        }
    }

    private double SourceMetric(Rule rule, UInt128 address, ref SourceStats s, long t)
    {
        bool inWindow = t - s.ScanWindowStartNs <= _scanWindowNs;
        return rule.Metric switch
        {
            RuleMetric.Embryonic => s.Embryonic,
            RuleMetric.HalfOpenPorts => !inWindow || s.HalfOpen == 0 ? 0 : s.ScanSet >= 0 ? _scanSets[s.ScanSet].Ports.Count : 1,
            RuleMetric.HalfOpenHosts => !inWindow || s.HalfOpen == 0 ? 0 : s.ScanSet >= 0 ? _scanSets[s.ScanSet].Hosts.Count : 1,
            RuleMetric.PeriodicProbes => s.IsMonitor ? _monitors.ActiveSeries(address, t) : 0,
            _ => 0,
        };
    }

    private static double Metric(Rule rule, TargetStats s, long t) => rule.Metric switch
    {
        RuleMetric.Embryonic => s.EmbryonicGauge,
        RuleMetric.SynRate => s.SynRate(t),
        RuleMetric.SynAckRate => s.SynAckRate(t),
        RuleMetric.Backscatter => s.BackscatterCount(t),
        RuleMetric.Anomalies => s.AnomalyCount(t),
        _ => 0,
    };

    private void Decide(Rule rule, TargetStats? stats, UInt128? source, UInt128? destination, ushort? port, double value, long t, bool degraded)
    {
        var key = new AttackKey(rule, source ?? destination ?? 0, port ?? 0);
        bool conditionHolds = rule.CompletionRatioBelow is not { } below || stats is null || (stats.CompletionRatio(t) is not { } ratio || ratio < below);
        if (!_attacks.TryGetValue(key, out var attack))
        {
            if (value < rule.Threshold || !conditionHolds) return;
            attack = new Attack(rule, AttackId(rule, source ?? destination ?? 0, port ?? 0, t), t, _options, stats?.Sources)
            {
                Source = source,
                Destination = destination,
                Port = port,
                Evictions = 0,
            };
            _attacks.Add(key, attack);
            _attacksVersion++;
            Index(attack, +1);
            Sample(attack, stats, value, t, degraded);
            Statistics.Alerts++;
            Emit(attack, AlertPhase.Start, t, null, null);
            return;
        }

        Sample(attack, stats, value, t, degraded);
        if (value < rule.ClearBelow || !conditionHolds)
        {
            if (attack.BelowSinceNs < 0) attack.BelowSinceNs = t;
            if (t - attack.BelowSinceNs >= rule.QuietNs)
            {
                End(attack, attack.BelowSinceNs, "quiet");
                return;
            }
        }
        else
        {
            attack.BelowSinceNs = -1;
        }

        if (t - attack.LastUpdateNs >= rule.UpdateIntervalNs)
        {
            attack.LastUpdateNs = t;
            Emit(attack, AlertPhase.Update, t, null, null);
        }
    }

    private void Sample(Attack a, TargetStats? stats, double value, long t, bool degraded)
    {
        a.LastMetric = value;
        if (value > a.MetricPeak) a.MetricPeak = value;
        if (degraded && !a.Degraded) a.Degraded = true;
        if (stats is not null)
        {
            long emb = stats.EmbryonicGauge;
            a.LastEmbryonic = emb;
            if (emb > a.EmbryonicPeak) a.EmbryonicPeak = emb;
            double rate = stats.SynRate(t);
            if (rate > a.SynRatePeak) a.SynRatePeak = rate;
            a.SynRateSum += rate;
            a.SynRateSamples++;
        }
        else if (a.Source is { } src)
        {
            ref var s = ref _sources.GetValueRefOrNullRef(src);
            if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
            {
                a.LastEmbryonic = s.Embryonic;
                if (s.Embryonic > a.EmbryonicPeak) a.EmbryonicPeak = s.Embryonic;
            }
        }
    }

    private void End(Attack a, long endNs, string reason)
    {
        _attacks.Remove(new AttackKey(a.Rule, a.Source ?? a.Destination ?? 0, a.Port ?? 0));
        _attacksVersion++;
        Index(a, -1);
        Emit(a, AlertPhase.End, Math.Max(endNs, a.LastUpdateNs), endNs, reason);
    }

    private void ReclassifyScans(UInt128 source, long t)
    {
        if (!_attacksBySource.ContainsKey(source)) return;
        foreach (var a in SourceAttacks(source).ToArray())
        {
            if (a.Rule.Kind == AlertKind.PortScan) End(a, t, "reclassified-health-monitor");
        }
    }

    private void Emit(Attack a, AlertPhase phase, long t, long? endNs, string? endReason)
    {
        var rule = a.Rule;
        Span<TopEntry<UInt128>> topSources = stackalloc TopEntry<UInt128>[_options.TopN];
        Span<TopEntry<ushort>> topPorts = stackalloc TopEntry<ushort>[_options.TopN];
        int ns = a.TopSources.CopyTop(topSources);
        int np = a.TopPorts.CopyTop(topPorts);
        long distinct = a.Sources.Count;
        SpoofingProfile? spoofing = null;
        if (rule.Kind is AlertKind.SynFlood or AlertKind.GlobalEmbryonic && distinct > 0 && !a.Ttl.IsEmpty)
        {
            spoofing = new SpoofingProfile
            {
                AnsweredShare = Math.Round(Math.Min(1.0, (double)a.AnsweredSources.Count / distinct), 4),
                TtlMin = a.Ttl.Min,
                TtlMax = a.Ttl.Max,
                TtlDistinct = a.Ttl.Distinct,
            };
        }

        var alert = new AlertEvent
        {
            AttackId = a.Id,
            Kind = rule.Kind,
            Phase = phase,
            Sequence = a.Sequence++,
            TimestampNs = t,
            StartNs = a.StartNs,
            EndNs = endNs,
            EndReason = endReason,
            Rule = rule.Info,
            Severity = rule.Severity,
            SourceIp = a.Source,
            DestinationIp = a.Destination,
            DestinationPort = a.Port,
            Embryonic = a.LastEmbryonic,
            EmbryonicPeak = a.EmbryonicPeak,
            SynRatePeak = Math.Round(a.SynRatePeak, 1),
            SynRateAverage = a.SynRateSamples == 0 ? 0 : Math.Round(a.SynRateSum / a.SynRateSamples, 1),
            CompletionRatio = a.Answered == 0 ? null : Math.Round(Math.Min(1.0, (double)a.Completed / a.Answered), 4),
            DistinctSources = distinct,
            DistinctSourcesEstimated = a.Sources.IsEstimate,
            // Scans and anomalies: the metric's peak (distinct ports or hosts, anomalies in the window); monitors: probes
            // seen; backscatter: packets since the start.
            Count = rule.Kind is AlertKind.PortScan or AlertKind.HandshakeAnomaly ? (long)a.MetricPeak : a.Count,
            TopSources = topSources[..ns].ToArray(),
            TopDestinationPorts = topPorts[..np].ToArray(),
            Spoofing = spoofing,
            Degraded = a.Degraded,
            Evictions = a.Degraded ? _evictions : 0,
            Message = Describe(a, phase, endReason),
        };
        Statistics.Record(alert);
        _output.OnAlert(alert);
    }

    private static string Describe(Attack a, AlertPhase phase, string? endReason)
    {
        var c = CultureInfo.InvariantCulture;
        string target = a.Destination is { } d ? AddressText.Format(d) + (a.Port is { } p ? ":" + p.ToString(c) : "") : a.Source is { } s ? AddressText.Format(s) : "all traffic";
        string what = string.Create(c, $"{a.Rule.Kind.Name()} {target}: {a.Rule.Metric.Name()} {a.LastMetric:0.#} (peak {a.MetricPeak:0.#}, threshold {a.Rule.Threshold:0.#})");
        return phase == AlertPhase.End ? $"{what}; ended ({endReason})" : what;
    }

    private static string AttackId(Rule rule, UInt128 key, ushort port, long startNs)
    {
        ulong h = SketchHash.Hash(key) ^ SketchHash.Hash((ulong)startNs * 31 + port);
        foreach (char ch in rule.Id) h = SketchHash.Mix(h ^ ch);
        return string.Create(CultureInfo.InvariantCulture, $"{rule.Id}-{h:x16}");
    }

    private void Index(Attack a, int delta)
    {
        switch (a.Rule.TrackBy)
        {
            case TrackBy.Destination:
                Bump(_attacksByHost, a.Destination!.Value, delta);
                break;
            case TrackBy.DestinationPort:
                Bump(_attacksByService, new ServiceKey(a.Destination!.Value, a.Port!.Value), delta);
                break;
            case TrackBy.Source:
                Bump(_attacksBySource, a.Source!.Value, delta);
                break;
        }

        static void Bump<TKey>(Dictionary<TKey, int> d, TKey k, int delta) where TKey : notnull
        {
            ref int n = ref CollectionsMarshal.GetValueRefOrAddDefault(d, k, out _);
            n += delta;
            if (n <= 0) d.Remove(k);
        }
    }

    /// <summary>Attacks whose key this attempt event belongs to (victim host, victim service, global).</summary>
    private List<Attack> AttacksOn(in TrackerEvent e)
    {
        if (_globalHitsVersion != _attacksVersion)
        {
            _globalHits.Clear();
            foreach (var rule in _globalRules)
            {
                if (_attacks.TryGetValue(new AttackKey(rule, 0, 0), out var a)) _globalHits.Add(a);
            }

            _globalHitsVersion = _attacksVersion;
        }

        // Most events go to servers nobody attacks (the one-entry cache below only helps a run of events to one victim):
        // two lookups in the small attacked-target tables settle that, and the global attacks are cached per version.
        bool targeted = (_attacksByHost.Count > 0 && _attacksByHost.ContainsKey(e.Server))
            || (_attacksByService.Count > 0 && _attacksByService.ContainsKey(new ServiceKey(e.Server, e.ServerPort)));
        if (!targeted) return WithSourceAttacks(_globalHits, e.Client);

        if (_targetHitsVersion != _attacksVersion || _targetHitsServer != e.Server || _targetHitsPort != e.ServerPort)
        {
            _targetHits.Clear();
            bool host = _attacksByHost.ContainsKey(e.Server);
            bool service = _attacksByService.ContainsKey(new ServiceKey(e.Server, e.ServerPort));
            foreach (var rule in _hostRules)
            {
                if (host && _attacks.TryGetValue(new AttackKey(rule, e.Server, 0), out var a)) _targetHits.Add(a);
            }

            foreach (var rule in _serviceRules)
            {
                if (service && _attacks.TryGetValue(new AttackKey(rule, e.Server, e.ServerPort), out var a)) _targetHits.Add(a);
            }

            foreach (var rule in _globalRules)
            {
                if (_attacks.TryGetValue(new AttackKey(rule, 0, 0), out var a)) _targetHits.Add(a);
            }

            _targetHitsServer = e.Server;
            _targetHitsPort = e.ServerPort;
            _targetHitsVersion = _attacksVersion;
        }

        return WithSourceAttacks(_targetHits, e.Client);
    }

    /// <summary><paramref name="targetHits"/>, plus the attacks of <paramref name="client"/> when it is an attacking source.</summary>
    private List<Attack> WithSourceAttacks(List<Attack> targetHits, UInt128 client)
    {
        if (_attacksBySource.Count == 0 || !_attacksBySource.ContainsKey(client)) return targetHits;
        _attackHits.Clear();
        _attackHits.AddRange(targetHits);
        foreach (var rule in _sourceRules)
        {
            if (_attacks.TryGetValue(new AttackKey(rule, client, 0), out var a)) _attackHits.Add(a);
        }

        return _attackHits;
    }

    private readonly List<Attack> _attackHits = [];
    private readonly List<Attack> _globalHits = [];
    private long _globalHitsVersion = -1;

    private List<Attack> HostAttacks(UInt128 host)
    {
        _attackHits.Clear();
        foreach (var rule in _hostRules)
        {
            if (_attacks.TryGetValue(new AttackKey(rule, host, 0), out var a)) _attackHits.Add(a);
        }

        return _attackHits;
    }

    private List<Attack> SourceAttacks(UInt128 source)
    {
        _attackHits.Clear();
        foreach (var rule in _sourceRules)
        {
            if (_attacks.TryGetValue(new AttackKey(rule, source, 0), out var a)) _attackHits.Add(a);
        }

        return _attackHits;
    }

    /// <summary>Forgets statistics of keys that have been idle longer than any window or quiet period.</summary>
    private void Sweep(long nowNs)
    {
        _lastHost = null;
        Array.Clear(_serviceCache);
        // Removed in enumeration order, as a collected list of keys did (see AddressTable).
        for (int i = 0; i < _hosts.Extent; i++)
        {
            if (!_hosts.IsLive(i)) continue;
            var h = _hosts.ValueAt(i);
            if (!h.Dirty && h.IsIdle(nowNs, _sweepIdleNs) && !_attacksByHost.ContainsKey(_hosts.KeyAt(i))) _hosts.RemoveAt(i);
        }

        var removeServices = _services.Where(kv => !kv.Value.Dirty && kv.Value.IsIdle(nowNs, _sweepIdleNs) && !_attacksByService.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
        foreach (var k in removeServices)
        {
            if (_services.Remove(k, out var st)) _watchedServices.Remove(st);
        }

        // Removed in enumeration order, as a collected list did: the order later insertions reuse the positions in.
        for (int i = 0; i < _sources.Extent; i++)
        {
            if (!_sources.IsLive(i)) continue;
            ref var s = ref _sources.ValueAt(i);
            if (s.Dirty || s.Embryonic != 0 || s.IsMonitor || nowNs - s.LastEventNs <= _sweepIdleNs || _attacksBySource.ContainsKey(_sources.KeyAt(i))) continue;
            int set = s.ScanSet;
            _sources.RemoveAt(i);
            if (set >= 0)
            {
                _scanSets[set].Clear();
                _freeScanSets.Push(set);
            }
        }

        _monitors.Sweep(nowNs);
    }

    private readonly record struct AttackKey(Rule Rule, UInt128 Key, ushort Port);
}

/// <summary>Counters of the detection stage.</summary>
public sealed class DetectionStatistics
{
    private readonly long[] _byKind = new long[Enum.GetValues<AlertKind>().Length];

    /// <summary>Attacks started.</summary>
    public long Alerts { get; set; }

    /// <summary>Alert events emitted (start, update, end).</summary>
    public long AlertEvents { get; set; }

    public long Evictions { get; set; }

    public long Anomalies { get; set; }

    public long SynAckUnseen { get; set; }

    public long UntrackedHosts { get; set; }

    public long UntrackedServices { get; set; }

    public long UntrackedSources { get; set; }

    /// <summary>Attacks started, per kind.</summary>
    public long Started(AlertKind kind) => _byKind[(int)kind];

    internal void Record(AlertEvent alert)
    {
        AlertEvents++;
        if (alert.Phase == AlertPhase.Start) _byKind[(int)alert.Kind]++;
    }
}
