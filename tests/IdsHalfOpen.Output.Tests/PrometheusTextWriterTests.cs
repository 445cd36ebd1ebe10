using IdsHalfOpen.Output.Metrics;

namespace IdsHalfOpen.Output.Tests;

public class PrometheusTextWriterTests
{
    [Fact]
    public void Write_EmptySnapshot_EveryFamilyWithHelpAndType()
    {
        string text = PrometheusTextWriter.Write(SensorMetricsSnapshot.Empty);
        foreach (var family in new[]
        {
            "idshalfopen_packets_total", "idshalfopen_capture_dropped_packets_total", "idshalfopen_stage_dropped_packets_total",
            "idshalfopen_tracked_attempts", "idshalfopen_evictions_total", "idshalfopen_alerts_total", "idshalfopen_sink_backlog",
            "idshalfopen_embryonic_connections",
        })
        {
            Assert.Contains($"# HELP {family} ", text, StringComparison.Ordinal);
            Assert.Contains($"# TYPE {family} ", text, StringComparison.Ordinal);
        }

        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_EveryLine_HeaderOrNameValue()
    {
        var s = new SensorMetricsSnapshot
        {
            PacketsReceived = 5,
            StageDropped = new Dictionary<string, long> { ["tracker"] = 2, ["output"] = 0 },
            DecodeEvents = new Dictionary<string, long> { ["Ipv4BadChecksum"] = 1 },
            Outcomes = new Dictionary<string, long> { ["completed"] = 3 },
            TopDestinations = [new DestinationGauge("[2001:db8::1]:443", 4), new DestinationGauge("10.0.0.1:80", 2)],
        };
        var text = PrometheusTextWriter.Write(s);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith('#')) continue;
            Assert.Matches(@"^idshalfopen_[a-z_]+(\{[a-z_]+=""[^""\\]*(\\.[^""\\]*)*""\})? -?\d+$", line);
        }

        Assert.Contains("idshalfopen_stage_dropped_packets_total{stage=\"tracker\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("idshalfopen_embryonic_connections{destination=\"[2001:db8::1]:443\"} 4\n", text, StringComparison.Ordinal);
        Assert.Contains("idshalfopen_attempt_outcomes_total{outcome=\"completed\"} 3\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_LabelWithQuoteBackslashNewline_Escaped()
    {
        var s = new SensorMetricsSnapshot { StageDropped = new Dictionary<string, long> { ["a\"b\\c\nd"] = 1 } };
        Assert.Contains("{stage=\"a\\\"b\\\\c\\nd\"} 1\n", PrometheusTextWriter.Write(s), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Snapshot_KeyValueStatsLine()
    {
        var s = new SensorMetricsSnapshot { PacketsReceived = 10, CaptureDropped = 1, TopDestinations = [new DestinationGauge("10.0.0.1:80", 9)] };
        string line = s.ToString();
        Assert.Contains("packets=10 ", line, StringComparison.Ordinal);
        Assert.Contains("capture_dropped=1 ", line, StringComparison.Ordinal);
        Assert.EndsWith("top=10.0.0.1:80=9", line, StringComparison.Ordinal);
    }
}
