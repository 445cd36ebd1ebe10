using System.Text.Json.Serialization;

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

    public List<string> Files { get; set; } = [];

    /// <summary>Damaged input met along the way (truncated or corrupt records); everything before each was processed.</summary>
    public List<string> Problems { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(ReplaySummary))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
