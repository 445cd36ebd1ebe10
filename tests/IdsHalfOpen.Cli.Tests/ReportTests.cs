using System.Text.Json;
using IdsHalfOpen.Cli.Replay;
using IdsHalfOpen.TestKit;
using Spectre.Console;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>replay --report, the end-of-run tables and the progress display, run in-process.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly CliFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Run_ReportOnSpoofedFlood_SameBytesForOneAndFourShards()
    {
        string input = Path.Combine(RepoPaths.Samples, "syn-flood-spoofed.pcap");
        string one = _f.Path_("one.html"), four = _f.Path_("four.html");

        var r1 = CliFixture.Replay([input], shards: 1, presentation: new ReplayPresentation { ReportPath = one });
        var r4 = CliFixture.Replay([input], shards: 4, presentation: new ReplayPresentation { ReportPath = four });

        Assert.Equal(ExitCodes.Success, r1.ExitCode);
        Assert.Equal(ExitCodes.Success, r4.ExitCode);
        Assert.Contains("report      " + one, r1.Out, StringComparison.Ordinal);
        byte[] a = File.ReadAllBytes(one), b = File.ReadAllBytes(four);
        Assert.True(a.AsSpan().SequenceEqual(b), "the report differs between --shards 1 and --shards 4");

        // Not vacuous: the flood and its victim are in it, with a time series.
        using var data = JsonDocument.Parse(ReportHtml.DataIsland(File.ReadAllText(one)));
        var root = data.RootElement;
        Assert.InRange(root.GetProperty("points").GetInt32(), 50, 2000);
        var victim = root.GetProperty("services")[0];
        Assert.Equal("10.0.0.10:80", victim.GetProperty("label").GetString());
        Assert.Equal(3000, victim.GetProperty("peak_embryonic").GetInt64());
        Assert.Contains(root.GetProperty("alerts").EnumerateArray(), al => al.GetProperty("kind").GetString() == "syn-flood");
        Assert.Contains(root.GetProperty("outcomes").EnumerateArray(), o => o.GetProperty("name").GetString() == "embryonic" && o.GetProperty("count").GetInt64() == 3000);
    }

    [Fact]
    public void Run_GaugesSampled_AlertsSameAsWithoutSampling()
    {
        string input = Path.Combine(RepoPaths.Samples, "syn-flood-spoofed.pcap");
        string plain = _f.Path_("plain.jsonl"), sampled = _f.Path_("sampled.jsonl");

        CliFixture.Replay([input], alerts: plain);
        CliFixture.Replay([input], alerts: sampled, presentation: new ReplayPresentation { ReportPath = _f.Path_("r.html") });

        Assert.NotEmpty(File.ReadAllText(plain));
        Assert.Equal(File.ReadAllText(plain), File.ReadAllText(sampled));
    }

    [Fact]
    public void Run_ReportPathUnwritable_ExitOneNamingIt()
    {
        var file = _f.WriteMix("mix.pcap", connections: 5, floodSyns: 0);
        string report = Path.Combine(_f.Dir, "no-such-dir", "r.html");

        var r = CliFixture.Replay([file], presentation: new ReplayPresentation { ReportPath = report });

        Assert.Equal(ExitCodes.UsageError, r.ExitCode);
        Assert.Contains(report, r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Tables_AlertsVictimsSourcesAndDecodeEventsAfterThePlainLines()
    {
        var inputs = new[] { "syn-flood-spoofed.pcap", "halfopen-scan.pcap", "edge-cases.pcap" }.Select(n => Path.Combine(RepoPaths.Samples, n));
        var tables = new StringWriter();

        var r = CliFixture.Replay(inputs, presentation: new ReplayPresentation { Tables = ReplayConsole.Create(tables, terminal: false) });

        Assert.Equal(ExitCodes.Success, r.ExitCode);
        string t = tables.ToString();
        foreach (var title in new[] { "alerts", "top victims", "top sources", "decode events" }) Assert.Contains(title, t, StringComparison.Ordinal);
        foreach (var column in new[] { "kind", "rule", "target", "start", "duration", "peak embryonic", "peak SYN rate", "sources" }) Assert.Contains(column, t, StringComparison.Ordinal);
        Assert.Contains("IHO-1001", t, StringComparison.Ordinal);
        Assert.Contains("10.0.0.10:80", t, StringComparison.Ordinal);
        Assert.Contains("203.0.113.66", t, StringComparison.Ordinal);
        Assert.Contains("TcpZeroPort", t, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", t, StringComparison.Ordinal);

        // The plain lines scripts read are untouched.
        Assert.Contains("attacks     5", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ProgressConsole_OneBarPerFileReachingHundredPercent()
    {
        var inputs = new[] { "handshakes-clean.pcap", "handshakes-clean.pcap.gz" }.Select(n => Path.Combine(RepoPaths.Samples, n)).ToList();
        var screen = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(screen),
        });
        console.Profile.Width = 140;

        var r = CliFixture.Replay(inputs, presentation: new ReplayPresentation { Progress = console });

        Assert.Equal(ExitCodes.Success, r.ExitCode);
        string s = screen.ToString();
        Assert.Contains("handshakes-clean.pcap ", s, StringComparison.Ordinal);
        Assert.Contains("handshakes-clean.pcap.gz", s, StringComparison.Ordinal);
        Assert.Contains("100%", s, StringComparison.Ordinal);
        Assert.Contains("pkt/s", s, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_NoColorSet_TerminalConsoleHasNoColours()
    {
        string? before = Environment.GetEnvironmentVariable("NO_COLOR");
        try
        {
            Environment.SetEnvironmentVariable("NO_COLOR", "1");
            Assert.Equal(ColorSystem.NoColors, ReplayConsole.Create(new StringWriter(), terminal: true).Profile.Capabilities.ColorSystem);
            Environment.SetEnvironmentVariable("NO_COLOR", null);
            Assert.Equal(ColorSystem.NoColors, ReplayConsole.Create(new StringWriter(), terminal: false).Profile.Capabilities.ColorSystem);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NO_COLOR", before);
        }
    }

    [Fact]
    public void Main_QuietWithReport_PrintsNothingAndWritesTheReport()
    {
        var file = _f.WriteMix("mix.pcap", connections: 5, floodSyns: 0);
        string report = _f.Path_("q.html");

        var (code, stdout, stderr) = ReportCli.Run(["replay", file, "--quiet", "--report", report]);

        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
        Assert.Contains("data-rendered", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Main_OutputRedirected_NoProgressAndPlainTables()
    {
        var file = _f.WriteMix("mix.pcap", connections: 5, floodSyns: 3000);

        var (code, stdout, stderr) = ReportCli.Run(["replay", file]);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.DoesNotContain("\u001b", stdout, StringComparison.Ordinal);
        Assert.Contains("packets     ", stdout, StringComparison.Ordinal);
        Assert.Contains("top victims", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("%", stdout, StringComparison.Ordinal);
    }
}

/// <summary>Runs the built idshalfopen as its own process (output redirected, so neither stream is a terminal).</summary>
internal static class ReportCli
{
    public static (int Code, string Out, string Err) Run(IEnumerable<string> args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "idshalfopen.dll");
        Assert.True(File.Exists(dll), dll + " is missing");
        return TestEnvironment.Run("dotnet", [dll, .. args], TimeSpan.FromMinutes(2));
    }
}

internal static class ReportHtml
{
    private const string Open = "<script id=\"report-data\" type=\"application/json\">";

    public static string DataIsland(string html)
    {
        int start = html.IndexOf(Open, StringComparison.Ordinal);
        Assert.True(start >= 0, "no data island");
        start += Open.Length;
        return html[start..html.IndexOf("</script>", start, StringComparison.Ordinal)];
    }
}
