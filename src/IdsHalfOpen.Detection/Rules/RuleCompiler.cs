using System.Globalization;
using System.Text.RegularExpressions;

namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// Validates parsed rule files and compiles them into a <see cref="RuleSet"/>. Two passes over all files: first the
/// named networks and allow lists (so a rule may use a name defined in another file), then settings and rules.
/// </summary>
internal sealed partial class RuleCompiler(List<RuleDiagnostic> diagnostics)
{
    private static readonly string[] s_topKeys = ["version", "ruleset", "networks", "allow_lists", "tracker", "health_monitor", "rules"];
    private static readonly string[] s_trackerKeys = ["embryonic_timeout", "unanswered_timeout"];
    private static readonly string[] s_monitorKeys = ["allow", "min_probes", "max_interval", "max_jitter"];
    private static readonly string[] s_ruleKeys =
    [
        "id", "revision", "name", "description", "enabled", "kind", "severity", "track_by", "metric", "threshold",
        "window", "hysteresis", "update_interval", "when", "scope", "allow",
    ];

    private static readonly string[] s_requiredRuleKeys = ["id", "name", "kind", "severity", "track_by", "metric", "threshold"];
    private static readonly string[] s_hysteresisKeys = ["clear_below", "quiet"];
    private static readonly string[] s_whenKeys = ["completion_ratio_below"];
    private static readonly string[] s_scopeKeys = ["sources", "destinations", "ports"];
    private static readonly string[] s_allowKeys = ["sources", "destinations"];

    private readonly List<RuleDiagnostic> _diagnostics = diagnostics;
    private readonly Dictionary<string, NamedSet> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Location> _settingOrigins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Location> _ruleIds = new(StringComparer.Ordinal);
    private readonly List<Rule> _rules = [];
    private TrackerSettings _tracker = TrackerSettings.Default;
    private HealthMonitorSettings _monitor = HealthMonitorSettings.Default;
    private string _file = "";
    private int _errors;

    private readonly record struct Location(string File, int Line, int Column)
    {
        public override string ToString() => $"{File}:{Line}:{Column}";
    }

    private sealed record NamedSet(CidrSet? Set, Location Origin, string Section);

    /// <summary>The compiled set; meaningful only when no error was reported.</summary>
    public RuleSet? Compile(IReadOnlyList<(string Name, string Text)> sources)
    {
        var roots = new List<(string File, YMapping Root)>();
        foreach (var (name, text) in sources)
        {
            _file = name;
            int before = _diagnostics.Count;
            var root = YamlTree.Read(text, name, _diagnostics);
            _errors += _diagnostics.Count - before;
            if (root is null)
            {
                if (_diagnostics.Count == before) Error(1, 1, "empty rule file: expected 'version: 1' and the sections of rules/README.md");
                continue;
            }

            if (root is not YMapping map)
            {
                Error(root, "a rule file is a mapping of version, networks, allow_lists, tracker, health_monitor and rules; got " + root.Describe());
                continue;
            }

            roots.Add((name, map));
            CheckKeys(map, "top level", s_topKeys);
            CheckVersion(map);
            ReadNamedSets(map, "networks");
            ReadNamedSets(map, "allow_lists");
        }

        bool anyRulesKey = false;
        foreach (var (file, root) in roots)
        {
            _file = file;
            if (root.Get("tracker") is { } tracker) ReadTracker(tracker);
            if (root.Get("health_monitor") is { } monitor) ReadHealthMonitor(monitor);
            string ruleset = Path.GetFileNameWithoutExtension(file);
            if (root.Get("ruleset") is { } rs && TryString(rs, "ruleset", out var rsName))
            {
                if (IdPattern().IsMatch(rsName)) ruleset = rsName;
                else Error(rs, $"ruleset name '{rsName}' must be letters, digits, '.', '_', ':' or '-'");
            }

            if (root.GetKey("rules") is { } rulesKey)
            {
                anyRulesKey = true;
                ReadRules(rulesKey, root.Get("rules")!, ruleset);
            }
        }

        if (!anyRulesKey && _rules.Count == 0 && roots.Count > 0)
        {
            _diagnostics.Add(new RuleDiagnostic(roots[0].File, 0, 0, DiagnosticSeverity.Warning, "no rules defined: nothing will be detected"));
        }

        if (_errors > 0) return null;
        return new RuleSet(_rules, _tracker, _monitor, _names.ToDictionary(kv => kv.Key, kv => kv.Value.Set ?? CidrSet.Empty, StringComparer.Ordinal));
    }

