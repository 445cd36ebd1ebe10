using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>Everything a replay run needs, resolved from the command line.</summary>
internal sealed record ReplayOptions
{
    /// <summary>
    /// Default tracker shards: the cores left beside the reader and the detection thread, at least one. Measured on 2
    /// cores, one shard tracked on the reader thread replays faster than two shard threads fighting the other two.
    /// </summary>
    public static int DefaultShards => Math.Max(1, Environment.ProcessorCount - 2);

    public int Shards { get; init; } = DefaultShards;

    public required RuleSet Rules { get; init; }

    public TrackerOptions Tracker { get; init; } = new();

    /// <summary>JSON-lines alert output: a path, "-" for stdout, or null.</summary>
    public string? AlertsPath { get; init; }

    /// <summary>JSON-lines connection records: a path, "-" for stdout, or null.</summary>
    public string? ConnLogPath { get; init; }

    /// <summary>observer.hostname in documents (fixed in golden tests so outputs compare across machines).</summary>
    public string? SensorName { get; init; }

    /// <summary>Sample gauges over packet time (for the end-of-run tables and <c>--report</c>); off for scripts.</summary>
    public bool SampleGauges { get; init; }

    /// <summary>Ship to Elasticsearch (--es or IDS_ES_URL); null when not asked.</summary>
    public EsReplayOptions? Elasticsearch { get; init; }
}
