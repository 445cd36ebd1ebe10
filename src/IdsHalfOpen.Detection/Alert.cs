namespace IdsHalfOpen.Detection;

/// <summary>What an alert is about; the wire name goes to <c>event.action</c>.</summary>
public enum AlertKind : byte
{
    SynFlood,
    EmbryonicSource,
    GlobalEmbryonic,
    PortScan,
    Backscatter,
    HealthMonitor,
    HandshakeAnomaly,
    SensorHealth,
}

public enum AlertPhase : byte
{
    Start,
    Update,
    End,
}

/// <summary>Alert severities, as numbers in <c>event.severity</c> (ECS: larger is more severe).</summary>
public enum Severity : byte
{
    Info = 1,
    Low = 2,
    Medium = 3,
    High = 4,
    Critical = 5,
}

public static class AlertNames
{
    public static string Name(this AlertKind k) => k switch
    {
        AlertKind.SynFlood => "syn-flood",
        AlertKind.EmbryonicSource => "embryonic-source",
        AlertKind.GlobalEmbryonic => "global-embryonic",
        AlertKind.PortScan => "port-scan",
        AlertKind.Backscatter => "backscatter",
        AlertKind.HealthMonitor => "health-monitor",
        AlertKind.HandshakeAnomaly => "handshake-anomaly",
        AlertKind.SensorHealth => "sensor-health",
        _ => "unknown",
    };

    public static string Name(this AlertPhase p) => p switch
    {
        AlertPhase.Start => "start",
        AlertPhase.Update => "update",
        AlertPhase.End => "end",
        _ => "unknown",
    };

    public static string Name(this Severity s) => s.ToString().ToLowerInvariant();
}

/// <summary>The rule that raised an alert (from rules/*.yaml).</summary>
public sealed record RuleInfo(string Id, int Revision, string Name, Severity Severity, string Ruleset = "default");

/// <summary>A (key, count) pair in a top-N list.</summary>
public readonly record struct TopEntry<T>(T Key, long Count);

/// <summary>How spoofed a flood looks.</summary>
public sealed record SpoofingProfile
{
    /// <summary>Share of distinct sources that ever answered the victim (final ACK or RST); spoofed floods are near 0.</summary>
    public double AnsweredShare { get; init; }

    public byte TtlMin { get; init; }

    public byte TtlMax { get; init; }

    /// <summary>Distinct TTL values among the attempts (up to 256).</summary>
    public int TtlDistinct { get; init; }
}

/// <summary>
/// One lifecycle event of an attack: start when a rule's threshold is crossed, periodic updates, end after the quiet
/// period. The same attack id ties them together. Everything time-like is packet time (ns since the Unix epoch).
/// </summary>
public sealed record AlertEvent
{
    /// <summary>Stable attack id: the same for start, updates and end; deterministic for a given input.</summary>
    public required string AttackId { get; init; }

    public required AlertKind Kind { get; init; }

    public required AlertPhase Phase { get; init; }

    /// <summary>0 for start, 1.. for updates, and the next number for end: with the attack id it makes the event unique.</summary>
    public int Sequence { get; init; }

    /// <summary>Packet time of this event (@timestamp).</summary>
    public long TimestampNs { get; init; }

    /// <summary>Packet time the threshold was first crossed.</summary>
    public long StartNs { get; init; }

    /// <summary>Packet time the attack ended (end phase only).</summary>
    public long? EndNs { get; init; }

    /// <summary>end phase only: "quiet" (below threshold for the hysteresis period), "end-of-capture", "shutdown".</summary>
    public string? EndReason { get; init; }

    public required RuleInfo Rule { get; init; }

    public Severity Severity { get; init; }

    /// <summary>Set when the alert has a single source.</summary>
    public UInt128? SourceIp { get; init; }

    /// <summary>Set when the alert has a single victim host.</summary>
    public UInt128? DestinationIp { get; init; }

    /// <summary>Set when the alert has a single victim service.</summary>
    public ushort? DestinationPort { get; init; }

    public long Embryonic { get; init; }

    public long EmbryonicPeak { get; init; }

    /// <summary>SYNs per second (packet time).</summary>
    public double SynRatePeak { get; init; }

    public double SynRateAverage { get; init; }

    /// <summary>Completed / (answered attempts) over the attack so far; null when nothing was answered.</summary>
    public double? CompletionRatio { get; init; }

    public long DistinctSources { get; init; }

    /// <summary>True when <see cref="DistinctSources"/> is a HyperLogLog estimate (past the exact cap).</summary>
    public bool DistinctSourcesEstimated { get; init; }

    /// <summary>Kind-specific count: distinct ports/hosts for scans, packets for backscatter, anomalies for handshake anomalies.</summary>
    public long Count { get; init; }

    public IReadOnlyList<TopEntry<UInt128>> TopSources { get; init; } = [];

    public IReadOnlyList<TopEntry<ushort>> TopDestinationPorts { get; init; } = [];

    public SpoofingProfile? Spoofing { get; init; }

    /// <summary>Raised or updated while the attempt table was saturated: figures may be approximate.</summary>
    public bool Degraded { get; init; }

    /// <summary>Attempts evicted from the table during this attack.</summary>
    public long Evictions { get; init; }

    /// <summary>Human-readable one-liner for consoles.</summary>
    public string? Message { get; init; }
}