    // ---- top level -------------------------------------------------------------------------------------------

    private void CheckVersion(YMapping root)
    {
        var node = root.Get("version");
        if (node is null)
        {
            Error(root, "missing required key 'version' (this sensor reads version: 1)");
            return;
        }

        if (TryInteger(node, "version", out long v) && v != 1) Error(node, $"unsupported version {v}: this sensor reads version 1");
    }

    private void ReadNamedSets(YMapping root, string section)
    {
        if (root.Get(section) is not { } node || IsNull(node)) return;
        if (node is not YMapping map)
        {
            Error(node, $"'{section}' must be a mapping of name: [CIDR, ...]; got {node.Describe()}");
            return;
        }

        foreach (var (key, value) in map.Entries)
        {
            var origin = new Location(_file, key.Line, key.Column);
            if (!NamePattern().IsMatch(key.Value))
            {
                Error(key, $"name '{key.Value}' must start with a letter or '_' and hold only letters, digits, '_' and '-'");
                continue;
            }

            if (_names.TryGetValue(key.Value, out var first))
            {
                Error(key, $"'{key.Value}' is already defined in {first.Section} at {first.Origin}");
                continue;
            }

            // A name that fails to parse is still recorded, so rules using it do not also report "unknown name".
            var set = ReadAddresses(value, $"{section}.{key.Value}", allowNames: false);
            _names[key.Value] = new NamedSet(set, origin, section);
        }
    }

    private void ReadTracker(YNode node)
    {
        if (AsMapping(node, "tracker") is not { } map) return;
        CheckKeys(map, "tracker", s_trackerKeys);
        var t = _tracker;
        if (Setting(map, "tracker", "embryonic_timeout") is { } et && TryPositiveDuration(et, "embryonic_timeout", out long etNs))
        {
            t = t with { EmbryonicTimeoutNs = etNs };
        }

        if (Setting(map, "tracker", "unanswered_timeout") is { } ut && TryPositiveDuration(ut, "unanswered_timeout", out long utNs))
        {
            t = t with { UnansweredTimeoutNs = utNs };
        }

        _tracker = t;
    }

    private void ReadHealthMonitor(YNode node)
    {
        if (AsMapping(node, "health_monitor") is not { } map) return;
        CheckKeys(map, "health_monitor", s_monitorKeys);
        var h = _monitor;
        if (Setting(map, "health_monitor", "allow") is { } allow && ReadAddresses(allow, "allow", allowNames: true) is { } set)
        {
            h = h with { Allow = set };
        }

        if (Setting(map, "health_monitor", "min_probes") is { } mp && TryInteger(mp, "min_probes", out long probes))
        {
            if (probes < 2 || probes > 1_000_000) Error(mp, $"min_probes must be 2..1000000 (a period needs at least two probes); got {probes}");
            else h = h with { MinProbes = (int)probes };
        }

        if (Setting(map, "health_monitor", "max_interval") is { } mi && TryPositiveDuration(mi, "max_interval", out long miNs))
        {
            h = h with { MaxIntervalNs = miNs };
        }

        if (Setting(map, "health_monitor", "max_jitter") is { } mj && TryNumber(mj, "max_jitter", out double jitter))
        {
            if (jitter is < 0 or > 1) Error(mj, $"max_jitter is a relative spread and must be 0..1; got {Fmt(jitter)}");
            else h = h with { MaxJitter = jitter };
        }

        _monitor = h;
    }

