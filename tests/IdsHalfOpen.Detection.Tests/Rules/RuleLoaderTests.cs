using IdsHalfOpen.Detection.Rules;

namespace IdsHalfOpen.Detection.Tests.Rules;

/// <summary>
/// Every class of error at its exact position. The YAML is inline; positions are 1-based and were counted by hand
/// (a rule's keys start in column 5, after "  - " or four spaces).
/// </summary>
public class RuleLoaderTests
{
    private const string File = "test.yaml";

    // Lines 3..9; a valid rule whose keys tests replace or extend.
    private const string Valid = """
        version: 1
        rules:
          - id: R-1
            name: test rule
            kind: syn-flood
            severity: high
            track_by: destination-port
            metric: embryonic
            threshold: 10

        """;

    private static RuleLoadResult Load(string yaml) => RuleLoader.Parse(yaml, File);

    private static RuleDiagnostic Single(RuleLoadResult result)
    {
        Assert.False(result.Success);
        Assert.Null(result.RuleSet);
        return Assert.Single(result.Diagnostics);
    }

    private static void AssertAt(RuleDiagnostic d, int line, int column, string messagePart, DiagnosticSeverity severity = DiagnosticSeverity.Error)
    {
        Assert.Equal(File, d.File);
        Assert.Equal((line, column), (d.Line, d.Column));
        Assert.Equal(severity, d.Severity);
        Assert.Contains(messagePart, d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ValidRule_CompilesAllFieldsWithDefaults()
    {
        var result = Load(Valid);
        Assert.True(result.Success);
        Assert.Empty(result.Diagnostics);
        var rule = Assert.Single(result.RuleSet!.Rules);
        Assert.Equal("R-1", rule.Id);
        Assert.Equal(1, rule.Revision);
        Assert.True(rule.Enabled);
        Assert.Equal(AlertKind.SynFlood, rule.Kind);
        Assert.Equal(Severity.High, rule.Severity);
        Assert.Equal(TrackBy.DestinationPort, rule.TrackBy);
        Assert.Equal(RuleMetric.Embryonic, rule.Metric);
        Assert.Equal(10, rule.Threshold);
        Assert.Equal(5, rule.ClearBelow);
        Assert.Equal(TimeSpan.FromSeconds(30), rule.Quiet);
        Assert.Equal(TimeSpan.FromSeconds(10), rule.UpdateInterval);
        Assert.Equal(0, rule.WindowNs);
        Assert.Null(rule.CompletionRatioBelow);
        Assert.True(rule.Scope.IsAny);
        Assert.True(rule.Allow.IsNone);
        Assert.Equal(new RuleInfo("R-1", 1, "test rule", Severity.High, "test"), rule.Info);
        Assert.Equal("test.yaml:3", rule.Origin);
    }

    [Fact]
    public void Parse_FullRule_CompilesScopeAllowAndSettings()
    {
        const string yaml = """
            version: 1
            ruleset: site
            networks:
              inside: [10.0.0.0/8, 2001:db8::/32]
            allow_lists:
              monitors: [192.0.2.250/32]
            tracker: { embryonic_timeout: 45s, unanswered_timeout: 2.5 }
            health_monitor: { allow: [monitors], min_probes: 6, max_interval: 2m, max_jitter: 0.1 }
            rules:
              - id: R-2
                revision: 3
                name: rate
                description: some text
                enabled: false
                kind: syn-flood
                severity: critical
                track_by: destination
                metric: syn-rate
                threshold: 200.5
                window: 1500ms
                hysteresis: { clear_below: 20, quiet: 1m }
                update_interval: 5s
                when: { completion_ratio_below: 0.25 }
                scope: { sources: [0.0.0.0/0], destinations: [inside], ports: [80, "8000-8100"] }
                allow: { sources: [monitors], destinations: [10.9.9.9] }
            """;
        var result = Load(yaml);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var set = result.RuleSet!;
        Assert.Equal(TimeSpan.FromSeconds(45), set.Tracker.EmbryonicTimeout);
        Assert.Equal(2_500_000_000, set.Tracker.UnansweredTimeoutNs);
        Assert.Equal(6, set.HealthMonitor.MinProbes);
        Assert.Equal(TimeSpan.FromMinutes(2), set.HealthMonitor.MaxInterval);
        Assert.Equal(0.1, set.HealthMonitor.MaxJitter);
        Assert.True(set.HealthMonitor.Allow.Contains(Cidr.Parse("192.0.2.250").Network));
        Assert.Equal(2, set.Networks.Count);
        var rule = Assert.Single(set.Rules);
        Assert.Empty(set.EnabledRules);
        Assert.False(rule.Enabled);
        Assert.Equal(3, rule.Revision);
        Assert.Equal("site", rule.Info.Ruleset);
        Assert.Equal(200.5, rule.Threshold);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), rule.Window);
        Assert.Equal(20, rule.ClearBelow);
        Assert.Equal(TimeSpan.FromMinutes(1), rule.Quiet);
        Assert.Equal(0.25, rule.CompletionRatioBelow);
        UInt128 inside = Cidr.Parse("10.1.1.1").Network, outside = Cidr.Parse("11.1.1.1").Network;
        UInt128 v6Inside = Cidr.Parse("2001:db8::5").Network, monitor = Cidr.Parse("192.0.2.250").Network;
        Assert.True(rule.Applies(outside, inside, 80));
        Assert.True(rule.Applies(outside, inside, 8050));
        Assert.False(rule.Applies(outside, inside, 443));
        Assert.False(rule.Applies(outside, outside, 80));
        Assert.False(rule.Applies(v6Inside, v6Inside, 80)); // sources: 0.0.0.0/0 is IPv4 only
        Assert.False(rule.Applies(monitor, inside, 80));
        Assert.False(rule.Applies(outside, Cidr.Parse("10.9.9.9").Network, 80));
    }

