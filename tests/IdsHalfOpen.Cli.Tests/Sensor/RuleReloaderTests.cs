using IdsHalfOpen.Cli.Sensor;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Cli.Tests.Sensor;

/// <summary>Rules reloaded into a running pipeline: gauges survive, a broken file changes nothing and says why.</summary>
public sealed class RuleReloaderTests : IDisposable
{
    private readonly CliFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static string WithServiceThreshold(int threshold) =>
        RuleSet.DefaultYaml.Replace("    threshold: 256\n", $"    threshold: {threshold}\n", StringComparison.Ordinal);

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            Thread.Sleep(20);
        }

        return condition();
    }

    [Fact]
    public async Task Reload_LowerThresholdWhileFlooded_AlertFromKeptGaugeWithoutNewPackets()
    {
        string rulesFile = _fx.Path_("site.yaml");
        File.WriteAllText(rulesFile, RuleSet.DefaultYaml);
        string alerts = _fx.Path_("alerts.jsonl");
        var log = new ListLogger();
        using var source = new FeedSource();
        var sinks = new SensorSinks(new SensorInfo("t", "0"), alerts, null, es: null);
        using var pipeline = new SensorPipeline(new SensorPipelineOptions { Rules = RuleLoader.LoadFile(rulesFile).RuleSet! }, source, null, sinks, log, TimeProvider.System);
        using var reloader = new RuleReloader(rulesFile, watch: false, pipeline, log, TimeProvider.System);
        pipeline.Start();

        // 100 embryonic attempts: below the default 256 of IHO-1001, nothing fires.
        for (int i = 0; i < 100; i++) source.EnqueueEmbryonic(i);
        Assert.True(WaitFor(() => pipeline.Latest.GlobalEmbryonic == 100, TimeSpan.FromSeconds(10)), $"gauge {pipeline.Latest.GlobalEmbryonic}");
        Assert.Equal(0, pipeline.Latest.Alerts);

        // A broken file is rejected with its position; the rules in force stay.
        File.WriteAllText(rulesFile, "version: 1\nrules:\n  - id: X\n    kind: no-such-kind\n");
        Assert.False(reloader.Reload("test"));
        Assert.Contains(log.Lines, l => l.Contains("site.yaml:", StringComparison.Ordinal) && l.Contains("error", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.Contains("previous rules stay in force", StringComparison.Ordinal));
        Assert.True(WaitFor(() => pipeline.Latest.RuleReloadFailures == 1, TimeSpan.FromSeconds(5)));

        // Threshold 80: the 100 the engine already counts raise the flood alert, with no packet since.
        File.WriteAllText(rulesFile, WithServiceThreshold(80));
        Assert.True(reloader.Reload("test"), string.Join("\n", log.Lines));
        Assert.True(WaitFor(() => File.Exists(alerts) && ReadShared(alerts).Contains("\"IHO-1001\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            "no IHO-1001 alert after the reload");
        Assert.Equal(100, pipeline.Latest.GlobalEmbryonic);
        Assert.True(WaitFor(() => pipeline.Latest.RuleReloads == 1, TimeSpan.FromSeconds(5)));
        source.Stop();
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Reload_NoRuleFiles_SaysNothingToReload()
    {
        var log = new ListLogger();
        using var source = new FeedSource();
        var sinks = new SensorSinks(new SensorInfo("t", "0"), null, null, es: null);
        using var pipeline = new SensorPipeline(new SensorPipelineOptions { Rules = RuleSet.Default }, source, null, sinks, log, TimeProvider.System);
        using var reloader = new RuleReloader(null, watch: true, pipeline, log, TimeProvider.System);
        Assert.False(reloader.Reload("SIGHUP"));
        Assert.Contains(log.Lines, l => l.Contains("nothing to reload", StringComparison.Ordinal));
    }

    [Fact]
    public void Watch_FileRewritten_ReloadedWithoutSignal()
    {
        string dir = Directory.CreateDirectory(_fx.Path_("rules")).FullName;
        File.WriteAllText(Path.Combine(dir, "default.yaml"), RuleSet.DefaultYaml);
        var log = new ListLogger();
        using var source = new FeedSource();
        var sinks = new SensorSinks(new SensorInfo("t", "0"), null, null, es: null);
        using var pipeline = new SensorPipeline(new SensorPipelineOptions { Rules = RuleSet.Default }, source, null, sinks, log, TimeProvider.System);
        using var reloader = new RuleReloader(dir, watch: true, pipeline, log, TimeProvider.System);
        reloader.Start();
        File.WriteAllText(Path.Combine(dir, "default.yaml"), WithServiceThreshold(100));
        Assert.True(WaitFor(() => log.Lines.Any(l => l.Contains("file change: loaded", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)),
            string.Join("\n", log.Lines));
    }

    private static string ReadShared(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(fs);
        return r.ReadToEnd();
    }
}