    /// <summary>A tracker/health_monitor key, which may be set in one file only.</summary>
    private YNode? Setting(YMapping map, string section, string key)
    {
        var k = map.GetKey(key);
        if (k is null) return null;
        string full = section + "." + key;
        if (_settingOrigins.TryGetValue(full, out var first))
        {
            Error(k, $"{full} is already set at {first}");
            return null;
        }

        _settingOrigins[full] = new Location(_file, k.Line, k.Column);
        return map.Get(key);
    }

    // ---- rules -------------------------------------------------------------------------------------------------

    private void ReadRules(YScalar key, YNode node, string ruleset)
    {
        if (IsNull(node) || node is YSequence { Items.Count: 0 })
        {
            Warning(key, "empty rules list: this file defines no rules");
            return;
        }

        if (node is not YSequence seq)
        {
            Error(node, "'rules' must be a list of rules; got " + node.Describe());
            return;
        }

        foreach (var item in seq.Items) ReadRule(item, ruleset);
    }

    private void ReadRule(YNode node, string ruleset)
    {
        if (node is not YMapping m)
        {
            Error(node, "each rule is a mapping (id, name, kind, ...); got " + node.Describe());
            return;
        }

        int errorsBefore = _errors;
        CheckKeys(m, "rule", s_ruleKeys);
        foreach (var required in s_requiredRuleKeys)
        {
            if (m.Get(required) is null) Error(m, $"rule is missing required key '{required}'");
        }

        string id = "";
        if (m.Get("id") is { } idNode && TryString(idNode, "id", out id))
        {
            if (!IdPattern().IsMatch(id))
            {
                Error(idNode, $"rule id '{id}' must start with a letter or digit and hold only letters, digits, '.', '_', ':' and '-' (at most 64)");
            }
            else if (_ruleIds.TryGetValue(id, out var first))
            {
                Error(idNode, $"duplicate rule id '{id}' (first defined at {first})");
            }
            else
            {
                _ruleIds[id] = new Location(_file, idNode.Line, idNode.Column);
            }
        }

        long revision = 1;
        if (m.Get("revision") is { } revNode && TryInteger(revNode, "revision", out revision) && revision is < 1 or > int.MaxValue)
        {
            Error(revNode, $"revision must be a positive integer; got {revision}");
        }

        string name = "";
        if (m.Get("name") is { } nameNode && TryString(nameNode, "name", out name) && string.IsNullOrWhiteSpace(name))
        {
            Error(nameNode, "name must not be empty");
        }

        string description = "";
        if (m.Get("description") is { } descNode) TryString(descNode, "description", out description);

        bool enabled = true;
        if (m.Get("enabled") is { } enNode) TryBool(enNode, "enabled", out enabled);

        var kindNode = m.Get("kind");
        bool hasKind = TryEnum(kindNode, "kind", RuleNames.RuleKinds, k => k.Name(), out var kind);
        bool hasSeverity = TryEnum(m.Get("severity"), "severity", RuleNames.Severities, s => s.Name(), out var severity);
        var trackNode = m.Get("track_by");
        bool hasTrack = TryEnum(trackNode, "track_by", RuleNames.TrackBys, t => t.Name(), out var trackBy);
        var metricNode = m.Get("metric");
        bool hasMetric = TryEnum(metricNode, "metric", RuleNames.Metrics, x => x.Name(), out var metric);

        double threshold = 0;
        bool hasThreshold = false;
        if (m.Get("threshold") is { } thNode && TryNumber(thNode, "threshold", out threshold))
        {
            if (threshold <= 0) Error(thNode, $"threshold must be greater than 0; got {Fmt(threshold)}");
            else hasThreshold = true;
        }

        long windowNs = 0;
        var windowKey = m.GetKey("window");
        if (windowKey is not null) TryPositiveDuration(m.Get("window")!, "window", out windowNs);

        long updateNs = 10 * DurationParser.NanosecondsPerSecond;
        if (m.Get("update_interval") is { } upNode) TryPositiveDuration(upNode, "update_interval", out updateNs);

        // Hysteresis defaults: clear below half the threshold, quiet for 30 s (F5 waits 30-60 s before switching SYN cookies off).
        double clearBelow = hasThreshold ? threshold / 2 : 0;
        long quietNs = 30 * DurationParser.NanosecondsPerSecond;
        if (m.Get("hysteresis") is { } hyNode && AsMapping(hyNode, "hysteresis") is { } hy)
        {
            CheckKeys(hy, "hysteresis", s_hysteresisKeys);
            if (hy.Get("clear_below") is { } cbNode && TryNumber(cbNode, "clear_below", out double cb))
            {
                if (cb < 0) Error(cbNode, $"clear_below must not be negative; got {Fmt(cb)}");
                else if (hasThreshold && cb >= threshold) Error(cbNode, $"clear_below ({Fmt(cb)}) must be below threshold ({Fmt(threshold)})");
                else clearBelow = cb;
            }

            if (hy.Get("quiet") is { } qNode && TryDuration(qNode, "quiet", out long q)) quietNs = q;
        }

        double? ratioBelow = null;
        var whenNode = m.Get("when");
        if (whenNode is not null && AsMapping(whenNode, "when") is { } when)
        {
            CheckKeys(when, "when", s_whenKeys);
            if (when.Get("completion_ratio_below") is { } crNode && TryNumber(crNode, "completion_ratio_below", out double cr))
            {
                if (cr is <= 0 or > 1) Error(crNode, $"completion_ratio_below is a ratio and must be in (0, 1]; got {Fmt(cr)}");
                else if (hasKind && kind is AlertKind.Backscatter or AlertKind.HealthMonitor or AlertKind.HandshakeAnomaly)
                {
                    Error(when.GetKey("completion_ratio_below")!, $"completion_ratio_below does not apply to kind '{kind.Name()}' (it has no completed attempts to count)");
                }
                else
                {
                    ratioBelow = cr;
                }
            }
        }

        var scope = RuleScope.Any;
        if (m.Get("scope") is { } scNode && AsMapping(scNode, "scope") is { } sc)
        {
            CheckKeys(sc, "scope", s_scopeKeys);
            scope = new RuleScope
            {
                Sources = sc.Get("sources") is { } s ? ReadAddresses(s, "sources", allowNames: true) ?? CidrSet.Empty : CidrSet.Empty,
                Destinations = sc.Get("destinations") is { } d ? ReadAddresses(d, "destinations", allowNames: true) ?? CidrSet.Empty : CidrSet.Empty,
                Ports = sc.Get("ports") is { } p ? ReadPorts(p) : PortSet.Empty,
            };
        }

        var allow = RuleAllow.None;
        if (m.Get("allow") is { } alNode && AsMapping(alNode, "allow") is { } al)
        {
            CheckKeys(al, "allow", s_allowKeys);
            allow = new RuleAllow
            {
                Sources = al.Get("sources") is { } s ? ReadAddresses(s, "sources", allowNames: true) ?? CidrSet.Empty : CidrSet.Empty,
                Destinations = al.Get("destinations") is { } d ? ReadAddresses(d, "destinations", allowNames: true) ?? CidrSet.Empty : CidrSet.Empty,
            };
        }

        if (hasKind && hasMetric) CheckKindMetric(kind, metric, metricNode!);
        if (hasMetric && hasTrack) CheckTracking(hasKind ? kind : null, metric, trackBy, trackNode!);
        if (hasMetric)
        {
            if (metric.IsGauge() && windowKey is not null)
            {
                Error(windowKey, $"metric '{metric.Name()}' is a live gauge and takes no window");
            }
            else if (!metric.IsGauge() && windowKey is null)
            {
                Error(metricNode!, $"metric '{metric.Name()}' is counted over a sliding window: add 'window' (e.g. window: 10s)");
            }
        }

        if (_errors != errorsBefore) return;
        _rules.Add(new Rule
        {
            Id = id,
            Revision = (int)revision,
            Name = name,
            Description = description.Trim(),
            Enabled = enabled,
            Kind = kind,
            Severity = severity,
            TrackBy = trackBy,
            Metric = metric,
            Threshold = threshold,
            WindowNs = windowNs,
            ClearBelow = clearBelow,
            QuietNs = quietNs,
            UpdateIntervalNs = updateNs,
            CompletionRatioBelow = ratioBelow,
            Scope = scope,
            Allow = allow,
            Info = new RuleInfo(id, (int)revision, name, severity, ruleset),
            Origin = $"{_file}:{m.Line}",
        });
    }

