using System.Diagnostics;
using IdsHalfOpen.Cli.Sensor;
using IdsHalfOpen.Output.Metrics;

namespace IdsHalfOpen.Cli.Tests.Sensor;

/// <summary>Sensor-health events from counter series, on a simulated wall clock (one check per second).</summary>
public sealed class SensorHealthMonitorTests : IDisposable
{
    private readonly CliFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private sealed class Harness : IDisposable
    {
        private readonly SensorPipeline _pipeline;
        private readonly FeedSource _source = new();
        private readonly SensorHealthMonitor _monitor;
        private long _ticks = 1;

        public Harness(string alerts)
        {
            var sinks = new SensorSinks(new IdsHalfOpen.Output.Ecs.SensorInfo("t", "0"), alerts, null, es: null);
            _pipeline = new SensorPipeline(new SensorPipelineOptions { Rules = IdsHalfOpen.Detection.Rules.RuleSet.Default }, _source, null, sinks, new ListLogger(), TimeProvider.System);
            _monitor = new SensorHealthMonitor(new SensorHealthSettings { Window = 10, DropRatio = 0.01, MinDrops = 100, OneWayMinPackets = 50 }, "eth9", _pipeline);
            Sinks = sinks;
        }

        public SensorSinks Sinks { get; }

        public void Second(long frames, long dropped, long syn, long unsolicited, long answered)
        {
            _ticks += Stopwatch.Frequency;
            var s = new SensorMetricsSnapshot { PacketsReceived = frames, CaptureDropped = dropped, StageDropped = new Dictionary<string, long> { ["tracker"] = 0 } };
            _monitor.Check(s, syn, unsolicited, answered, 1_700_000_000_000_000_000 + _ticks, _ticks);
        }

        public void Dispose()
        {
            Sinks.Flush();
            _pipeline.Dispose();
            Sinks.Dispose();
            _source.Dispose();
        }
    }

    private static string[] Lines(string path) => File.ReadAllLines(path);

    [Fact]
    public void Check_DropsAboveRatio_StartThenEndWhenTheyStop()
    {
        string alerts = _fx.Path_("h.jsonl");
        using (var h = new Harness(alerts))
        {
            for (int i = 1; i <= 5; i++) h.Second(frames: i * 10_000, dropped: 0, 0, 0, 0);
            for (int i = 6; i <= 10; i++) h.Second(frames: i * 10_000, dropped: (i - 5) * 500, 0, 0, 0);

            // Drops stop; once the window no longer holds enough of them, the event ends.
            for (int i = 11; i <= 30; i++) h.Second(frames: i * 10_000, dropped: 2_500, 0, 0, 0);
        }

        var lines = Lines(alerts);
        Assert.Contains(lines, l => l.Contains("\"IHO-9001\"", StringComparison.Ordinal) && l.Contains("\"start\"", StringComparison.Ordinal) && l.Contains("\"sensor-health\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"IHO-9001\"", StringComparison.Ordinal) && l.Contains("\"end\"", StringComparison.Ordinal) && l.Contains("recovered", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("IHO-9002", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_FewDropsOnBusyLink_Nothing()
    {
        string alerts = _fx.Path_("h.jsonl");
        using (var h = new Harness(alerts))
        {
            // 90 drops in 1,000,000 packets: under both the minimum count and the ratio.
            for (int i = 1; i <= 20; i++) h.Second(frames: i * 100_000, dropped: Math.Min(90, i * 10), 0, 0, 0);
        }

        Assert.Empty(Lines(alerts));
    }

    [Fact]
    public void Check_SynsAndSynAcksNeverPaired_OneWayMirror()
    {
        string alerts = _fx.Path_("h.jsonl");
        using (var h = new Harness(alerts))
        {
            for (int i = 1; i <= 10; i++) h.Second(frames: i * 100, dropped: 0, syn: i * 20, unsolicited: i * 20, answered: 0);

            // Both directions arrive again: handshakes pair, the event ends.
            for (int i = 11; i <= 30; i++) h.Second(frames: i * 100, dropped: 0, syn: i * 20, unsolicited: i * 20, answered: (i - 10) * 20);
        }

        var lines = Lines(alerts);
        Assert.Contains(lines, l => l.Contains("\"IHO-9002\"", StringComparison.Ordinal) && l.Contains("\"start\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"IHO-9002\"", StringComparison.Ordinal) && l.Contains("\"end\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UnsolicitedAnswersOnly_NoOneWayEvent()
    {
        // Backscatter (or the SYN-ACK retransmissions after a spoofed flood): answers without SYNs are not a mirror fault.
        string alerts = _fx.Path_("h.jsonl");
        using (var h = new Harness(alerts))
        {
            for (int i = 1; i <= 20; i++) h.Second(frames: i * 100, dropped: 0, syn: 0, unsolicited: i * 50, answered: 0);
        }

        Assert.Empty(Lines(alerts));
    }

    [Fact]
    public void Check_PairedHandshakes_NoOneWayEvent()
    {
        string alerts = _fx.Path_("h.jsonl");
        using (var h = new Harness(alerts))
        {
            for (int i = 1; i <= 20; i++) h.Second(frames: i * 100, dropped: 0, syn: i * 20, unsolicited: i * 20, answered: i * 19);
        }

        Assert.Empty(Lines(alerts));
    }
}
