namespace IdsHalfOpen.Detection.Rules;

/// <summary>What a rule keeps one counter for.</summary>
public enum TrackBy : byte
{
    /// <summary>One counter per source address.</summary>
    Source,
    /// <summary>One counter per destination address (victim host).</summary>
    Destination,
    /// <summary>One counter per destination address and port (victim service).</summary>
    DestinationPort,
    /// <summary>A single counter for everything in scope.</summary>
    Global,
}

/// <summary>What a rule measures.</summary>
public enum RuleMetric : byte
{
    /// <summary>Live gauge of embryonic (SYN_RCVD) attempts. No window.</summary>
    Embryonic,
    /// <summary>New connection attempts (first SYNs, retransmissions excluded) per second over the window.</summary>
    SynRate,
    /// <summary>SYN-ACKs sent by servers per second over the window.</summary>
    SynAckRate,
    /// <summary>Distinct destination ports a source left half-open (embryonic, aborted, rejected, unanswered) in the window.</summary>
    HalfOpenPorts,
    /// <summary>Distinct destination hosts a source left half-open in the window.</summary>
    HalfOpenHosts,
    /// <summary>Backscatter packets (SYN-ACK/RST toward a host that sent no SYN) in the window.</summary>
    Backscatter,
    /// <summary>Invalid handshakes (wrong acknowledgment numbers, SYN-ACK in the wrong direction) in the window.</summary>
    Anomalies,
    /// <summary>Live number of (destination, port) series a source probes periodically (see health_monitor). No window.</summary>
    PeriodicProbes,
}

/// <summary>Severity of a rule diagnostic.</summary>
public enum DiagnosticSeverity : byte
{
    Warning,
    Error,
}

/// <summary>Wire names (as written in rule files) of the rule enums, and the inverse look-ups.</summary>
public static class RuleNames
{
    public static IReadOnlyList<AlertKind> RuleKinds { get; } =
    [
        AlertKind.SynFlood, AlertKind.EmbryonicSource, AlertKind.GlobalEmbryonic, AlertKind.PortScan,
        AlertKind.Backscatter, AlertKind.HealthMonitor, AlertKind.HandshakeAnomaly,
    ];

    public static IReadOnlyList<Severity> Severities { get; } = [Severity.Info, Severity.Low, Severity.Medium, Severity.High, Severity.Critical];

    public static IReadOnlyList<TrackBy> TrackBys { get; } = [TrackBy.Source, TrackBy.Destination, TrackBy.DestinationPort, TrackBy.Global];

    public static IReadOnlyList<RuleMetric> Metrics { get; } =
    [
        RuleMetric.Embryonic, RuleMetric.SynRate, RuleMetric.SynAckRate, RuleMetric.HalfOpenPorts,
        RuleMetric.HalfOpenHosts, RuleMetric.Backscatter, RuleMetric.Anomalies, RuleMetric.PeriodicProbes,
    ];

    public static string Name(this TrackBy t) => t switch
    {
        TrackBy.Source => "source",
        TrackBy.Destination => "destination",
        TrackBy.DestinationPort => "destination-port",
        TrackBy.Global => "global",
        _ => "unknown",
    };

    public static string Name(this RuleMetric m) => m switch
    {
        RuleMetric.Embryonic => "embryonic",
        RuleMetric.SynRate => "syn-rate",
        RuleMetric.SynAckRate => "synack-rate",
        RuleMetric.HalfOpenPorts => "halfopen-ports",
        RuleMetric.HalfOpenHosts => "halfopen-hosts",
        RuleMetric.Backscatter => "backscatter",
        RuleMetric.Anomalies => "anomalies",
        RuleMetric.PeriodicProbes => "periodic-probes",
        _ => "unknown",
    };

    public static string Name(this DiagnosticSeverity s) => s == DiagnosticSeverity.Error ? "error" : "warning";

    /// <summary>Gauges are live values and take no window; every other metric counts over a sliding window.</summary>
    public static bool IsGauge(this RuleMetric m) => m is RuleMetric.Embryonic or RuleMetric.PeriodicProbes;

    /// <summary>Rate metrics are per second (averaged over the window); count metrics are totals within the window.</summary>
    public static bool IsRate(this RuleMetric m) => m is RuleMetric.SynRate or RuleMetric.SynAckRate;
}