    /// <summary>The metrics that make sense for each kind.</summary>
    internal static RuleMetric[] MetricsFor(AlertKind kind) => kind switch
    {
        AlertKind.SynFlood => [RuleMetric.Embryonic, RuleMetric.SynRate, RuleMetric.SynAckRate],
        AlertKind.EmbryonicSource => [RuleMetric.Embryonic, RuleMetric.SynRate],
        AlertKind.GlobalEmbryonic => [RuleMetric.Embryonic, RuleMetric.SynRate, RuleMetric.SynAckRate],
        AlertKind.PortScan => [RuleMetric.HalfOpenPorts, RuleMetric.HalfOpenHosts],
        AlertKind.Backscatter => [RuleMetric.Backscatter],
        AlertKind.HealthMonitor => [RuleMetric.PeriodicProbes],
        AlertKind.HandshakeAnomaly => [RuleMetric.Anomalies],
        _ => [],
    };

    /// <summary>The tracking keys that make sense for each kind.</summary>
    internal static TrackBy[] TrackingFor(AlertKind kind) => kind switch
    {
        AlertKind.SynFlood => [TrackBy.Destination, TrackBy.DestinationPort],
        AlertKind.EmbryonicSource => [TrackBy.Source],
        AlertKind.GlobalEmbryonic => [TrackBy.Global],
        AlertKind.PortScan => [TrackBy.Source],
        AlertKind.Backscatter => [TrackBy.Destination, TrackBy.Source, TrackBy.Global],
        AlertKind.HealthMonitor => [TrackBy.Source],
        AlertKind.HandshakeAnomaly => [TrackBy.Source, TrackBy.Destination, TrackBy.DestinationPort, TrackBy.Global],
        _ => [],
    };

