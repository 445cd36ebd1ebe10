using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IdsHalfOpen.Output.Tests.Elasticsearch;
using Xunit.Abstractions;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>
/// kill -9 of the real <c>idshalfopen replay --es</c> process in the middle of delivery, then a restart on the same
/// spool: the whole shipper path (replay, spool on disk, bulk, acknowledgement, recovery) against the loopback fake.
/// The fake stores the first bulk and then holds every later one unanswered, so at the kill some documents are
/// provably stored, the rest provably not, and one bulk is in flight.
/// </summary>
public sealed partial class EsKillRestartTests : IDisposable
{
    private const string AlertStream = "logs-idshalfopen.alert-default";
    private const string ConnectionStream = "logs-idshalfopen.connection-default";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(25);

    private readonly CliFixture _f = new();
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public EsKillRestartTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _f.Dispose();

    /// <summary>Where the time went, in the test's output: the first thing to read when it is slow or fails on a busy machine.</summary>
    private void Step(string what) => _output.WriteLine($"{_clock.Elapsed.TotalSeconds,7:F2} s  {what}");

    [Fact]
    public Task Replay_KilledMidDeliveryThenReplayedAgain_EveryDocumentStoredOnce() => KillThenRestartAsync(drainOnly: false);

    [Fact]
    public Task Replay_KilledMidDeliveryThenDrained_EveryDocumentStoredOnce() => KillThenRestartAsync(drainOnly: true);

    private async Task KillThenRestartAsync(bool drainOnly)
    {
        // About 3,000 connection records and a few alerts: three bulks of the default 1,000 documents and more.
        string capture = _f.WriteMix("kill.pcap", connections: 1500, floodSyns: 1500);
        string spool = _f.Path_("spool");
        string[] common = ["--shards", "1", "--sensor-name", "kill-test", "--es-connections", "-q"];

        // The documents a run makes, from the same binary without Elasticsearch: deterministic, so the expected set.
        using var reference = await CliProcess.RunAsync(Deadline, ["replay", capture, "--alerts", _f.Path_("ref-alerts.ndjson"), "--conn-log", _f.Path_("ref-conn.ndjson"), .. common]);
        Assert.True(reference.ExitCode == 0, reference.ToString());
        var expectedAlerts = Documents(_f.Path_("ref-alerts.ndjson"));
        var expectedConnections = Documents(_f.Path_("ref-conn.ndjson"));
        int total = expectedAlerts.Count + expectedConnections.Count;
        Assert.True(expectedConnections.Count > 2500 && expectedAlerts.Count > 0, $"{expectedConnections.Count} connections, {expectedAlerts.Count} alerts");
        Step($"reference run: {expectedAlerts.Count} alerts, {expectedConnections.Count} connection records");

        await using var fake = await FakeElasticsearch.StartAsync();
        fake.HoldBulksAfter = 1;
        string[] shipping = ["replay", capture, "--es", fake.Url.ToString(), "--spool", spool, .. common];

        long storedAtKill;
        using (var first = CliProcess.Start([.. shipping, "--conn-log", _f.Path_("conn.ndjson"), "--es-timeout", "600"]))
        {
            // The conn-log's last line reaches the file only in the final flush, after every document went into the
            // spool: from then on the spool holds the whole run, and the kill tests delivery, not production.
            int connections = expectedConnections.Count;
            await Until(() => first.HasExited || (fake.HeldBulks > 0 && CountLines(_f.Path_("conn.ndjson")) == connections), first);
            Assert.False(first.HasExited, "the run ended by itself: " + first);
            first.Kill();
            await first.WaitForExitAsync(Deadline);
            storedAtKill = fake.Store.DocumentCount;
            Step($"killed with {storedAtKill} of {total} documents stored, {fake.HeldBulks} bulk held");
        }

        Assert.InRange(storedAtKill, 1, total - 1);
        // The killed client's held request ends when the fake sees the connection gone; release only then, so no
        // late write of the dead run lands while the restart runs (it would be harmless: a duplicate, counted below).
        await Until(() => fake.HeldBulks == 0, null);
        fake.HoldBulksAfter = null;
        long storedAtRestart = fake.Store.DocumentCount;
        long spooledAtKill = total - storedAtKill;
        Step($"held bulk ended, {storedAtRestart} stored; restarting ({(drainOnly ? "es drain" : "replay")})");

        long delivered, duplicates;
        if (drainOnly)
        {
            using var drain = await CliProcess.RunAsync(Deadline, "es", "drain", "--es", fake.Url.ToString(), "--spool", spool, "--es-timeout", "20");
            Assert.True(drain.ExitCode == 0, drain.ToString());
            // What the spool held is exactly what the killed run had not had acknowledged.
            var held = HeldLine().Match(drain.StdOut);
            Assert.True(held.Success, drain.ToString());
            Assert.Equal(spooledAtKill, Number(held.Groups[1].Value));
            var summary = DrainLine().Match(drain.StdOut);
            Assert.True(summary.Success, drain.ToString());
            (delivered, duplicates) = (Number(summary.Groups[1].Value), Number(summary.Groups[2].Value));
            Assert.Equal((0L, 0L), (Number(summary.Groups[3].Value), Number(summary.Groups[4].Value)));
            Assert.Equal(spooledAtKill, delivered + duplicates);
        }
        else
        {
            string stats = _f.Path_("stats.json");
            using var again = await CliProcess.RunAsync(Deadline, [.. shipping, "--stats-json", stats, "--es-timeout", "20"]);
            Assert.True(again.ExitCode == 0, again.ToString());
            var es = JsonDocument.Parse(File.ReadAllText(stats)).RootElement.GetProperty("es");
            (delivered, duplicates) = (es.GetProperty("delivered").GetInt64(), es.GetProperty("duplicates").GetInt64());
            Assert.True(es.GetProperty("complete").GetBoolean(), es.GetRawText());
            Assert.Equal((0L, 0L), (es.GetProperty("spooled").GetInt64(), es.GetProperty("dead_lettered").GetInt64()));
            // The spool's leftovers and a fresh copy of every document were sent: the spool drained, not just the replay.
            Assert.Equal(spooledAtKill + total, delivered + duplicates);
        }

        Step($"restart delivered {delivered}, duplicates {duplicates}");
        Assert.Equal(total - storedAtRestart, delivered);
        Assert.Equal(fake.Store.Conflicts, duplicates);

        // Nothing lost, nothing twice: each expected _id stored once, with the body the run wrote, and nothing else.
        Assert.Equal(total, fake.Store.DocumentCount);
        AssertStored(fake.Store.Documents(AlertStream), expectedAlerts, "idshalfopen.alert");
        AssertStored(fake.Store.Documents(ConnectionStream), expectedConnections, "idshalfopen.connection");
        string deadLetters = Path.Combine(spool, "dead-letter.ndjson");
        Assert.True(!File.Exists(deadLetters) || new FileInfo(deadLetters).Length == 0, "dead letters: " + (File.Exists(deadLetters) ? File.ReadAllText(deadLetters) : ""));
    }

