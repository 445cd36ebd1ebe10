using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Cli.Replay;

namespace IdsHalfOpen.Cli.Commands;

/// <summary><c>idshalfopen replay FILE... [--stats-json PATH]</c>: offline replay of pcap/pcapng(.gz) files.</summary>
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
        var command = new Command("replay", "Replay capture files offline and report what they hold") { files, statsJson };
        command.SetAction((parse, token) => Task.FromResult(Run(parse.GetRequiredValue(files), parse.GetValue(statsJson), Console.Out, Console.Error, token)));
        return command;
    }

    internal static int Run(FileInfo[] files, FileInfo? statsJson, TextWriter stdout, TextWriter stderr, CancellationToken token)
    {
        var runner = new ReplayRunner();
        var clock = ReplayRunner.StartClock();
        int exit = ExitCodes.Success;
        var read = new List<string>();
        foreach (var file in files)
        {
            try
            {
                runner.Run(file.FullName, token);
                read.Add(file.FullName);
            }
            catch (CaptureException e)
            {
                stderr.WriteLine($"idshalfopen: {e.Message}");
                exit = ExitCodes.InputError;
            }
            catch (OperationCanceledException)
            {
                stderr.WriteLine("idshalfopen: interrupted; figures below cover what was read");
                exit = ExitCodes.Interrupted;
                break;
            }
        }

        var summary = runner.Summarize(read, clock.Elapsed);
        foreach (var p in summary.Problems) stderr.WriteLine($"idshalfopen: warning: {p}");
        if (exit == ExitCodes.Success && summary.Problems.Count > 0) exit = ExitCodes.DamagedInput;

        WriteText(summary, stdout);
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

        w.WriteLine(string.Create(c, $"elapsed     {s.ElapsedS:F3} s"));
        w.WriteLine(string.Create(c, $"rate        {s.Pps:N0} packets/s"));
    }
}