    private void CheckKindMetric(AlertKind kind, RuleMetric metric, YNode metricNode)
    {
        var allowed = MetricsFor(kind);
        if (Array.IndexOf(allowed, metric) < 0)
        {
            Error(metricNode, $"metric '{metric.Name()}' does not fit kind '{kind.Name()}': use {OneOf(allowed.Select(x => x.Name()))}");
        }
    }

    private void CheckTracking(AlertKind? kind, RuleMetric metric, TrackBy trackBy, YNode trackNode)
    {
        // Metric-specific constraints first: their message is more precise than the kind's.
        if (metric is RuleMetric.HalfOpenPorts or RuleMetric.HalfOpenHosts or RuleMetric.PeriodicProbes)
        {
            if (trackBy != TrackBy.Source)
            {
                Error(trackNode, $"metric '{metric.Name()}' counts what one source does: track_by must be 'source', not '{trackBy.Name()}'");
            }

            return;
        }

        if (kind is not { } k) return;
        var allowed = TrackingFor(k);
        if (Array.IndexOf(allowed, trackBy) < 0)
        {
            Error(trackNode, $"kind '{k.Name()}' cannot be tracked by '{trackBy.Name()}': use {OneOf(allowed.Select(x => x.Name()))}");
        }
    }

    // ---- addresses and ports -----------------------------------------------------------------------------------

