namespace IdsHalfOpen.Detection.Rules;

/// <summary>Where a rule applies. Every empty part matches anything.</summary>
public sealed class RuleScope
{
    public static RuleScope Any { get; } = new();

    public CidrSet Sources { get; init; } = CidrSet.Empty;

    public CidrSet Destinations { get; init; } = CidrSet.Empty;

    public PortSet Ports { get; init; } = PortSet.Empty;

    public bool IsAny => Sources.IsEmpty && Destinations.IsEmpty && Ports.IsEmpty;

    public bool Matches(UInt128 source, UInt128 destination, ushort destinationPort) =>
        Sources.MatchesOrAny(source) && Destinations.MatchesOrAny(destination) && Ports.MatchesOrAny(destinationPort);
}

/// <summary>Traffic a rule ignores: from an allowed source or to an allowed destination. Empty parts allow nothing.</summary>
public sealed class RuleAllow
{
    public static RuleAllow None { get; } = new();

    public CidrSet Sources { get; init; } = CidrSet.Empty;

    public CidrSet Destinations { get; init; } = CidrSet.Empty;

    public bool IsNone => Sources.IsEmpty && Destinations.IsEmpty;

    public bool IsAllowed(UInt128 source, UInt128 destination) => Sources.Contains(source) || Destinations.Contains(destination);
}

/// <summary>
/// One compiled detection rule: immutable, every field typed. Durations are nanoseconds of packet time
/// (<c>…Ns</c>), with <see cref="TimeSpan"/> views for display.
/// </summary>
public sealed class Rule
{
    public required string Id { get; init; }

    public int Revision { get; init; } = 1;

    public required string Name { get; init; }

    public string Description { get; init; } = "";

    public bool Enabled { get; init; } = true;

    public required AlertKind Kind { get; init; }

    public required Severity Severity { get; init; }

    public required TrackBy TrackBy { get; init; }

    public required RuleMetric Metric { get; init; }

    /// <summary>Raise when the metric reaches this value (a gauge value, a count in the window, or a per-second rate).</summary>
    public required double Threshold { get; init; }

    /// <summary>Sliding window of count and rate metrics; 0 for gauges.</summary>
    public long WindowNs { get; init; }

    /// <summary>Hysteresis: the attack may end once the metric stays below this for <see cref="QuietNs"/>.</summary>
    public required double ClearBelow { get; init; }

    public long QuietNs { get; init; } = 30 * DurationParser.NanosecondsPerSecond;

    /// <summary>Period of update events while an attack lasts.</summary>
    public long UpdateIntervalNs { get; init; } = 10 * DurationParser.NanosecondsPerSecond;

    /// <summary>
    /// Extra condition: raise only while completed / answered attempts is below this. Null: no condition.
    /// With nothing answered yet the ratio is undefined and the condition holds (a spoofed flood answers nothing).
    /// </summary>
    public double? CompletionRatioBelow { get; init; }

    public RuleScope Scope { get; init; } = RuleScope.Any;

    public RuleAllow Allow { get; init; } = RuleAllow.None;

    /// <summary>What alerts carry about the rule.</summary>
    public required RuleInfo Info { get; init; }

    /// <summary>Where the rule was defined, "file:line", for messages.</summary>
    public string Origin { get; init; } = "";

    public TimeSpan Window => DurationParser.ToTimeSpan(WindowNs);

    public TimeSpan Quiet => DurationParser.ToTimeSpan(QuietNs);

    public TimeSpan UpdateInterval => DurationParser.ToTimeSpan(UpdateIntervalNs);

    /// <summary>In scope and not allow-listed.</summary>
    public bool Applies(UInt128 source, UInt128 destination, ushort destinationPort) =>
        Scope.Matches(source, destination, destinationPort) && !Allow.IsAllowed(source, destination);

    public override string ToString() => $"{Id} r{Revision} {Kind.Name()} {Metric.Name()}/{TrackBy.Name()} >= {Threshold}";
}
