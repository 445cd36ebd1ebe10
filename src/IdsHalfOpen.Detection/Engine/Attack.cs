using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>One ongoing attack: a rule whose threshold a key crossed, until the quiet period ends it.</summary>
internal sealed class Attack
{
    // targetSources: the target's own distinct-source counter when it has one. It has been counting since before the
    // threshold was crossed, so the start event already knows how many sources took part.
    public Attack(Rule rule, string id, long startNs, DetectionOptions options, DistinctCounter? targetSources = null)
    {
        Rule = rule;
        Id = id;
        StartNs = startNs;
        LastUpdateNs = startNs;
        SharesSources = targetSources is not null;
        Sources = targetSources ?? new DistinctCounter(options.DistinctExactCap);
        AnsweredSources = new DistinctCounter(options.DistinctExactCap);
        TopSources = new SpaceSaving<UInt128>(Math.Max(options.TopN * 4, 16));
        TopPorts = new SpaceSaving<ushort>(Math.Max(options.TopN * 4, 16));
    }

    /// <summary>Replaced by the engine when the rules are reloaded and this rule carries on.</summary>
    public Rule Rule { get; set; }

    public string Id { get; }

    public long StartNs { get; }

    public long LastUpdateNs;

    /// <summary>When the metric last fell below the clear level (hysteresis), or -1 while it is above.</summary>
    public long BelowSinceNs = -1;

    public int Sequence;

    public UInt128? Source;

    public UInt128? Destination;

    public ushort? Port;

    public double MetricPeak;

    public double LastMetric;

    public long EmbryonicPeak;

    public long LastEmbryonic;

    public double SynRatePeak;

    public double SynRateSum;

    public long SynRateSamples;

    public long Completed;

    public long Answered;

    public long Count;

    public bool Degraded;

    public long Evictions;

    public TtlSummary Ttl;

    /// <summary>Distinct sources: the target's counter (shared, fed by the engine) or the attack's own.</summary>
    public DistinctCounter Sources { get; }

    public bool SharesSources { get; }

    public DistinctCounter AnsweredSources { get; }

    public SpaceSaving<UInt128> TopSources { get; }

    public SpaceSaving<ushort> TopPorts { get; }
}