    /// <summary>A list of CIDRs (and, where allowed, names of networks/allow lists); a single item may stand alone. Null on error.</summary>
    private CidrSet? ReadAddresses(YNode node, string key, bool allowNames)
    {
        if (IsNull(node)) return CidrSet.Empty;
        IEnumerable<YNode> items = node switch
        {
            YSequence seq => seq.Items,
            YScalar => [node],
            _ => [],
        };
        if (node is YMapping)
        {
            Error(node, $"'{key}' must be a list of {(allowNames ? "CIDRs or names" : "CIDRs")}; got a mapping");
            return null;
        }

        var cidrs = new List<Cidr>();
        bool ok = true;
        foreach (var item in items)
        {
            if (item is not YScalar s || s.IsNull)
            {
                Error(item, $"'{key}' items must be {(allowNames ? "CIDRs or names" : "CIDRs")}; got {item.Describe()}");
                ok = false;
                continue;
            }

            string text = s.Value.Trim();
            bool looksLikeAddress = text.Length > 0 && (char.IsAsciiDigit(text[0]) || text.Contains(':', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal));
            if (!looksLikeAddress)
            {
                if (!allowNames)
                {
                    Error(s, $"'{text}' is not a CIDR (names can be used in scopes and allow lists, not in definitions)");
                    ok = false;
                }
                else if (_names.TryGetValue(text, out var named))
                {
                    if (named.Set is null) ok = false; // its own error was reported where it is defined
                    else cidrs.AddRange(named.Set.Cidrs);
                }
                else
                {
                    string hint = DidYouMean(text, _names.Keys);
                    Error(s, _names.Count == 0
                        ? $"unknown network or allow list '{text}' (none is defined)"
                        : $"unknown network or allow list '{text}'{hint}");
                    ok = false;
                }

                continue;
            }

            if (!Cidr.TryParse(text, out var cidr, out bool hostBits, out string error))
            {
                Error(s, error);
                ok = false;
                continue;
            }

            if (hostBits) Warning(s, $"host bits set in '{text}': using {cidr}");
            cidrs.Add(cidr);
        }

        return ok ? CidrSet.Create(cidrs) : null;
    }

    private PortSet ReadPorts(YNode node)
    {
        if (IsNull(node)) return PortSet.Empty;
        if (node is not YSequence seq)
        {
            Error(node, "'ports' must be a list of ports and ranges, e.g. [80, 443, \"8000-8100\"]; got " + node.Describe());
            return PortSet.Empty;
        }

        var ranges = new List<(ushort, ushort)>();
        foreach (var item in seq.Items)
        {
            if (item is not YScalar s || s.IsNull)
            {
                Error(item, $"'ports' items must be ports (0..65535) or ranges \"low-high\"; got {item.Describe()}");
            }
            else if (TryPortRange(s.Value.Trim(), out ushort low, out ushort high, out string? problem))
            {
                ranges.Add((low, high));
            }
            else
            {
                Error(item, $"bad port '{s.Value}': {problem}");
            }
        }

        return PortSet.Create(ranges);
    }

    private static bool TryPortRange(string text, out ushort low, out ushort high, out string? problem)
    {
        low = high = 0;
        problem = null;
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        string a = dash < 0 ? text : text[..dash];
        string b = dash < 0 ? text : text[(dash + 1)..];
        if (!TryPort(a, out low) || !TryPort(b, out high))
        {
            problem = "expected a port 0..65535 or a range \"low-high\"";
            return false;
        }

        if (low > high)
        {
            problem = $"range is reversed (did you mean \"{high}-{low}\"?)";
            return false;
        }

        return true;

        static bool TryPort(string s, out ushort port) =>
            ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && s.Length > 0 && s.All(char.IsAsciiDigit);
    }

    // ---- typed scalars -----------------------------------------------------------------------------------------

    private YMapping? AsMapping(YNode node, string key)
    {
        if (node is YMapping m) return m;
        if (IsNull(node)) return new YMapping(node.Line, node.Column);
        Error(node, $"'{key}' must be a mapping; got {node.Describe()}");
        return null;
    }

    private bool TryString(YNode node, string key, out string value)
    {
        value = "";
        if (node is YScalar s && !s.IsNull)
        {
            value = s.Value;
            return true;
        }

        Error(node, $"'{key}' must be a string; got {node.Describe()}");
        return false;
    }