    [Fact]
    public void Parse_UnclosedFlowList_ReportsWhereItOpens()
    {
        //        123456789
        // line 3 "  - id: [R-1"
        var d = Single(Load("version: 1\nrules:\n  - id: [R-1\n    name: x\n"));
        AssertAt(d, 3, 9, "YAML syntax: this list or mapping is never closed");
    }

    [Fact]
    public void Parse_UnclosedListInBlockList_ReportsLastParsedPosition()
    {
        // YamlDotNet 16.3 fails without a mark before it reports the '[' of line 4, so the best position is the end
        // of the last node it produced: after "a" on line 3 "  a:" (column 4).
        var d = Single(Load("version: 1\nnetworks:\n  a:\n  - [x, y\n  - z\n"));
        AssertAt(d, 3, 4, "YAML syntax: cannot parse past this point (an unclosed '[' or '{' further on?)");
    }

    [Fact]
    public void Parse_UnclosedFlowListAtEnd_ReportsYamlDotNetMark()
    {
        // YamlDotNet reports where it expected ',' or ']': the end of the input, line 3 column 1.
        var d = Single(Load("version: 1\na: [1, 2\n"));
        AssertAt(d, 3, 1, "YAML syntax: While parsing a flow sequence, did not find expected ',' or ']'.");
    }

