using System.Text.RegularExpressions;
using IdsHalfOpen.Cli.Replay;
using IdsHalfOpen.TestKit;
using Xunit.Abstractions;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>
/// Opens a real report in headless Chromium: the inline script must draw every chart without a JavaScript error. The
/// screenshot is kept under TestResults/artifacts/ next to the test binaries for a human to look at.
/// </summary>
public sealed partial class ReportBrowserTests(ITestOutputHelper output) : IDisposable
{
    private readonly CliFixture _f = new();

    public void Dispose() => _f.Dispose();

    [RequiresToolsFact("chromium")]
    public void Report_InHeadlessChromium_DrawsEveryChartWithoutScriptErrors()
    {
        ToolGuard.Require("chromium");
        string artifacts = Path.Combine(AppContext.BaseDirectory, "TestResults", "artifacts");
        Directory.CreateDirectory(artifacts);
        string report = Path.Combine(artifacts, "report.html");
        var inputs = new[] { "syn-flood-spoofed.pcap", "halfopen-scan.pcap" }.Select(n => Path.Combine(RepoPaths.Samples, n));
        var r = CliFixture.Replay(inputs, presentation: new ReplayPresentation { ReportPath = report });
        Assert.Equal(ExitCodes.Success, r.ExitCode);

        string dom = Chromium("--dump-dom", new Uri(report).AbsoluteUri);

        Assert.Matches("<body[^>]*data-rendered=\"ok\"", dom);
        var errors = ErrorText().Match(dom);
        Assert.False(errors.Success, "script errors: " + errors.Groups[1].Value);

        // Line charts: one path per service and one for the link in each of the two charts, with real data.
        var points = SeriesPoints().Matches(dom).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(points.Count >= 4, $"{points.Count} series paths");
        Assert.True(points.Max() >= 50, $"longest series has {points.Max()} points");
        Assert.Equal(5, AlertBar().Count(dom));
        Assert.True(OutcomeBar().Count(dom) >= 5, "outcome bars");
        Assert.Contains("10.0.0.10:80", dom, StringComparison.Ordinal);

        string png = Path.Combine(artifacts, "report.png");
        File.Delete(png);
        Chromium("--screenshot=" + png, "--window-size=1400,2000", new Uri(report).AbsoluteUri);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.AsSpan().StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), "not a PNG");
        Assert.True(bytes.Length > 30_000, $"screenshot of {bytes.Length} bytes looks blank");
        output.WriteLine("report: " + report);
        output.WriteLine("screenshot: " + png);
    }

    /// <summary>Runs headless Chromium with a throw-away profile (parallel runs must not share one) and returns stdout.</summary>
    private string Chromium(params string[] args)
    {
        string profile = _f.Path_("chromium-profile-" + Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = TestEnvironment.Run(TestEnvironment.FindTool("chromium")!,
            ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=5000", .. args],
            TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"chromium exited {code}: {stderr}");
        return stdout;
    }

    [GeneratedRegex("data-error-text=\"([^\"]*)\"")]
    private static partial Regex ErrorText();

    [GeneratedRegex("<path [^>]*class=\"series[^\"]*\"[^>]*data-points=\"(\\d+)\"")]
    private static partial Regex SeriesPoints();

    [GeneratedRegex("class=\"alert-bar\"")]
    private static partial Regex AlertBar();

    [GeneratedRegex("class=\"outcome-bar\"")]
    private static partial Regex OutcomeBar();
}