    private bool TryInteger(YNode node, string key, out long value)
    {
        value = 0;
        if (node is YScalar { IsPlain: true } s && long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return true;
        Error(node, $"'{key}' must be an integer; got {node.Describe()}");
        return false;
    }

    private bool TryNumber(YNode node, string key, out double value)
    {
        value = 0;
        if (node is YScalar { IsPlain: true } s
            && double.TryParse(s.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value))
        {
            return true;
        }

        Error(node, $"'{key}' must be a number; got {node.Describe()}");
        return false;
    }

    private bool TryBool(YNode node, string key, out bool value)
    {
        value = false;
        if (node is YScalar { IsPlain: true } s)
        {
            switch (s.Value)
            {
                case "true" or "True" or "TRUE":
                    value = true;
                    return true;
                case "false" or "False" or "FALSE":
                    return true;
                case "yes" or "no" or "on" or "off" or "Yes" or "No" or "On" or "Off" or "y" or "n":
                    Error(node, $"'{key}' must be true or false; '{s.Value}' is a YAML 1.1 boolean this loader does not read");
                    return false;
            }
        }

        Error(node, $"'{key}' must be true or false; got {node.Describe()}");
        return false;
    }

    private bool TryDuration(YNode node, string key, out long nanoseconds)
    {
        nanoseconds = 0;
        if (node is YScalar s && !s.IsNull && DurationParser.TryParse(s.Value.Trim(), out nanoseconds)) return true;
        Error(node, $"'{key}' must be a duration such as 250ms, 30s, 5m, 1h or a number of seconds; got {node.Describe()}");
        return false;
    }

    private bool TryPositiveDuration(YNode node, string key, out long nanoseconds)
    {
        if (!TryDuration(node, key, out nanoseconds)) return false;
        if (nanoseconds > 0) return true;
        Error(node, $"'{key}' must be longer than 0");
        return false;
    }

    private bool TryEnum<T>(YNode? node, string key, IReadOnlyList<T> values, Func<T, string> name, out T value)
    {
        value = default!;
        if (node is null) return false; // reported as missing
        var names = values.Select(name).ToList();
        if (node is YScalar s && !s.IsNull)
        {
            int i = names.IndexOf(s.Value);
            if (i >= 0)
            {
                value = values[i];
                return true;
            }

            Error(node, $"invalid {key} '{s.Value}': expected {OneOf(names)}{DidYouMean(s.Value, names)}");
            return false;
        }

        Error(node, $"'{key}' must be {OneOf(names)}; got {node.Describe()}");
        return false;
    }

    private static bool IsNull(YNode node) => node is YScalar { IsNull: true };

    // ---- keys and messages -------------------------------------------------------------------------------------

    private void CheckKeys(YMapping map, string where, string[] allowed)
    {
        foreach (var (key, _) in map.Entries)
        {
            if (Array.IndexOf(allowed, key.Value) >= 0) continue;
            string hint = DidYouMean(key.Value, allowed);
            Error(key, hint.Length > 0
                ? $"unknown key '{key.Value}' in {where}{hint}"
                : $"unknown key '{key.Value}' in {where}; expected {OneOf(allowed)}");
        }
    }

    /// <summary>", did you mean 'x'?" for the closest candidate within a small edit distance, else "".</summary>
    internal static string DidYouMean(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = string.Equals(c, text, StringComparison.OrdinalIgnoreCase) ? 0 : EditDistance(text.Replace('-', '_'), c.Replace('-', '_'));
            if (c != text && (d == 0 || (d < bestDistance && d <= Math.Max(1, Math.Min(3, c.Length / 3)))))
            {
                best = c;
                bestDistance = d;
                if (d == 0) break;
            }
        }

        return best is null ? "" : $" (did you mean '{best}'?)";
    }

    private static int EditDistance(string a, string b)
    {
        // Optimal string alignment: insertions, deletions, substitutions and adjacent transpositions cost 1.
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }

        return d[a.Length, b.Length];
    }

    private static string OneOf(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? $"'{list[0]}'" : "one of " + string.Join(", ", list);
    }

    private static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private void Error(YNode node, string message) => Error(node.Line, node.Column, message);

    private void Error(int line, int column, string message)
    {
        _errors++;
        _diagnostics.Add(new RuleDiagnostic(_file, line, column, DiagnosticSeverity.Error, message));
    }

    private void Warning(YNode node, string message) =>
        _diagnostics.Add(new RuleDiagnostic(_file, node.Line, node.Column, DiagnosticSeverity.Warning, message));

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex NamePattern();
}