    [Fact]
    public void Parse_BadIndentation_ReportsYamlMarkWithoutRepeatingIt()
    {
        // line 4 "  unanswered_timeout" is indented less than the mapping above it but more than the top level.
        var d = Single(Load("version: 1\ntracker:\n    embryonic_timeout: 30s\n  unanswered_timeout: 30s\n"));
        Assert.StartsWith("YAML syntax: ", d.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Line:", d.Message, StringComparison.Ordinal);
        Assert.Equal(4, d.Line);
    }

    [Fact]
    public void Parse_MappingValueInScalar_ReportsPositionOfColon()
    {
        //        123456789012
        // line 2 "name: a: b"
        var d = Single(Load("version: 1\nname: a: b\n"));
        AssertAt(d, 2, 8, "YAML syntax");
    }

    [Fact]
    public void Parse_UnknownKey_SuggestsClosestSpelling()
    {
        var d = Single(Load(Valid + "    treshold: 5\n"));
        AssertAt(d, 10, 5, "unknown key 'treshold' in rule (did you mean 'threshold'?)");
    }

    [Fact]
    public void Parse_UnknownTopLevelKeyFarFromAll_ListsExpectedKeys()
    {
        var d = Single(Load("version: 1\nbanana: 3\nrules:\n" + Valid[Valid.IndexOf("  - id", StringComparison.Ordinal)..]));
        AssertAt(d, 2, 1, "unknown key 'banana' in top level; expected one of version, ruleset, networks");
    }

    [Fact]
    public void Parse_KeyWithWrongCase_ReportsUnknownAndMissing()
    {
        var result = Load(Valid.Replace("    kind:", "    Kind:", StringComparison.Ordinal));
        Assert.False(result.Success);
        Assert.Equal(2, result.Diagnostics.Count);
        AssertAt(result.Diagnostics[0], 3, 5, "rule is missing required key 'kind'");
        AssertAt(result.Diagnostics[1], 5, 5, "unknown key 'Kind' in rule (did you mean 'kind'?)");
    }

    [Fact]
    public void Parse_MissingRequiredKey_ReportsAtRuleStart()
    {
        var d = Single(Load(Valid.Replace("    threshold: 10\n", "", StringComparison.Ordinal)));
        AssertAt(d, 3, 5, "rule is missing required key 'threshold'");
    }

    [Fact]
    public void Parse_MissingVersion_ReportsAtRoot()
    {
        var d = Single(Load(Valid.Replace("version: 1\n", "", StringComparison.Ordinal)));
        AssertAt(d, 1, 1, "missing required key 'version'");
    }

    [Fact]
    public void Parse_UnsupportedVersion_ReportsValue()
    {
        var d = Single(Load(Valid.Replace("version: 1", "version: 2", StringComparison.Ordinal)));
        AssertAt(d, 1, 10, "unsupported version 2");
    }

    [Theory]
    [InlineData("    threshold: 10\n", "    threshold: high\n", 9, 16, "'threshold' must be a number; got 'high'")]
    [InlineData("    threshold: 10\n", "    threshold: \"10\"\n", 9, 16, "'threshold' must be a number; got string \"10\"")]
    [InlineData("    threshold: 10\n", "    threshold: [10]\n", 9, 16, "'threshold' must be a number; got a list")]
    [InlineData("    name: test rule\n", "    name: { a: 1 }\n", 4, 11, "'name' must be a string; got a mapping")]
    [InlineData("    name: test rule\n", "    name:\n", 4, 10, "'name' must be a string; got null")]
    [InlineData("    threshold: 10\n", "    threshold: 10\n    enabled: yes\n", 10, 14, "YAML 1.1 boolean")]
    [InlineData("    threshold: 10\n", "    threshold: 10\n    revision: 1.5\n", 10, 15, "'revision' must be an integer")]
    [InlineData("    threshold: 10\n", "    threshold: 10\n    scope: [protected]\n", 10, 12, "'scope' must be a mapping; got a list")]
    public void Parse_WrongType_ReportsValuePosition(string find, string replace, int line, int column, string message)
    {
        var d = Single(Load(Valid.Replace(find, replace, StringComparison.Ordinal)));
        AssertAt(d, line, column, message);
    }

    [Theory]
    [InlineData("    kind: syn-flood\n", "    kind: syn-flod\n", 5, 11, "invalid kind 'syn-flod': expected one of syn-flood, embryonic-source, global-embryonic, port-scan, backscatter, health-monitor, handshake-anomaly (did you mean 'syn-flood'?)")]
    [InlineData("    severity: high\n", "    severity: urgent\n", 6, 15, "invalid severity 'urgent': expected one of info, low, medium, high, critical")]
    [InlineData("    track_by: destination-port\n", "    track_by: dst\n", 7, 15, "invalid track_by 'dst': expected one of source, destination, destination-port, global")]
    [InlineData("    metric: embryonic\n", "    metric: embryonc\n", 8, 13, "(did you mean 'embryonic'?)")]
    public void Parse_InvalidEnum_ListsAllowedValues(string find, string replace, int line, int column, string message)
    {
        var d = Single(Load(Valid.Replace(find, replace, StringComparison.Ordinal)));
        AssertAt(d, line, column, message);
    }

    [Theory]
    [InlineData("10x")]
    [InlineData("-1s")]
    [InlineData("1.2.3s")]
    [InlineData("\"\"")]
    public void Parse_BadDuration_ReportsValue(string value)
    {
        //        1234567890123
        // line 10 "    window: 10x"  (value at column 13)
        var yaml = Valid.Replace("metric: embryonic", "metric: syn-rate", StringComparison.Ordinal)
            .Replace("track_by: destination-port", "track_by: destination", StringComparison.Ordinal) + $"    window: {value}\n";
        var d = Single(Load(yaml));
        AssertAt(d, 10, 13, "'window' must be a duration such as 250ms, 30s, 5m, 1h or a number of seconds");
    }

    [Fact]
    public void Parse_ZeroWindow_RejectedAsNotPositive()
    {
        var yaml = Valid.Replace("metric: embryonic", "metric: syn-rate", StringComparison.Ordinal)
            .Replace("track_by: destination-port", "track_by: destination", StringComparison.Ordinal) + "    window: 0s\n";
        AssertAt(Single(Load(yaml)), 10, 13, "'window' must be longer than 0");
    }

    [Theory]
    // "    scope: { destinations: [" is 28 characters: the first item starts at column 29.
    [InlineData("10.0.0.0/33", "prefix length must be 0..32")]
    [InlineData("300.1.1.0/24", "bad IPv4 address '300.1.1.0'")]
    [InlineData("2001:db8::/200", "prefix length must be 0..128")]
    [InlineData("10.0.0/8", "expected four decimal octets")]
    public void Parse_BadCidr_ReportsItem(string cidr, string message)
    {
        var d = Single(Load(Valid + $"    scope: {{ destinations: [{cidr}] }}\n"));
        AssertAt(d, 10, 29, message);
    }

    [Fact]
    public void Parse_HostBitsSet_WarnsAndMasks()
    {
        var result = Load(Valid + "    scope: { destinations: [10.1.2.3/8] }\n");
        Assert.True(result.Success);
        var d = Assert.Single(result.Diagnostics);
        AssertAt(d, 10, 29, "host bits set in '10.1.2.3/8': using 10.0.0.0/8", DiagnosticSeverity.Warning);
        Assert.Equal("10.0.0.0/8", result.RuleSet!.Rules[0].Scope.Destinations.Cidrs[0].ToString());
    }

    [Fact]
    public void Parse_UnknownNetworkName_SuggestsDefinedName()
    {
        const string yaml = """
            version: 1
            networks:
              protected: [10.0.0.0/8]
            rules:
              - id: R-1
                name: test rule
                kind: syn-flood
                severity: high
                track_by: destination-port
                metric: embryonic
                threshold: 10
                allow: { sources: [protectd] }
            """;
        // "    allow: { sources: [" is 23 characters.
        AssertAt(Single(Load(yaml)), 12, 24, "unknown network or allow list 'protectd' (did you mean 'protected'?)");
    }

    [Fact]
    public void Parse_NameInsideNetworkDefinition_IsRejected()
    {
        const string yaml = "version: 1\nnetworks:\n  a: [10.0.0.0/8]\n  b: [a]\nrules: []\n";
        var result = Load(yaml);
        AssertAt(result.Errors.Single(), 4, 7, "'a' is not a CIDR");
    }

    [Fact]
    public void Parse_NetworkDefinedTwice_ReportsSecond()
    {
        const string yaml = "version: 1\nnetworks:\n  a: [10.0.0.0/8]\nallow_lists:\n  a: [10.0.0.0/8]\nrules: []\n";
        AssertAt(Load(yaml).Errors.Single(), 5, 3, "'a' is already defined in networks at test.yaml:3:3");
    }

    [Fact]
    public void Parse_DuplicateRuleIdInOneFile_ReportsSecondWithFirstLocation()
    {
        string second = Valid[Valid.IndexOf("  - id", StringComparison.Ordinal)..];
        var d = Single(Load(Valid + second));
        AssertAt(d, 10, 9, "duplicate rule id 'R-1' (first defined at test.yaml:3:9)");
    }

    [Theory]
    [InlineData("0", "threshold must be greater than 0; got 0")]
    [InlineData("-3", "threshold must be greater than 0; got -3")]
    public void Parse_NonPositiveThreshold_ReportsValue(string value, string message)
    {
        var d = Single(Load(Valid.Replace("threshold: 10", "threshold: " + value, StringComparison.Ordinal)));
        AssertAt(d, 9, 16, message);
    }

    [Theory]
    [InlineData("10", "clear_below (10) must be below threshold (10)")]
    [InlineData("11", "clear_below (11) must be below threshold (10)")]
    [InlineData("-1", "clear_below must not be negative")]
    public void Parse_ClearBelowNotBelowThreshold_ReportsClearBelow(string value, string message)
    {
        //        12345678901234567890123456789012
        // line 10 "    hysteresis: { clear_below: 10 }"
        var d = Single(Load(Valid + $"    hysteresis: {{ clear_below: {value} }}\n"));
        AssertAt(d, 10, 32, message);
    }

    [Fact]
    public void Parse_HalfOpenPortsTrackedByDestination_ReportsTrackBy()
    {
        var yaml = Valid.Replace("kind: syn-flood", "kind: port-scan", StringComparison.Ordinal)
            .Replace("metric: embryonic", "metric: halfopen-ports", StringComparison.Ordinal)
            .Replace("track_by: destination-port", "track_by: destination", StringComparison.Ordinal) + "    window: 60s\n";
        AssertAt(Single(Load(yaml)), 7, 15, "metric 'halfopen-ports' counts what one source does: track_by must be 'source', not 'destination'");
    }

    [Fact]
    public void Parse_RateMetricWithoutWindow_ReportsMetric()
    {
        var yaml = Valid.Replace("metric: embryonic", "metric: syn-rate", StringComparison.Ordinal);
        AssertAt(Single(Load(yaml)), 8, 13, "metric 'syn-rate' is counted over a sliding window: add 'window'");
    }

    [Fact]
    public void Parse_GaugeWithWindow_ReportsWindowKey()
    {
        AssertAt(Single(Load(Valid + "    window: 10s\n")), 10, 5, "metric 'embryonic' is a live gauge and takes no window");
    }

    [Fact]
    public void Parse_MetricThatDoesNotFitKind_ReportsMetric()
    {
        var yaml = Valid.Replace("metric: embryonic", "metric: backscatter", StringComparison.Ordinal) + "    window: 10s\n";
        AssertAt(Single(Load(yaml)), 8, 13, "metric 'backscatter' does not fit kind 'syn-flood': use one of embryonic, syn-rate, synack-rate");
    }

    [Fact]
    public void Parse_KindTrackedWrongly_ReportsTrackBy()
    {
        var yaml = Valid.Replace("track_by: destination-port", "track_by: source", StringComparison.Ordinal);
        AssertAt(Single(Load(yaml)), 7, 15, "kind 'syn-flood' cannot be tracked by 'source': use one of destination, destination-port");
    }

    [Fact]
    public void Parse_CompletionRatioOutOfRange_ReportsValue()
    {
        //        1234567890123456789012345678901234567
        // line 10 "    when: { completion_ratio_below: 1.5 }"
        AssertAt(Single(Load(Valid + "    when: { completion_ratio_below: 1.5 }\n")), 10, 37, "must be in (0, 1]");
    }

    [Fact]
    public void Parse_BadPort_ReportsItem()
    {
        //        1234567890123456789012
        // line 10 "    scope: { ports: [80, 70000, \"90-80\", http] }"
        var result = Load(Valid + "    scope: { ports: [80, 70000, \"90-80\", http] }\n");
        var errors = result.Errors.ToList();
        Assert.Equal(3, errors.Count);
        AssertAt(errors[0], 10, 26, "bad port '70000'");
        AssertAt(errors[1], 10, 33, "range is reversed (did you mean \"80-90\"?)");
        AssertAt(errors[2], 10, 42, "bad port 'http'");
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsSecond()
    {
        AssertAt(Single(Load(Valid + "    name: again\n")), 10, 5, "duplicate key 'name' (first at line 4, column 5)");
    }

    [Fact]
    public void Parse_EmptyRulesList_WarnsButSucceeds()
    {
        var result = Load("version: 1\nrules: []\n");
        Assert.True(result.Success);
        Assert.Empty(result.RuleSet!.Rules);
        AssertAt(Assert.Single(result.Diagnostics), 2, 1, "empty rules list", DiagnosticSeverity.Warning);
    }

    [Fact]
    public void Parse_EmptyFile_IsAnError()
    {
        AssertAt(Single(Load("# only a comment\n")), 1, 1, "empty rule file");
    }

    [Fact]
    public void Parse_ManyErrorsInOneFile_ReportsAllInOrder()
    {
        const string yaml = """
            version: 2
            networks:
              protected: [10.0.0.0/33]
            rules:
              - id: A-1
                name: one
                kind: syn-flod
                severity: urgent
                track_by: destination-port
                metric: embryonic
                threshold: 0
                window: 10s
                scope: { destinations: [protectd] }
              - id: A-1
                name: two
                kind: port-scan
                severity: low
                track_by: destination
                metric: halfopen-ports
                threshold: 25
                hysteresis: { clear_below: 30 }
            """;
        var result = Load(yaml);
        Assert.False(result.Success);
        var got = result.Diagnostics.Select(d => (d.Line, d.Column)).ToList();
        (int, int)[] expected =
        [
            (1, 10),  // unsupported version
            (3, 15),  // prefix length
            (7, 11),  // invalid kind
            (8, 15),  // invalid severity
            (11, 16), // threshold <= 0
            (12, 5),  // window on a gauge
            (13, 29), // unknown name
            (14, 9),  // duplicate id
            (18, 15), // halfopen-ports tracked by destination
            (19, 13), // window missing
            (21, 32), // clear_below >= threshold
        ];
        Assert.True(expected.SequenceEqual(got), string.Join("\n", result.Diagnostics));
        Assert.All(result.Diagnostics, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
    }

    [Fact]
    public void LoadDirectory_DuplicateIdAcrossFiles_ReportsSecondFile()
    {
        string dir = Directory.CreateTempSubdirectory("iho-rules-").FullName;
        try
        {
            string a = Path.Combine(dir, "a.yaml"), b = Path.Combine(dir, "b.yml");
            System.IO.File.WriteAllText(a, "version: 1\nnetworks:\n  inside: [10.0.0.0/8]\n" + Valid.Replace("version: 1\n", "", StringComparison.Ordinal));
            // b uses a's network: names are shared across files.
            System.IO.File.WriteAllText(b, Valid + "    scope: { destinations: [inside] }\n");
            System.IO.File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a rule file");
            var result = RuleLoader.LoadDirectory(dir);
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal(b, d.File);
            Assert.Equal((3, 9), (d.Line, d.Column));
            Assert.Equal($"duplicate rule id 'R-1' (first defined at {a}:5:9)", d.Message);
            Assert.Equal($"{b}:3:9: error: duplicate rule id 'R-1' (first defined at {a}:5:9)", d.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoadDirectory_TwoValidFiles_MergesRulesAndSettingsOnce()
    {
        string dir = Directory.CreateTempSubdirectory("iho-rules-").FullName;
        try
        {
            System.IO.File.WriteAllText(Path.Combine(dir, "a.yaml"), "version: 1\ntracker: { embryonic_timeout: 20s }\n" + Valid.Replace("version: 1\n", "", StringComparison.Ordinal));
            System.IO.File.WriteAllText(Path.Combine(dir, "b.yaml"), "version: 1\ntracker: { embryonic_timeout: 40s }\n" + Valid.Replace("version: 1\n", "", StringComparison.Ordinal).Replace("R-1", "R-2", StringComparison.Ordinal));
            var result = RuleLoader.LoadDirectory(dir);
            var d = Assert.Single(result.Diagnostics);
            Assert.Equal((2, 12), (d.Line, d.Column));
            Assert.Contains("tracker.embryonic_timeout is already set at", d.Message, StringComparison.Ordinal);

            System.IO.File.WriteAllText(Path.Combine(dir, "b.yaml"), "version: 1\n" + Valid.Replace("version: 1\n", "", StringComparison.Ordinal).Replace("R-1", "R-2", StringComparison.Ordinal));
            result = RuleLoader.LoadDirectory(dir);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            Assert.Equal(["R-1", "R-2"], result.RuleSet!.Rules.Select(r => r.Id));
            Assert.Equal(["a", "b"], result.RuleSet.Rules.Select(r => r.Info.Ruleset));
            Assert.Equal(TimeSpan.FromSeconds(20), result.RuleSet.Tracker.EmbryonicTimeout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoadFile_Missing_ReportsFileLevelError()
    {
        var result = RuleLoader.LoadFile("/nonexistent/rules.yaml");
        var d = Single(result);
        Assert.Equal(0, d.Line);
        Assert.Equal("/nonexistent/rules.yaml: error: file not found", d.ToString());
    }

    [Fact]
    public void LoadDirectory_NoYamlFiles_IsAnError()
    {
        string dir = Directory.CreateTempSubdirectory("iho-rules-").FullName;
        try
        {
            Assert.Contains("no *.yaml or *.yml files", Single(RuleLoader.LoadDirectory(dir)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
