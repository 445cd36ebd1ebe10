using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>Everything a replay run needs, resolved from the command line.</summary>
internal sealed record ReplayOptions
{
    public int Shards { get; init; } = Environment.ProcessorCount;

    public required RuleSet Rules { get; init; }

    public TrackerOptions Tracker { get; init; } = new();

    /// <summary>JSON-lines alert output: a path, "-" for stdout, or null.</summary>
    public string? AlertsPath { get; init; }

    /// <summary>JSON-lines connection records: a path, "-" for stdout, or null.</summary>
    public string? ConnLogPath { get; init; }

    /// <summary>observer.hostname in documents (fixed in golden tests so outputs compare across machines).</summary>
    public string? SensorName { get; init; }

    /// <summary>Ship to Elasticsearch (--es or IDS_ES_URL); null when not asked.</summary>
    public EsReplayOptions? Elasticsearch { get; init; }
}
