using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Detection.Tests.Rules;

public class DefaultRulesTests
{
    private static string DefaultPath => Path.Combine(RepoPaths.Rules, "default.yaml");

    [Fact]
    public void LoadFile_DefaultYaml_LoadsWithoutDiagnostics()
    {
        var result = RuleLoader.LoadFile(DefaultPath);
        Assert.True(result.Success);
        Assert.Empty(result.Diagnostics);
        var set = result.RuleSet!;
        Assert.Equal(9, set.Rules.Count);
        Assert.Equal(9, set.EnabledRules.Count);
        // Every rule kind is covered.
        Assert.Equal(RuleNames.RuleKinds.Order(), set.Rules.Select(r => r.Kind).Distinct().Order());
        Assert.All(set.Rules, r => Assert.Equal("default", r.Info.Ruleset));
    }

    [Fact]
    public void LoadFile_DefaultYaml_HasTheDocumentedRules()
    {
        var set = RuleLoader.LoadFile(DefaultPath).RuleSet!;
        var gauge = set.Rules.Single(r => r.Kind == AlertKind.SynFlood && r.Metric == RuleMetric.Embryonic);
        Assert.Equal(TrackBy.DestinationPort, gauge.TrackBy);
        var rate = set.Rules.Single(r => r.Kind == AlertKind.SynFlood && r.Metric == RuleMetric.SynRate);
        Assert.Equal(200, rate.Threshold);
        Assert.NotNull(rate.CompletionRatioBelow);
        Assert.Contains(set.Rules, r => r.Kind == AlertKind.PortScan && r.Metric == RuleMetric.HalfOpenPorts && r.Threshold == 25);
        Assert.Contains(set.Rules, r => r.Kind == AlertKind.PortScan && r.Metric == RuleMetric.HalfOpenHosts);
        Assert.Equal(Severity.Low, set.Rules.Single(r => r.Kind == AlertKind.HealthMonitor).Severity);
        Assert.Equal(TimeSpan.FromSeconds(30), set.Tracker.EmbryonicTimeout);
        Assert.Equal(4, set.HealthMonitor.MinProbes);

        var protectedNets = set.Networks["protected"];
        foreach (var inside in new[] { "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "192.0.2.1", "198.51.100.7", "203.0.113.200", "2001:db8::1" })
        {
            Assert.True(protectedNets.Contains(Cidr.Parse(inside).Network), inside);
        }

        foreach (var outside in new[] { "8.8.8.8", "172.32.0.1", "2001:db9::1" })
        {
            Assert.False(protectedNets.Contains(Cidr.Parse(outside).Network), outside);
        }
    }

    [Fact]
    public void DefaultYaml_Embedded_EqualsRulesFile()
    {
        Assert.Equal(File.ReadAllText(DefaultPath), RuleSet.DefaultYaml);
    }

    [Fact]
    public void Default_Embedded_LoadsTheSameRules()
    {
        var fromFile = RuleLoader.LoadFile(DefaultPath).RuleSet!;
        Assert.Equal(fromFile.Rules.Select(r => r.Info), RuleSet.Default.Rules.Select(r => r.Info));
    }
}
