namespace IdsHalfOpen.Detection.Engine;

/// <summary>Mechanism knobs of the detection stage (policy lives in the rules).</summary>
public sealed record DetectionOptions
{
    /// <summary>How often, in packet time, rules are evaluated. Alerts start within this much of the crossing.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Per-host statistics kept at most (victims and backscatter receivers).</summary>
    public int MaxHosts { get; init; } = 1 << 16;

    /// <summary>Per-service (ip:port) statistics kept at most.</summary>
    public int MaxServices { get; init; } = 1 << 16;

    /// <summary>Per-source statistics kept at most: under a spoofed flood sources beyond this are not tracked one by one.</summary>
    public int MaxSources { get; init; } = 1 << 18;

    /// <summary>Health-monitor candidates (source, destination, port) kept at most.</summary>
    public int MaxProbeSeries { get; init; } = 1 << 14;

    /// <summary>Entries in top-N lists of alerts.</summary>
    public int TopN { get; init; } = 10;

    /// <summary>Distinct sources counted exactly up to this many, then estimated with HyperLogLog.</summary>
    public int DistinctExactCap { get; init; } = 4096;

    /// <summary>The tracker's embryonic timeout: how long an evicted embryonic attempt keeps counting in its victim's gauge.</summary>
    public TimeSpan EmbryonicTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
