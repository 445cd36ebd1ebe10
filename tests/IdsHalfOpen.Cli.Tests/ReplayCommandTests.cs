using System.Text.Json;
using IdsHalfOpen.Cli.Commands;

namespace IdsHalfOpen.Cli.Tests;

public sealed class ReplayCommandTests : IDisposable
{
    private readonly CliFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Run_ValidCapture_ExitZeroAndStatsJsonHasEveryKey()
    {
        var file = _f.WriteMix("mix.pcap", connections: 20, floodSyns: 0);
        var stats = _f.Path_("stats.json");
        var r = CliFixture.Replay([file], statsJson: stats);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(stats));
        var root = doc.RootElement;
        foreach (var key in new[] { "packets", "bytes", "tcp_packets", "syn", "synack", "rst", "fin", "decode_events", "elapsed_s", "pps", "attempts", "outcomes", "alerts", "evictions", "peak_tracked" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        }

        Assert.Equal(100, root.GetProperty("packets").GetInt64());
        Assert.Equal(100, root.GetProperty("tcp_packets").GetInt64());
        Assert.Equal(20, root.GetProperty("syn").GetInt64());
        Assert.Equal(20, root.GetProperty("synack").GetInt64());
        Assert.Equal(40, root.GetProperty("fin").GetInt64());
        Assert.Equal(20, root.GetProperty("attempts").GetInt64());
        Assert.Equal(20, root.GetProperty("outcomes").GetProperty("completed").GetInt64());
        Assert.Equal(0, root.GetProperty("alerts").GetInt64());
        Assert.Contains("packets     100", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SpoofedFlood_AlertLinesAreEcsWithLifecycle()
    {
        var file = _f.WriteMix("flood.pcap", connections: 10, floodSyns: 3000);
        var alerts = _f.Path_("alerts.jsonl");
        var r = CliFixture.Replay([file], alerts: alerts);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        var lines = File.ReadAllLines(alerts).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var flood = lines.Where(l => l.GetProperty("event").GetProperty("action").GetString() == "syn-flood").ToList();
        Assert.NotEmpty(flood);
        var start = flood.First();
        Assert.Equal("alert", start.GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal("start", start.GetProperty("idshalfopen").GetProperty("phase").GetString());
        Assert.Equal("10.0.0.10", start.GetProperty("destination").GetProperty("ip").GetString());
        string id = start.GetProperty("idshalfopen").GetProperty("attack_id").GetString()!;
        var end = flood.Last(l => l.GetProperty("idshalfopen").GetProperty("attack_id").GetString() == id);
        Assert.Equal("end", end.GetProperty("idshalfopen").GetProperty("phase").GetString());
        Assert.True(end.GetProperty("idshalfopen").GetProperty("embryonic_peak").GetInt64() >= 256);
        Assert.True(end.GetProperty("rule").TryGetProperty("id", out _));
        Assert.Contains("syn-flood", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CorruptFileHeader_ExitTwoNamingFileAndOffsetAndOtherFilesStillRead()
    {
        var good = _f.WriteMix("good.pcap", connections: 5, floodSyns: 0);
        var bad = _f.Path_("bad.pcap");
        File.WriteAllBytes(bad, [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
        var stats = _f.Path_("stats.json");
        var r = CliFixture.Replay([bad, good], statsJson: stats);
        Assert.Equal(ExitCodes.InputError, r.ExitCode);
        Assert.Contains("bad.pcap", r.Err, StringComparison.Ordinal);
        Assert.Contains("offset", r.Err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(stats));
        Assert.Equal(25, doc.RootElement.GetProperty("packets").GetInt64());
    }

    [Fact]
    public void Run_TruncatedLastRecord_ExitThreeAndEverythingBeforeCounted()
    {
        var file = _f.WriteMix("cut.pcap", connections: 10, floodSyns: 0);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^7]);
        var stats = _f.Path_("stats.json");
        var r = CliFixture.Replay([file], statsJson: stats);
        Assert.Equal(ExitCodes.DamagedInput, r.ExitCode);
        Assert.Contains("cut.pcap", r.Err, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(stats));
        Assert.Equal(49, doc.RootElement.GetProperty("packets").GetInt64());
        Assert.Single(doc.RootElement.GetProperty("problems").EnumerateArray());
    }

    [Fact]
    public void Run_MissingFile_ExitTwoWithClearMessage()
    {
        var r = CliFixture.Replay([_f.Path_("nope.pcap")]);
        Assert.Equal(ExitCodes.InputError, r.ExitCode);
        Assert.Contains("nope.pcap", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnwritableAlertsPath_UsageErrorNamingPath()
    {
        var file = _f.WriteMix("x.pcap", connections: 2, floodSyns: 0);
        var r = CliFixture.Replay([file], alerts: Path.Combine(_f.Dir, "no-such-dir", "a.jsonl"));
        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains("no-such-dir", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AlertsToStdout_OnlyJsonLinesOnTheStream()
    {
        var file = _f.WriteMix("flood.pcap", connections: 0, floodSyns: 1000);
        var r = CliFixture.Replay([file], alerts: "-");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        var lines = r.StdoutStream.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(l).RootElement.ValueKind));
    }

    [Fact]
    public void Run_AnyShardCount_IdenticalAlertsAndConnectionRecords()
    {
        var file = _f.WriteMix("big.pcap", connections: 3000, floodSyns: 20_000, seed: 9);
        string? alertsRef = null, connRef = null;
        foreach (int shards in new[] { 1, 2, 4, 8 })
        {
            var a = _f.Path_($"a{shards}.jsonl");
            var c = _f.Path_($"c{shards}.jsonl");
            var r = CliFixture.Replay([file], shards: shards, alerts: a, connLog: c);
            Assert.Equal(ExitCodes.Success, r.ExitCode);
            string alerts = File.ReadAllText(a), conns = File.ReadAllText(c);
            Assert.NotEmpty(alerts);
            alertsRef ??= alerts;
            connRef ??= conns;
            Assert.True(alertsRef == alerts, $"alerts differ for --shards {shards}");
            Assert.True(connRef == conns, $"connection records differ for --shards {shards}");
        }
    }

    [Fact]
    public void Run_FloodBeyondTableCap_StaysUnderCapKeepsAlertingAndMarksDegraded()
    {
        var file = _f.WriteMix("saturating.pcap", connections: 50, floodSyns: 20_000, seed: 3);
        var stats = _f.Path_("stats.json");
        var alerts = _f.Path_("alerts.jsonl");
        var r = CliFixture.Replay([file], shards: 2, statsJson: stats, alerts: alerts, maxEntries: 1000);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using var doc = JsonDocument.Parse(File.ReadAllText(stats));
        Assert.True(doc.RootElement.GetProperty("evictions").GetInt64() > 15_000);
        Assert.True(doc.RootElement.GetProperty("peak_tracked").GetInt64() <= 1000);
        var flood = File.ReadAllLines(alerts).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("event").GetProperty("action").GetString() == "syn-flood" && l.GetProperty("destination").GetProperty("ip").GetString() == "10.0.0.10")
            .ToList();
        Assert.NotEmpty(flood);
        var end = flood.Last().GetProperty("idshalfopen");
        Assert.True(end.GetProperty("degraded").GetBoolean());
        Assert.True(end.GetProperty("evictions").GetInt64() > 0);

        // The victim's gauge does not depend on the table: evicted embryonic attempts keep counting until they would time out.
        Assert.True(end.GetProperty("embryonic_peak").GetInt64() >= 19_000, $"peak {end.GetProperty("embryonic_peak")}");
    }

    [Fact]
    public void LoadRules_InvalidFile_NullAndDiagnosticsWithLineAndColumn()
    {
        var rules = _f.Path_("bad.yaml");
        File.WriteAllText(rules, "version: 1\nrules:\n  - id: X\n    kind: syn-flod\n");
        var err = new StringWriter();
        Assert.Null(ReplayCommand.LoadRules(rules, err));
        Assert.Matches(@"bad\.yaml:4:11: error: .*syn-flod", err.ToString());
    }
}
