using System.Text;
using System.Text.Json;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>
/// Golden tests: every capture in samples-pcap/ replays to the alerts and connection outcomes recorded under
/// samples-pcap/expected/ (reviewed by hand against the samples README once), and to the same bytes for every shard
/// count. Set IDS_UPDATE_GOLDEN=1 to rewrite the expected files after an intended change, then review the diff.
/// </summary>
public sealed class GoldenTests : IDisposable
{
    private readonly CliFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Samples).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Replay_Sample_MatchesGoldenForEveryShardCount(string sample)
    {
        string input = Path.Combine(RepoPaths.Samples, sample);
        string expectedDir = Path.Combine(RepoPaths.Samples, "expected");
        string? alertsRef = null, connRef = null;
        foreach (int shards in new[] { 1, 2, 4, 8 })
        {
            string alerts = _f.Path_($"{sample}.{shards}.alerts.jsonl"), conns = _f.Path_($"{sample}.{shards}.conn.jsonl");
            var r = CliFixture.Replay([input], shards: shards, alerts: alerts, connLog: conns);
            Assert.True(r.ExitCode == ExitCodes.Success, $"{sample} --shards {shards}: exit {r.ExitCode}: {r.Err}");
            string a = File.ReadAllText(alerts), c = Outcomes(File.ReadAllLines(conns));
            alertsRef ??= a;
            connRef ??= c;
            Assert.True(a == alertsRef, $"{sample}: alerts with --shards {shards} differ from --shards 1");
            Assert.True(c == connRef, $"{sample}: connection records with --shards {shards} differ from --shards 1");
        }

        string expectedAlerts = Path.Combine(expectedDir, sample + ".alerts.jsonl");
        string expectedConns = Path.Combine(expectedDir, sample + ".conn.tsv");
        if (Environment.GetEnvironmentVariable("IDS_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(expectedDir);
            File.WriteAllText(expectedAlerts, alertsRef);
            File.WriteAllText(expectedConns, connRef);
        }

        Assert.True(File.Exists(expectedAlerts), $"{expectedAlerts} is missing (IDS_UPDATE_GOLDEN=1 writes it)");
        AssertSameLines(File.ReadAllText(expectedAlerts), alertsRef!, sample + " alerts");
        AssertSameLines(File.ReadAllText(expectedConns), connRef!, sample + " connection outcomes");
    }

    /// <summary>The reviewable projection of the connection log: one attempt per line, in output order.</summary>
    private static string Outcomes(string[] lines)
    {
        var sb = new StringBuilder("# start\tsource\tdestination\toutcome\thistory\tend_reason\tsyn_rexmit\tsynack_rexmit\n");
        foreach (var line in lines)
        {
            var d = JsonDocument.Parse(line).RootElement;
            var ids = d.GetProperty("idshalfopen");
            sb.Append(d.GetProperty("event").GetProperty("start").GetString()).Append('\t')
                .Append(Endpoint(d.GetProperty("source"))).Append('\t')
                .Append(Endpoint(d.GetProperty("destination"))).Append('\t')
                .Append(ids.GetProperty("outcome").GetString()).Append('\t')
                .Append(ids.GetProperty("history").GetString()).Append('\t')
                .Append(ids.GetProperty("end_reason").GetString()).Append('\t')
                .Append(ids.GetProperty("syn_retransmits").GetInt32()).Append('\t')
                .Append(ids.GetProperty("synack_retransmits").GetInt32()).Append('\n');
        }

        return sb.ToString();

        static string Endpoint(JsonElement e)
        {
            string ip = e.GetProperty("ip").GetString()!;
            return (ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip) + ":" + e.GetProperty("port").GetInt32();
        }
    }

    private static void AssertSameLines(string expected, string actual, string what)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<none>", al = i < a.Length ? a[i] : "<none>";
            Assert.True(el == al, $"{what}: first difference at line {i + 1}\nexpected: {el}\nactual:   {al}");
        }
    }
}
