using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Cli.Replay;
using IdsHalfOpen.Cli.Sensor;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Ecs;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdsHalfOpen.Cli.Tests.Sensor;

/// <summary>
/// The live pipeline (drop mode, epochs cut on wall time) fed from a recorded file instead of an interface: it must
/// reach the same verdicts as replay, since only the source and the way epochs are cut differ.
/// </summary>
public sealed class SensorPipelineTests : IDisposable
{
    private readonly CliFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static SensorInfo Sensor => new("sensor-test", SensorInfo.ProductVersion);

    internal static SensorPipeline Start(string capture, string alertsPath, RuleSet? rules = null, string? connLog = null, SensorHealthSettings? health = null)
    {
        var sinks = new SensorSinks(Sensor, alertsPath, connLog, es: null);
        var pipeline = new SensorPipeline(new SensorPipelineOptions
        {
            Rules = rules ?? RuleSet.Default,
            FollowWallClock = false,
            Health = health ?? new SensorHealthSettings(),
        }, OfflineSource.Open(capture), null, sinks, NullLogger.Instance, TimeProvider.System);
        pipeline.Start();
        return pipeline;
    }

    [Fact]
    public async Task SensorPipeline_RecordedFlood_SameAlertDocumentsAsReplay()
    {
        string capture = _fx.WriteMix("mix.pcap", connections: 200, floodSyns: 3000);
        string replayAlerts = _fx.Path_("replay.jsonl");
        var options = new ReplayOptions { Rules = RuleSet.Default, AlertsPath = replayAlerts, SensorName = "sensor-test", Shards = 1 };
        int exit = ReplayCommand.Run([new FileInfo(capture)], null, options, TextWriter.Null, TextWriter.Null, Stream.Null, CancellationToken.None);
        Assert.Equal(ExitCodes.Success, exit);

        string sensorAlerts = _fx.Path_("sensor.jsonl");
        using (var pipeline = Start(capture, sensorAlerts))
        {
            await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Null(pipeline.Failure);
            Assert.Equal(200 * 5 + 3000 * 2, pipeline.Latest.PacketsReceived);
            Assert.Equal(0, pipeline.Latest.StageDropped["tracker"]);
        }

        var expected = File.ReadAllLines(replayAlerts);
        Assert.Contains(expected, l => l.Contains("\"syn-flood\"", StringComparison.Ordinal));
        var actual = File.ReadAllLines(sensorAlerts);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public async Task SensorPipeline_AfterFlood_SnapshotHasVictimGaugeAndCounters()
    {
        string capture = _fx.WriteMix("mix.pcap", connections: 50, floodSyns: 1000);
        using var pipeline = Start(capture, _fx.Path_("a.jsonl"));
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        var s = pipeline.Latest;
        Assert.Equal(50 * 5 + 1000 * 2, s.PacketsReceived);
        Assert.Equal(s.PacketsReceived, s.TcpPackets);
        Assert.Equal(1050, s.Attempts);

        // The end of the recording leaves the flood's 1000 attempts embryonic: still open, still counted.
        Assert.Equal(1000, s.GlobalEmbryonic);
        var top = Assert.Single(s.TopDestinations);
        Assert.Equal("10.0.0.10:80", top.Destination);
        Assert.Equal(1000, top.Embryonic);
        Assert.True(s.Alerts >= 1);
    }

    [Fact]
    public async Task SensorPipeline_AllRulesDisabled_FloodRaisesNothingButGaugeCounts()
    {
        string capture = _fx.WriteMix("mix.pcap", connections: 20, floodSyns: 1000);
        string yaml = RuleSet.DefaultYaml.Replace("    severity: high\n", "    severity: high\n    enabled: false\n", StringComparison.Ordinal)
            .Replace("    severity: medium\n", "    severity: medium\n    enabled: false\n", StringComparison.Ordinal)
            .Replace("    severity: low\n", "    severity: low\n    enabled: false\n", StringComparison.Ordinal);
        var loaded = RuleLoader.Parse(yaml, "all-off.yaml");
        Assert.True(loaded.Success, string.Join("; ", loaded.Diagnostics));
        Assert.Empty(loaded.RuleSet!.EnabledRules);
        string alerts = _fx.Path_("a.jsonl");
        using var pipeline = Start(capture, alerts, rules: loaded.RuleSet);
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(File.ReadAllLines(alerts));
        Assert.Equal(1000, pipeline.Latest.GlobalEmbryonic);
    }
}