    /// <summary>event.id (the bulk _id) → the document as written.</summary>
    private static Dictionary<string, string> Documents(string path) =>
        File.ReadAllLines(path).ToDictionary(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetProperty("id").GetString()!, StringComparer.Ordinal);

    private static void AssertStored(Dictionary<string, JsonElement> stored, Dictionary<string, string> expected, string dataset)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        string block = $$$""","data_stream":{"type":"logs","dataset":"{{{dataset}}}","namespace":"default"}}""";
        foreach (var (id, line) in expected) Assert.Equal(line[..^1] + block, stored[id].GetRawText());
    }

    /// <summary>Complete lines in a file another process is writing; 0 while it does not exist.</summary>
    private static int CountLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[64 * 1024];
            int lines = 0, n;
            while ((n = stream.Read(buffer)) > 0) lines += buffer.AsSpan(0, n).Count((byte)'\n');
            return lines;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Polls (a loaded 2-core machine is slow, never wrong) until <paramref name="condition"/> holds; fails at the deadline.</summary>
    private static async Task Until(Func<bool> condition, CliProcess? process)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Deadline) Assert.Fail($"condition not reached within {Deadline.TotalSeconds} s; {process}");
            await Task.Delay(20);
        }
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^spool .*: ([\d,]+) documents to ship$", RegexOptions.Multiline)]
    private static partial Regex HeldLine();

    [GeneratedRegex(@"delivered ([\d,]+), duplicates ([\d,]+), dead-lettered ([\d,]+), left in spool ([\d,]+)")]
    private static partial Regex DrainLine();
}
