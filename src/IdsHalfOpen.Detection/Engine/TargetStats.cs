using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>A victim service: one destination address and port.</summary>
public readonly record struct ServiceKey(UInt128 Address, ushort Port);

/// <summary>
/// Gauges and rates of one destination host, one service (ip:port) or the whole link. Counted from tracker events as
/// they happen, so they never depend on the attempt table: when the table is full and evicts, an evicted embryonic
/// attempt keeps counting here until it would have timed out (<see cref="EvictedPending"/>).
/// </summary>
/// <remarks>
/// Windows are made on first use: most targets only ever see one kind of event (a backscatter receiver, say), and
/// making all six for each of tens of thousands of them was most of what a replay allocated; the evaluation also no
/// longer reads empty windows scattered over the heap. A window that does not exist counts 0, as an empty one does.
/// </remarks>
internal sealed class TargetStats
{
    private readonly MetricWindows _windows;
    private ExpiryRing? _evicted;
    private RateWindow? _syn;
    private RateWindow? _synAck;
    private RateWindow? _completed;
    private RateWindow? _answered;
    private RateWindow? _backscatter;
    private RateWindow? _anomalies;

    public TargetStats(MetricWindows windows) => _windows = windows;

    /// <summary>Embryonic attempts the tracker still holds for this target.</summary>
    public long Embryonic;

    /// <summary>Packet time of the last event that touched this target (for sweeping idle entries).</summary>
    public long LastEventNs;

    /// <summary>Set when an event changed something since the last evaluation.</summary>
    public bool Dirty;

    /// <summary>A service's position in the engine's <see cref="ServiceWatchList"/>, or -1.</summary>
    public int WatchIndex = -1;

    public RateWindow Syn => _syn ??= _windows.NewSynWindow();

    public RateWindow SynAck => _synAck ??= _windows.NewSynWindow();

    /// <summary>Completed handshakes and answered attempts (first SYN-ACKs): their ratio is the completion ratio.</summary>
    public RateWindow Completed => _completed ??= _windows.NewSynWindow();

    public RateWindow Answered => _answered ??= _windows.NewSynWindow();

    public RateWindow Backscatter => _backscatter ??= _windows.NewBackscatterWindow();

    public RateWindow Anomalies => _anomalies ??= _windows.NewAnomalyWindow();

    /// <summary>Windowed SYN rate at <paramref name="nowNs"/> (0 when no SYN was ever counted), without making the window.</summary>
    public double SynRate(long nowNs) => _syn?.RatePerSecond(nowNs) ?? 0;

    /// <summary><see cref="SynRate"/> without advancing the window (see <see cref="RateWindow.PeekRatePerSecond"/>).</summary>
    public double PeekSynRate(long nowNs) => _syn?.PeekRatePerSecond(nowNs) ?? 0;

    public double SynAckRate(long nowNs) => _synAck?.RatePerSecond(nowNs) ?? 0;

    public long BackscatterCount(long nowNs) => _backscatter?.WindowCount(nowNs) ?? 0;

    public long AnomalyCount(long nowNs) => _anomalies?.WindowCount(nowNs) ?? 0;

    /// <summary>Distinct sources of new attempts, counted once the target has drawn <see cref="SourceCountingAfter"/> SYNs:
    /// quiet targets never pay for a counter, attacked ones have counted from well before the alert.</summary>
    public DistinctCounter? Sources { get; private set; }

    public const int SourceCountingAfter = 8;

    private long _synsSeen;

    public void CountSource(UInt128 source, int exactCap)
    {
        if (Sources is null)
        {
            if (++_synsSeen < SourceCountingAfter) return;
            Sources = new DistinctCounter(exactCap);
        }

        Sources.Add(source);
    }

    public long EvictedPending => _evicted?.Pending ?? 0;

    /// <summary>The gauge a rule sees: tracked embryonic attempts plus evicted ones not yet due.</summary>
    public long EmbryonicGauge => Embryonic + EvictedPending;

    public void AddEvicted(long dueNs, long horizonNs)
    {
        _evicted ??= new ExpiryRing(horizonNs);
        _evicted.Add(dueNs, 1);
    }

    public void Advance(long nowNs) => _evicted?.Advance(nowNs);

    /// <summary>
    /// Completed / answered over the syn window; null when nothing was answered in it (a one-way mirror, or only
    /// unanswered SYNs). Attempts still embryonic count as not completed: that is what a flood looks like.
    /// </summary>
    public double? CompletionRatio(long nowNs)
    {
        long answered = _answered?.WindowCount(nowNs) ?? 0;
        return answered == 0 ? null : Math.Min(1.0, (double)(_completed?.WindowCount(nowNs) ?? 0) / answered);
    }

    public bool IsIdle(long nowNs, long idleNs) => Embryonic == 0 && EvictedPending == 0 && nowNs - LastEventNs > idleNs;
}

/// <summary>
/// The window shapes each metric uses: the longest window any enabled rule asks for, in 10 buckets. One instance per
/// engine, shared by its targets; replacing the rules changes the shape of windows made from then on.
/// </summary>
internal sealed class MetricWindows
{
    private const int Buckets = 10;
    private long _synWindowNs = 1_000_000_000L;
    private long _backscatterWindowNs = 10_000_000_000L;
    private long _anomalyWindowNs = 10_000_000_000L;

    public void Set(long synWindowNs, long backscatterWindowNs, long anomalyWindowNs)
    {
        _synWindowNs = synWindowNs;
        _backscatterWindowNs = backscatterWindowNs;
        _anomalyWindowNs = anomalyWindowNs;
    }

    public RateWindow NewSynWindow() => new(Math.Max(1, _synWindowNs / Buckets), Buckets);

    public RateWindow NewBackscatterWindow() => new(Math.Max(1, _backscatterWindowNs / Buckets), Buckets);

    public RateWindow NewAnomalyWindow() => new(Math.Max(1, _anomalyWindowNs / Buckets), Buckets);
}

/// <summary>
/// Per-source state, a struct in a dictionary so a spoofed flood's millions of one-packet sources cost no allocation:
/// the first half-open target is kept inline, a set is only made for a source with a second distinct port or host.
/// </summary>
internal struct SourceStats
{
    public long Embryonic;
    public long LastEventNs;
    public long ScanWindowStartNs;
    public UInt128 FirstHost;
    public ushort FirstPort;
    public int HalfOpen;
    /// <summary>Index into the engine's scan-set pool, or -1.</summary>
    public int ScanSet;
    public bool Dirty;
    public bool IsMonitor;
}

/// <summary>Distinct ports and hosts one source probed half-open in the current window.</summary>
internal sealed class ScanSet
{
    public HashSet<ushort> Ports { get; } = [];

    public HashSet<UInt128> Hosts { get; } = [];

    public void Clear()
    {
        Ports.Clear();
        Hosts.Clear();
    }
}
