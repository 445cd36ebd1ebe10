using System.Diagnostics;
using System.Globalization;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Report;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>What replay shows beyond its plain summary lines: a progress bar per file, end-of-run tables, an HTML report.</summary>
internal sealed record ReplayPresentation
{
    public static ReplayPresentation None { get; } = new();

    /// <summary>Where progress bars go (stderr on a terminal); null for none.</summary>
    public IAnsiConsole? Progress { get; init; }

    /// <summary>Where the end-of-run tables go; null for none.</summary>
    public IAnsiConsole? Tables { get; init; }

    /// <summary>--report: the HTML file to write.</summary>
    public string? ReportPath { get; init; }
}

/// <summary>Spectre.Console output of replay: consoles, the progress display and the tables.</summary>
internal static class ReplayConsole
{
    /// <summary>Width of tables written to a file or pipe (a terminal's own width is used otherwise).</summary>
    private const int PlainWidth = 160;

    /// <summary>https://no-color.org: any non-empty NO_COLOR turns colour off.</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>A console over <paramref name="writer"/>: ANSI and colour only on a terminal, never with NO_COLOR.</summary>
    public static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal && !NoColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal) console.Profile.Width = PlainWidth;
        return console;
    }

    /// <summary>Runs <paramref name="body"/> under a live progress display; it gets a progress callback maker per file.</summary>
    public static void WithProgress(IAnsiConsole console, Action<Func<string, Action<long, long, long>>> body)
    {
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new PacketRateColumn(), new RemainingTimeColumn())
            .Start(ctx => body(name => FileProgress(ctx, name)));
    }

    /// <summary>
    /// The callback for one file. The task is made at the first report, so a file that cannot be opened leaves no bar;
    /// a file with fewer than 64K frames shows up finished.
    /// </summary>
    private static Action<long, long, long> FileProgress(ProgressContext ctx, string path)
    {
        ProgressTask? task = null;
        var clock = Stopwatch.StartNew();
        return (read, total, frames) =>
        {
            task ??= ctx.AddTask(Markup.Escape(Path.GetFileName(path)), autoStart: true, maxValue: total > 0 ? total : 1);
            double seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            task.State.Update<double>(PacketRateColumn.StateKey, _ => frames / seconds);
            if (total > 0) task.Value = Math.Min(read, total);
            if (total > 0 && read >= total) task.StopTask();
        };
    }

    /// <summary>Alerts, top victims, top sources and decode events, after the plain summary lines.</summary>
    public static void WriteTables(IAnsiConsole console, ReplaySummary summary, IReadOnlyList<ReportAlert> attacks, GaugeSeries? gauges)
    {
        var c = CultureInfo.InvariantCulture;
        if (attacks.Count > 0)
        {
            var t = NewTable("alerts", 4, "kind", "rule", "target", "start", "duration", "peak embryonic", "peak SYN rate", "sources");
            foreach (var a in attacks)
            {
                t.AddRow(new Text(a.Kind, new Style(KindColor(a.Kind))), new Text(a.RuleId), new Text(a.Target), new Text(Rfc3339.ToString(a.StartNs)),
                    new Text(string.Create(c, $"{a.DurationS:F1} s")), new Text(a.EmbryonicPeak.ToString("N0", c)),
                    new Text(string.Create(c, $"{a.SynRatePeak:N0}/s")), new Text(a.DistinctSources.ToString("N0", c)));
            }

            console.Write(t);
        }

        if (gauges is { Services.Count: > 0 })
        {
            var t = NewTable("top victims (sampled in packet time)", 1, "service", "peak embryonic", "peak SYN rate");
            foreach (var s in gauges.Services)
                t.AddRow(new Text(s.Label), new Text(s.PeakEmbryonic.ToString("N0", c)), new Text(string.Create(c, $"{s.PeakSynRate:N0}/s")));
            console.Write(t);
        }

        var sources = TopSources(attacks, 10);
        if (sources.Count > 0)
        {
            var t = NewTable("top sources (in alerts)", 1, "source", "count", "attacks");
            foreach (var (source, count, n) in sources)
                t.AddRow(new Text(source), new Text(count.ToString("N0", c)), new Text(n.ToString("N0", c)));
            console.Write(t);
        }

        if (summary.DecodeEvents.Count > 0)
        {
            var t = NewTable("decode events", 1, "event", "count");
            foreach (var (name, count) in summary.DecodeEvents) t.AddRow(new Text(name), new Text(count.ToString("N0", c)));
            console.Write(t);
        }
    }

    /// <summary>The sources named in the attacks' top-source lists, summed over attacks: most first, then by address text.</summary>
    internal static List<(string Source, long Count, int Attacks)> TopSources(IReadOnlyList<ReportAlert> attacks, int n) =>
        [.. attacks.SelectMany(a => a.TopSources).GroupBy(s => s.Key, StringComparer.Ordinal)
            .Select(g => (Source: g.Key, Count: g.Sum(s => s.Value), Attacks: g.Count()))
            .OrderByDescending(x => x.Count).ThenBy(x => x.Source, StringComparer.Ordinal).Take(n)];

    /// <summary>A table whose first <paramref name="textColumns"/> columns are text and the others numbers (right-aligned).</summary>
    private static Table NewTable(string title, int textColumns, params string[] columns)
    {
        var t = new Table { Border = TableBorder.Rounded, Title = new TableTitle(title) };
        for (int i = 0; i < columns.Length; i++)
        {
            var col = new TableColumn(columns[i]);
            if (i >= textColumns) col.RightAligned();
            t.AddColumn(col);
        }

        return t;
    }

    private static Color KindColor(string kind) => kind switch
    {
        "syn-flood" => Color.Red,
        "embryonic-source" => Color.Orange1,
        "global-embryonic" => Color.Purple,
        "port-scan" => Color.Blue,
        "backscatter" => Color.Yellow,
        "health-monitor" => Color.Green,
        _ => Color.Default,
    };

    /// <summary>Packets per second of wall time for one file.</summary>
    private sealed class PacketRateColumn : ProgressColumn
    {
        public const string StateKey = "pps";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double pps = task.State.Get<double>(StateKey);
            return new Text(pps.ToString("N0", CultureInfo.InvariantCulture) + " pkt/s");
        }
    }
}

/// <summary>Builds the HTML report's model from what a replay gathered.</summary>
internal static class ReplayReportBuilder
{
    /// <summary>Services drawn in the report's charts.</summary>
    public const int ChartServices = 5;

    /// <summary>
    /// Leaves out what depends on the run rather than the capture: elapsed time, rates, shard count, and the peak of
    /// tracked entries (a sum of per-shard peaks, which need not coincide).
    /// </summary>
    public static ReplayReport Build(ReplaySummary s, IReadOnlyList<ReportAlert> attacks, GaugeSeries? gauges) => new()
    {
        Files = s.Files,
        Figures =
        [
            new("packets", s.Packets), new("bytes", s.Bytes), new("tcp packets", s.TcpPackets), new("SYN", s.Syn),
            new("SYN-ACK", s.Synack), new("RST", s.Rst), new("FIN", s.Fin), new("attempts", s.Attempts), new("attacks", s.Alerts),
            new("alert events", s.AlertEvents), new("evictions", s.Evictions),
        ],
        Outcomes = [.. s.Outcomes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)],
        DecodeEvents = [.. s.DecodeEvents],
        Problems = s.Problems,
        Alerts = attacks,
        Series = gauges is null ? null : gauges with { Services = [.. gauges.Services.Take(ChartServices)] },
    };
}
