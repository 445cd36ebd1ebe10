using System.Text.Json.Serialization;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>
/// The figures a replay prints and writes with <c>--stats-json</c>. Key names are a contract read by scripts and
/// later issues (snake_case): keep them stable, add new ones rather than renaming.
/// </summary>
internal sealed class ReplaySummary
{
    public long Packets { get; set; }

    public long Bytes { get; set; }

    public long TcpPackets { get; set; }

    public long Syn { get; set; }

    public long Synack { get; set; }

    public long Rst { get; set; }

    public long Fin { get; set; }

    /// <summary>Count per <c>DecodeEvent</c> name; only events that happened.</summary>
    public SortedDictionary<string, long> DecodeEvents { get; set; } = new(StringComparer.Ordinal);

    public double ElapsedS { get; set; }

    public double Pps { get; set; }

    /// <summary>Connection attempts (SYNs that opened an attempt; retransmissions excluded).</summary>
    public long Attempts { get; set; }

    /// <summary>Finished attempts per outcome name.</summary>
    public SortedDictionary<string, long> Outcomes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Attacks detected (each with start, updates, end).</summary>
    public long Alerts { get; set; }

    /// <summary>Alert lifecycle events written.</summary>
    public long AlertEvents { get; set; }

    public long Evictions { get; set; }

    /// <summary>Most entries tracked at once (sum of the shards' peaks).</summary>
    public long PeakTracked { get; set; }

    public int Shards { get; set; }

    public List<string> Files { get; set; } = [];

    /// <summary>Damaged input met along the way (truncated or corrupt records); everything before each was processed.</summary>
    public List<string> Problems { get; set; } = [];

    public List<AttackSummary> Attacks { get; set; } = [];

    /// <summary>Elasticsearch delivery; absent when the replay did not ship.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EsSummary? Es { get; set; }
}

/// <summary>One attack as the end-of-run summary shows it.</summary>
internal sealed class AttackSummary
{
    public string AttackId { get; set; } = "";

    public string Kind { get; set; } = "";

    public string RuleId { get; set; } = "";

    public string Severity { get; set; } = "";

    public string Target { get; set; } = "";

    public string Start { get; set; } = "";

    public double DurationS { get; set; }

    public long EmbryonicPeak { get; set; }

    public double SynRatePeak { get; set; }

    public long DistinctSources { get; set; }

    public string? EndReason { get; set; }

    public bool Degraded { get; set; }

    public static AttackSummary From(AlertEvent start, AlertEvent latest)
    {
        string target = start.DestinationIp is { } d
            ? IpText.ToString(d) + (start.DestinationPort is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "")
            : start.SourceIp is { } s ? IpText.ToString(s) : "*";
        return new AttackSummary
        {
            AttackId = start.AttackId,
            Kind = start.Kind.Name(),
            RuleId = start.Rule.Id,
            Severity = start.Severity.Name(),
            Target = target,
            Start = Rfc3339.ToString(start.StartNs),
            DurationS = Math.Round(((latest.EndNs ?? latest.TimestampNs) - start.StartNs) / 1e9, 3),
            EmbryonicPeak = latest.EmbryonicPeak,
            SynRatePeak = latest.SynRatePeak,
            DistinctSources = latest.DistinctSources,
            EndReason = latest.Phase == AlertPhase.End ? latest.EndReason : null,
            Degraded = latest.Degraded,
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ReplaySummary))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
