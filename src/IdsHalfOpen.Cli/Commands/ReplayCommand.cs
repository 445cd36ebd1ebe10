using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Cli.Replay;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Report;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Cli.Commands;

/// <summary><c>idshalfopen replay FILE...</c>: offline replay of pcap/pcapng(.gz) files through decode, tracking and detection.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files")
        {
            Description = "pcap or pcapng files, optionally gzip-compressed (recognised by content, not by name)",
            Arity = ArgumentArity.OneOrMore,
        };
        var statsJson = new Option<FileInfo?>("--stats-json") { Description = "write the replay figures as one JSON object to this file" };
        var alerts = new Option<string?>("--alerts") { Description = "write alert lifecycle events as ECS JSON lines to this file ('-' for stdout)" };
        var connLog = new Option<string?>("--conn-log") { Description = "write one ECS JSON line per finished connection attempt to this file ('-' for stdout)" };
        var rules = new Option<string?>("--rules") { Description = "a rule file or a folder of *.yaml rule files (default: the built-in rules/default.yaml)" };
        var shards = new Option<int>("--shards") { Description = "tracker shards (threads); outputs are identical for any value (default: cores - 2, at least 1)", DefaultValueFactory = _ => ReplayOptions.DefaultShards };
        var maxEntries = new Option<int?>("--max-entries") { Description = "hard cap on tracked attempts across all shards (default 1000000)" };
        var embryonic = new Option<double?>("--embryonic-timeout") { Description = "seconds an embryonic attempt lives after its last SYN-ACK (default: rules, else 30)" };
        var unanswered = new Option<double?>("--unanswered-timeout") { Description = "seconds a SYN waits for an answer (default: rules, else 30)" };
        var sensorName = new Option<string?>("--sensor-name") { Description = "observer.hostname in the documents (default: this host's name)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "print nothing but errors (for scripts): no progress bar, no tables" };
        var report = new Option<FileInfo?>("--report") { Description = "write a self-contained HTML report (charts over packet time, alerts, outcomes) to this file" };
        var command = new Command("replay", "Replay capture files offline: decode, track every handshake, detect floods and scans")
        {
            files, statsJson, alerts, connLog, rules, shards, maxEntries, embryonic, unanswered, sensorName, quiet, report,
        };
        var es = new EsCliOptions();
        es.AddReplayOptions(command);
        command.SetAction((parse, token) =>
        {
            var (_, esValid, esOptions) = es.ResolveReplay(parse, Console.Error);
            if (!esValid) return Task.FromResult(ExitCodes.UsageError);
            var ruleSet = LoadRules(parse.GetValue(rules), Console.Error);
            if (ruleSet is null) return Task.FromResult(ExitCodes.UsageError);
            int shardCount = parse.GetValue(shards);
            if (shardCount < 1 || shardCount > 256)
            {
                Console.Error.WriteLine("idshalfopen: --shards must be between 1 and 256");
                return Task.FromResult(ExitCodes.UsageError);
            }

            var defaults = new TrackerOptions();
            var tracker = defaults with
            {
                EmbryonicTimeout = Seconds(parse.GetValue(embryonic)) ?? ruleSet.Tracker.EmbryonicTimeout,
                UnansweredTimeout = Seconds(parse.GetValue(unanswered)) ?? ruleSet.Tracker.UnansweredTimeout,
                MaxEntries = parse.GetValue(maxEntries) ?? defaults.MaxEntries,
            };
            if (tracker.MaxEntries < 1 || tracker.EmbryonicTimeout <= TimeSpan.Zero || tracker.UnansweredTimeout <= TimeSpan.Zero)
            {
                Console.Error.WriteLine("idshalfopen: --max-entries and the timeouts must be positive");
                return Task.FromResult(ExitCodes.UsageError);
            }

            bool isQuiet = parse.GetValue(quiet);
            string? reportPath = parse.GetValue(report)?.FullName;
            var options = new ReplayOptions
            {
                Shards = shardCount,
                Rules = ruleSet,
                Tracker = tracker,
                AlertsPath = parse.GetValue(alerts),
                ConnLogPath = parse.GetValue(connLog),
                SensorName = parse.GetValue(sensorName),
                Elasticsearch = esOptions,
            };
            bool dataOnStdout = options.AlertsPath == "-" || options.ConnLogPath == "-";
            var text = isQuiet ? TextWriter.Null : dataOnStdout ? Console.Error : Console.Out;
            bool textIsTerminal = dataOnStdout ? !Console.IsErrorRedirected : !Console.IsOutputRedirected;
            var presentation = new ReplayPresentation
            {
                // Progress only where someone watches: a terminal on stderr, and never for scripts (--quiet).
                Progress = !isQuiet && !Console.IsErrorRedirected ? ReplayConsole.Create(Console.Error, terminal: true) : null,
                Tables = isQuiet ? null : ReplayConsole.Create(text, textIsTerminal),
                ReportPath = reportPath,
            };
            return Task.FromResult(Run(parse.GetRequiredValue(files), parse.GetValue(statsJson), options, text, Console.Error, Console.OpenStandardOutput(), token, presentation));
        });
        return command;
    }

    private static TimeSpan? Seconds(double? s) => s is { } v ? TimeSpan.FromSeconds(v) : null;

    internal static RuleSet? LoadRules(string? path, TextWriter stderr)
    {
        if (path is null) return RuleSet.Default;
        var result = Directory.Exists(path) ? RuleLoader.LoadDirectory(path) : RuleLoader.LoadFile(path);
        foreach (var d in result.Diagnostics) stderr.WriteLine(d.ToString());
        return result.Success ? result.RuleSet : null;
    }

    internal static int Run(FileInfo[] files, FileInfo? statsJson, ReplayOptions options, TextWriter text, TextWriter stderr, Stream stdout, CancellationToken token,
        ReplayPresentation? presentation = null)
    {
        presentation ??= ReplayPresentation.None;

        // The tables and the report read gauges sampled along the way; without either, nothing is sampled.
        if (presentation.Tables is not null || presentation.ReportPath is not null) options = options with { SampleGauges = true };
        ReplayRunner runner;
        try
        {
            runner = new ReplayRunner(options, stdout, stderr);
        }
        catch (IOException e)
        {
            stderr.WriteLine($"idshalfopen: {e.Message}");
            return ExitCodes.UsageError;
        }

        using var _ = runner;
        var clock = ReplayRunner.StartClock();
        int exit = ExitCodes.Success;
        var read = new List<string>();
        void ReadAll(Func<string, Action<long, long, long>?> progressFor, Action<string> error)
        {
            foreach (var file in files)
            {
                try
                {
                    runner.Run(file.FullName, token, progressFor(file.FullName));
                    read.Add(file.FullName);
                }
                catch (CaptureException e)
                {
                    error($"idshalfopen: {e.Message}");
                    exit = ExitCodes.InputError;
                }
                catch (OperationCanceledException)
                {
                    error("idshalfopen: interrupted; the figures below cover what was read");
                    exit = ExitCodes.Interrupted;
                    break;
                }
            }
        }

        if (presentation.Progress is { } progress)
        {
            // Messages go through the live display so they print above the bars instead of through them.
            ReplayConsole.WithProgress(progress, fileProgress => ReadAll(fileProgress, m => progress.Write(new Spectre.Console.Text(m + "\n"))));
        }
        else
        {
            ReadAll(_ => null, stderr.WriteLine);
        }

        runner.Complete();
        var summary = runner.Summarize(read, clock.Elapsed);
        summary.Es = runner.FinishElasticsearch(token);
        foreach (var p in summary.Problems) stderr.WriteLine($"idshalfopen: warning: {p}");
        if (summary.Es is { Complete: false } es)
        {
            stderr.WriteLine($"idshalfopen: warning: {es.Spooled:N0} documents not delivered to Elasticsearch in time{(es.LastError is null ? "" : $" (last error: {es.LastError})")}");
        }
        if (exit == ExitCodes.Success && summary.Problems.Count > 0) exit = ExitCodes.DamagedInput;

        WriteText(summary, text);
        var attacks = runner.Attacks();
        if (presentation.Tables is { } tables) ReplayConsole.WriteTables(tables, summary, attacks, runner.Gauges(10));
        if (presentation.ReportPath is { } reportPath)
        {
            try
            {
                var model = ReplayReportBuilder.Build(summary, attacks, runner.Gauges(ReplayReportBuilder.ChartServices));
                using (var w = new StreamWriter(reportPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
                {
                    HtmlReportWriter.Write(model, w);
                }

                text.WriteLine($"report      {reportPath}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"idshalfopen: cannot write {reportPath}: {e.Message}");
                return ExitCodes.UsageError;
            }
        }

        if (statsJson is not null)
        {
            try
            {
                File.WriteAllText(statsJson.FullName, JsonSerializer.Serialize(summary, CliJsonContext.Default.ReplaySummary));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"idshalfopen: cannot write {statsJson.FullName}: {e.Message}");
                return ExitCodes.UsageError;
            }
        }

        return exit;
    }

    private static void WriteText(ReplaySummary s, TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(c, $"files       {s.Files.Count}"));
        w.WriteLine(string.Create(c, $"packets     {s.Packets:N0}"));
        w.WriteLine(string.Create(c, $"bytes       {s.Bytes:N0}"));
        w.WriteLine(string.Create(c, $"tcp packets {s.TcpPackets:N0}"));
        w.WriteLine(string.Create(c, $"syn         {s.Syn:N0}"));
        w.WriteLine(string.Create(c, $"syn-ack     {s.Synack:N0}"));
        w.WriteLine(string.Create(c, $"rst         {s.Rst:N0}"));
        w.WriteLine(string.Create(c, $"fin         {s.Fin:N0}"));
        if (s.DecodeEvents.Count == 0)
        {
            w.WriteLine("decode events: none");
        }
        else
        {
            w.WriteLine("decode events:");
            foreach (var (name, count) in s.DecodeEvents) w.WriteLine(string.Create(c, $"  {name,-34} {count:N0}"));
        }

        w.WriteLine(string.Create(c, $"attempts    {s.Attempts:N0}"));
        foreach (var (name, count) in s.Outcomes) w.WriteLine(string.Create(c, $"  {name,-20} {count:N0}"));
        w.WriteLine(string.Create(c, $"evictions   {s.Evictions:N0} (peak tracked {s.PeakTracked:N0})"));
        w.WriteLine(string.Create(c, $"attacks     {s.Alerts:N0}"));
        foreach (var a in s.Attacks)
        {
            string end = a.EndReason is null ? "open" : a.EndReason;
            w.WriteLine(string.Create(c, $"  {a.Severity,-8} {a.Kind,-17} {a.Target,-24} {a.RuleId,-9} start {a.Start} for {a.DurationS:F1} s, embryonic peak {a.EmbryonicPeak:N0}, syn rate peak {a.SynRatePeak:N0}/s, sources {a.DistinctSources:N0}{(a.Degraded ? ", DEGRADED" : "")} [{end}]"));
        }

        if (s.Es is { } es)
        {
            w.WriteLine(string.Create(c, $"elasticsearch {es.Url}: delivered {es.Delivered:N0}, duplicates {es.Duplicates:N0}, spooled {es.Spooled:N0}, dead-lettered {es.DeadLettered:N0}{(es.Dropped > 0 ? $", dropped {es.Dropped:N0}" : "")}"));
            if (es.DeadLetterFile is { } dead) w.WriteLine($"  dead letters in {dead}");
        }

        w.WriteLine(string.Create(c, $"elapsed     {s.ElapsedS:F3} s ({s.Shards} shards)"));
        w.WriteLine(string.Create(c, $"rate        {s.Pps:N0} packets/s"));
    }
}
