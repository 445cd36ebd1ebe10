using System.Collections.Frozen;

namespace IdsHalfOpen.Detection.Rules;

/// <summary>Policy knobs of the handshake tracker.</summary>
public sealed record TrackerSettings
{
    public static TrackerSettings Default { get; } = new();

    /// <summary>An embryonic attempt with no final ACK for this long becomes embryonic-timeout (Cisco ASA, Snort 3: 30 s).</summary>
    public long EmbryonicTimeoutNs { get; init; } = 30 * DurationParser.NanosecondsPerSecond;

    /// <summary>A SYN nothing answered for this long becomes unanswered.</summary>
    public long UnansweredTimeoutNs { get; init; } = 30 * DurationParser.NanosecondsPerSecond;

    public TimeSpan EmbryonicTimeout => DurationParser.ToTimeSpan(EmbryonicTimeoutNs);

    public TimeSpan UnansweredTimeout => DurationParser.ToTimeSpan(UnansweredTimeoutNs);
}

/// <summary>Recognition of periodic fixed-source half-open probes (F5 tcp_half_open and the like).</summary>
public sealed record HealthMonitorSettings
{
    public static HealthMonitorSettings Default { get; } = new();

    /// <summary>Known monitor sources: their traffic never raises scan or flood alerts.</summary>
    public CidrSet Allow { get; init; } = CidrSet.Empty;

    /// <summary>Probes per (source, destination:port) before the series may be classified as periodic.</summary>
    public int MinProbes { get; init; } = 4;

    /// <summary>Longest interval between probes of one series.</summary>
    public long MaxIntervalNs { get; init; } = 60 * DurationParser.NanosecondsPerSecond;

    /// <summary>Largest relative spread of the probe interval ((max - min) / mean) that still counts as periodic.</summary>
    public double MaxJitter { get; init; } = 0.25;

    public TimeSpan MaxInterval => DurationParser.ToTimeSpan(MaxIntervalNs);
}

/// <summary>A loaded, validated rule set: what the detection engine runs.</summary>
public sealed class RuleSet
{
    private static readonly Lazy<RuleSet> s_default = new(LoadDefault);
    private static readonly Lazy<string> s_defaultYaml = new(ReadDefaultYaml);

    public RuleSet(IEnumerable<Rule> rules, TrackerSettings? tracker = null, HealthMonitorSettings? healthMonitor = null,
        IReadOnlyDictionary<string, CidrSet>? networks = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = [.. rules];
        EnabledRules = [.. Rules.Where(r => r.Enabled)];
        Tracker = tracker ?? TrackerSettings.Default;
        HealthMonitor = healthMonitor ?? HealthMonitorSettings.Default;
        Networks = (networks ?? new Dictionary<string, CidrSet>()).ToFrozenDictionary(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in Rules)
        {
            if (!ids.Add(r.Id)) throw new ArgumentException($"duplicate rule id '{r.Id}'", nameof(rules));
        }
    }

    /// <summary>The built-in rules: an embedded copy of rules/default.yaml.</summary>
    public static RuleSet Default => s_default.Value;

    /// <summary>Text of the embedded rules/default.yaml.</summary>
    public static string DefaultYaml => s_defaultYaml.Value;

    /// <summary>Every rule, enabled or not, in file order.</summary>
    public IReadOnlyList<Rule> Rules { get; }

    public IReadOnlyList<Rule> EnabledRules { get; }

    public TrackerSettings Tracker { get; }

    public HealthMonitorSettings HealthMonitor { get; }

    /// <summary>Named networks and allow lists, by name.</summary>
    public IReadOnlyDictionary<string, CidrSet> Networks { get; }

    public Rule? Find(string id) => Rules.FirstOrDefault(r => r.Id == id);

    private static string ReadDefaultYaml()
    {
        using var stream = typeof(RuleSet).Assembly.GetManifestResourceStream("default.yaml")
            ?? throw new InvalidOperationException("embedded resource default.yaml is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static RuleSet LoadDefault()
    {
        var result = RuleLoader.Parse(DefaultYaml, "default.yaml");
        return result.RuleSet ?? throw new InvalidOperationException(
            "embedded default.yaml does not load: " + string.Join("; ", result.Diagnostics));
    }
}
