using System.Globalization;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Report;

/// <summary>
/// Everything the HTML report shows. Only packet-time figures belong here (no elapsed time, rate or shard count), so
/// the same capture always gives the same report.
/// </summary>
public sealed record ReplayReport
{
    public string Title { get; init; } = "IdsHalfOpen replay report";

    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Summary figures in display order (name, value).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Figures { get; init; } = [];

    /// <summary>Finished attempts per outcome name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Outcomes { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, long>> DecodeEvents { get; init; } = [];

    public IReadOnlyList<string> Problems { get; init; } = [];

    public IReadOnlyList<ReportAlert> Alerts { get; init; } = [];

    /// <summary>Gauges over time; null when nothing was sampled.</summary>
    public GaugeSeries? Series { get; init; }
}

/// <summary>One attack, from its start to its last event.</summary>
public sealed record ReportAlert
{
    public required string AttackId { get; init; }

    public required string Kind { get; init; }

    public required string RuleId { get; init; }

    public string RuleName { get; init; } = "";

    public required string Severity { get; init; }

    public required string Target { get; init; }

    public long StartNs { get; init; }

    /// <summary>End time, or the last event's time for an attack still open.</summary>
    public long EndNs { get; init; }

    /// <summary>null while the attack is open.</summary>
    public string? EndReason { get; init; }

    public long EmbryonicPeak { get; init; }

    public double SynRatePeak { get; init; }

    public long DistinctSources { get; init; }

    public bool Degraded { get; init; }

    public IReadOnlyList<KeyValuePair<string, long>> TopSources { get; init; } = [];

    public double DurationS => (EndNs - StartNs) / 1e9;

    /// <summary>Builds the row from an attack's start event and its latest event (the end, once ended).</summary>
    public static ReportAlert From(AlertEvent start, AlertEvent latest)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(latest);
        return new ReportAlert
        {
            AttackId = start.AttackId,
            Kind = start.Kind.Name(),
            RuleId = start.Rule.Id,
            RuleName = start.Rule.Name,
            Severity = start.Severity.Name(),
            Target = TargetOf(start),
            StartNs = start.StartNs,
            EndNs = latest.EndNs ?? latest.TimestampNs,
            EndReason = latest.Phase == AlertPhase.End ? latest.EndReason : null,
            EmbryonicPeak = latest.EmbryonicPeak,
            SynRatePeak = latest.SynRatePeak,
            DistinctSources = latest.DistinctSources,
            Degraded = latest.Degraded,
            TopSources = [.. latest.TopSources.Select(t => new KeyValuePair<string, long>(IpText.ToString(t.Key), t.Count))],
        };
    }

    /// <summary>The victim service, host or source the alert is about; "*" for the whole link.</summary>
    public static string TargetOf(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.DestinationIp is { } d)
        {
            string ip = IpText.ToString(d);
            if (alert.DestinationPort is not { } p) return ip;
            return (ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip) + ":" + p.ToString(CultureInfo.InvariantCulture);
        }

        return alert.SourceIp is { } s ? IpText.ToString(s) : "*";
    }
}
