using System.Text.Json;
using System.Text.RegularExpressions;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Output.Report;

namespace IdsHalfOpen.Output.Tests.Report;

public sealed partial class HtmlReportWriterTests
{
    private const string Hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>&\"'";
    private const long T0 = 1_709_294_400_000_000_000;

    [Fact]
    public void Write_HostileStrings_EscapedInMarkupAndInTheDataIsland()
    {
        var report = Sample(Hostile);

        string html = HtmlReportWriter.ToHtml(report);

        // Only our own two script elements (plus the data island) may exist, and no injected element.
        Assert.Equal(3, ScriptOpen().Count(html));
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("alert(1)</script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/script&gt;", html, StringComparison.Ordinal);

        // The island still carries the exact strings for the charts.
        using var data = JsonDocument.Parse(DataIsland(html));
        Assert.Equal(Hostile, data.RootElement.GetProperty("alerts")[0].GetProperty("target").GetString());
        Assert.Equal(Hostile, data.RootElement.GetProperty("services")[0].GetProperty("label").GetString());
        Assert.Equal(Hostile, data.RootElement.GetProperty("outcomes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void Write_AnyReport_NeedsNothingFromTheNetwork()
    {
        string html = HtmlReportWriter.ToHtml(Sample("10.0.0.10:80"));

        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none'", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\s(src|href)\s*=", html);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);

        // The only URL is the SVG namespace name, which is never fetched.
        var urls = Url().Matches(html).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["http://www.w3.org/2000/svg"], urls);
    }

    [Fact]
    public void Write_SameReportTwice_SameBytes()
    {
        Assert.Equal(HtmlReportWriter.ToHtml(Sample("a")), HtmlReportWriter.ToHtml(Sample("a")));
        Assert.NotEqual(HtmlReportWriter.ToHtml(Sample("a")), HtmlReportWriter.ToHtml(Sample("b")));
    }

    [Fact]
    public void DataJson_Series_TimesRelativeToOriginAndValuesKept()
    {
        using var data = JsonDocument.Parse(HtmlReportWriter.DataJson(Sample("x")));
        var root = data.RootElement;

        Assert.Equal(T0 / 1_000_000, root.GetProperty("origin_ms").GetInt64());
        Assert.Equal(0.2, root.GetProperty("interval_s").GetDouble());
        Assert.Equal(2.5, root.GetProperty("alerts")[0].GetProperty("start_s").GetDouble());
        Assert.Equal(4.0, root.GetProperty("alerts")[0].GetProperty("end_s").GetDouble());
        Assert.Equal([0, 10, 250.5, 3], root.GetProperty("services")[0].GetProperty("syn").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(2, root.GetProperty("services")[0].GetProperty("start").GetInt32());
    }

    [Fact]
    public void Write_NoAlertsNoSeries_StillAWholeDocument()
    {
        string html = HtmlReportWriter.ToHtml(new ReplayReport());

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
        Assert.Contains("No attacks detected.", html, StringComparison.Ordinal);
        using var data = JsonDocument.Parse(DataIsland(html));
        Assert.Equal(0, data.RootElement.GetProperty("points").GetInt32());
    }

    private static ReplayReport Sample(string text) => new()
    {
        Title = "report " + text,
        Files = ["/captures/" + text + ".pcap"],
        Figures = [new("packets", 1234), new(text, 5)],
        Outcomes = [new(text, 7), new("completed", 3)],
        DecodeEvents = [new(text, 1)],
        Problems = [text],
        Alerts =
        [
            new ReportAlert
            {
                AttackId = "a1", Kind = "syn-flood", RuleId = "IHO-1001", RuleName = text, Severity = "high", Target = text,
                StartNs = T0 + 2_500_000_000, EndNs = T0 + 4_000_000_000, EndReason = "quiet", EmbryonicPeak = 300, SynRatePeak = 250.5,
                DistinctSources = 299, TopSources = [new(text, 12)],
            },
        ],
        Series = new GaugeSeries(T0, 200_000_000, 6, [0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 0, 0],
            [new ServiceSeries(text, new ServiceKey(1, 80), 2, [0, 5, 300, 1], [0, 10, 250.5, 3], 300, 250.5)]),
    };

    private static string DataIsland(string html) =>
        Island().Match(html) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no data island");

    [GeneratedRegex("<script[ >]", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptOpen();

    [GeneratedRegex("<script id=\"report-data\" type=\"application/json\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex Island();

    [GeneratedRegex(@"https?://[^\s""'<>)]+")]
    private static partial Regex Url();
}
