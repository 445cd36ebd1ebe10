using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>One connection-log document of ours, reduced to what the comparisons need.</summary>
internal sealed record ConnRecord(
    int Line,
    IPAddress Source,
    int SourcePort,
    IPAddress Destination,
    int DestinationPort,
    string Outcome,
    string History,
    string EndReason,
    int SynRetransmits,
    int SynAckRetransmits,
    string Start)
{
    public bool Answered => History.Contains('h', StringComparison.Ordinal) && History.Contains('S', StringComparison.Ordinal);

    public override string ToString() =>
        $"ours#{Line} {Source}:{SourcePort} -> {Destination}:{DestinationPort} {Outcome} '{History}' ({EndReason}, syn+{SynRetransmits}, synack+{SynAckRetransmits})";
}

/// <summary>One alert lifecycle document of ours.</summary>
internal sealed record AlertDoc(string Kind, string RuleId, string Phase, string? SourceIp, string? DestinationIp, long EmbryonicPeak, string Message);

/// <summary>What one <c>idshalfopen replay</c> run produced.</summary>
internal sealed class ReplayOutput
{
    public required string Capture { get; init; }

    public required int ExitCode { get; init; }

    public required string StdErr { get; init; }

    public required string ConnLogText { get; init; }

    public required string AlertsText { get; init; }

    public required IReadOnlyList<ConnRecord> Connections { get; init; }

    public required IReadOnlyList<AlertDoc> Alerts { get; init; }

    /// <summary>Finished attempts per outcome name, from <c>--stats-json</c>.</summary>
    public required IReadOnlyDictionary<string, long> Outcomes { get; init; }

    public required long Attempts { get; init; }
}

/// <summary>
/// Runs the built CLI on a capture once per (capture, shards, rules) and keeps the result for every test that needs it,
/// so the whole oracle suite replays each capture once. Different test classes run in parallel; a capture asked for
/// twice at the same time still runs once.
/// </summary>
internal static class OracleReplay
{
    private static readonly ConcurrentDictionary<string, Lazy<ReplayOutput>> s_cache = new(StringComparer.Ordinal);

    /// <summary>Replays with the built-in default rules unless <paramref name="rulesPath"/> is given.</summary>
    public static ReplayOutput Run(string captureName, int shards = 1, string? rulesPath = null)
    {
        string key = $"{captureName}|{shards}|{rulesPath}";
        return s_cache.GetOrAdd(key, _ => new Lazy<ReplayOutput>(() => Execute(captureName, shards, rulesPath))).Value;
    }

    private static ReplayOutput Execute(string captureName, int shards, string? rulesPath)
    {
        string capture = SharedCaptures.Capture(captureName);
        string dll = RepoPaths.CliDll;
        if (!File.Exists(dll)) throw new FileNotFoundException("the CLI is not built (the test project references it, so building the tests builds it)", dll);
        string dir = Directory.CreateTempSubdirectory("idshalfopen-oracles-").FullName;
        try
        {
            string conn = Path.Combine(dir, "conn.jsonl");
            string alerts = Path.Combine(dir, "alerts.jsonl");
            string stats = Path.Combine(dir, "stats.json");
            var args = new List<string>
            {
                dll, "replay", capture,
                "--conn-log", conn, "--alerts", alerts, "--stats-json", stats,
                "--shards", shards.ToString(CultureInfo.InvariantCulture), "--sensor-name", "test", "--quiet",
            };
            if (rulesPath is not null) args.AddRange(["--rules", rulesPath]);
            var (exit, _, stderr) = TestEnvironment.Run(DotnetHost(), args, TimeSpan.FromMinutes(2));
            string connText = File.Exists(conn) ? File.ReadAllText(conn) : "";
            string alertsText = File.Exists(alerts) ? File.ReadAllText(alerts) : "";
            var outcomes = new SortedDictionary<string, long>(StringComparer.Ordinal);
            long attempts = -1;
            if (File.Exists(stats))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(stats));
                attempts = doc.RootElement.GetProperty("attempts").GetInt64();
                foreach (var p in doc.RootElement.GetProperty("outcomes").EnumerateObject()) outcomes[p.Name] = p.Value.GetInt64();
            }

            return new ReplayOutput
            {
                Capture = captureName,
                ExitCode = exit,
                StdErr = stderr,
                ConnLogText = connText,
                AlertsText = alertsText,
                Connections = ParseConnections(connText),
                Alerts = ParseAlerts(alertsText),
                Outcomes = outcomes,
                Attempts = attempts,
            };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The dotnet host running this test (testhost runs under it), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return TestEnvironment.FindTool("dotnet") ?? "dotnet";
    }

    private static List<ConnRecord> ParseConnections(string text)
    {
        var list = new List<ConnRecord>();
        int line = 0;
        foreach (var l in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            line++;
            using var doc = JsonDocument.Parse(l);
            var r = doc.RootElement;
            var ih = r.GetProperty("idshalfopen");
            list.Add(new ConnRecord(
                line,
                Ip(r.GetProperty("source").GetProperty("ip").GetString()),
                r.GetProperty("source").GetProperty("port").GetInt32(),
                Ip(r.GetProperty("destination").GetProperty("ip").GetString()),
                r.GetProperty("destination").GetProperty("port").GetInt32(),
                ih.GetProperty("outcome").GetString() ?? "",
                ih.GetProperty("history").GetString() ?? "",
                ih.GetProperty("end_reason").GetString() ?? "",
                ih.GetProperty("syn_retransmits").GetInt32(),
                ih.GetProperty("synack_retransmits").GetInt32(),
                r.GetProperty("event").GetProperty("start").GetString() ?? ""));
        }

        return list;
    }

    private static List<AlertDoc> ParseAlerts(string text)
    {
        var list = new List<AlertDoc>();
        foreach (var l in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(l);
            var r = doc.RootElement;
            var ih = r.GetProperty("idshalfopen");
            list.Add(new AlertDoc(
                r.GetProperty("event").GetProperty("action").GetString() ?? "",
                r.GetProperty("rule").GetProperty("id").GetString() ?? "",
                ih.GetProperty("phase").GetString() ?? "",
                r.TryGetProperty("source", out var s) && s.TryGetProperty("ip", out var sip) ? sip.GetString() : null,
                r.TryGetProperty("destination", out var d) && d.TryGetProperty("ip", out var dip) ? dip.GetString() : null,
                ih.GetProperty("embryonic_peak").GetInt64(),
                r.GetProperty("message").GetString() ?? ""));
        }

        return list;
    }

    /// <summary>Parses an address and folds IPv4-mapped IPv6 into IPv4, so every tool's notation compares equal.</summary>
    public static IPAddress Ip(string? text)
    {
        var a = IPAddress.Parse(text ?? throw new FormatException("missing address"));
        return a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }
}
