using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// The real CLI (<c>idshalfopen replay</c>, Release build) as a child process, so what is measured is exactly what a user
/// runs: <c>replay</c> times full replay with detection beside tcpdump on the same file, rounds interleaved;
/// <c>flood-rss</c> measures the peak resident set of a replay of a spoofed flood.
/// </summary>
internal static class ReplayBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Replay(string[] args)
    {
        int packets = Args.Int(args, "--packets", 10_000_000);
        int rounds = Args.Int(args, "--rounds", 5);
        string? shards = Args.String(args, "--shards");
        string path = Args.String(args, "--file") ?? Captures.Mixed(packets);
        Console.WriteLine($"file {Captures.Describe(path)}");
        string cli = Args.String(args, "--cli") ?? CliDll();
        string alerts = Path.Combine(Path.GetTempPath(), $"idshalfopen-bench-alerts-{Environment.ProcessId}.jsonl");
        string stats = Path.Combine(Path.GetTempPath(), $"idshalfopen-bench-stats-{Environment.ProcessId}.json");
        var extra = shards is null ? Array.Empty<string>() : ["--shards", shards];

        // Warm-up: page cache (both tools read the same file) and the disk cache of the CLI's assemblies.
        FileBenchmark.TimeTcpdump(path);
        var first = RunCli(cli, path, stats, alerts, extra);
        string alertsHash = Hash(alerts);
        Console.WriteLine(string.Create(C, $"replay: {first.Packets:N0} packets, {first.Attacks} attacks, {first.AlertEvents} alert events, alerts sha256 {alertsHash[..16]}"));

        var ours = new List<double>();
        var wall = new List<double>();
        var tcpdump = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var run = RunCli(cli, path, stats, alerts, extra);
            if (Hash(alerts) != alertsHash) throw new InvalidOperationException("alerts differ between rounds");
            ours.Add(run.Pps);
            wall.Add(run.Packets / run.WallSeconds);
            tcpdump.Add(first.Packets / FileBenchmark.TimeTcpdump(path));
            Console.WriteLine(string.Create(C, $"  round {r + 1}: replay {run.Pps / 1e6:F2} Mpps (cli elapsed {run.ElapsedSeconds:F3} s, wall {run.WallSeconds:F3} s), tcpdump {tcpdump[^1] / 1e6:F2} Mpps"));
        }

        double mOurs = Median(ours), mWall = Median(wall), mTcpdump = Median(tcpdump);
        Console.WriteLine();
        Console.WriteLine(string.Create(C, $"idshalfopen replay (full detection, shards {first.Shards}): median {mOurs / 1e6:F2} Mpps over {rounds} rounds  [target >= 5.00 Mpps]"));
        Console.WriteLine(string.Create(C, $"  same, wall clock of the whole process (startup, JIT, rules included): median {mWall / 1e6:F2} Mpps"));
        Console.WriteLine(string.Create(C, $"tcpdump -r FILE -w /dev/null:                          median {mTcpdump / 1e6:F2} Mpps"));
        Console.WriteLine(string.Create(C, $"ratio replay / tcpdump: {mOurs / mTcpdump:F2}x (wall clock {mWall / mTcpdump:F2}x)"));
        File.Delete(alerts);
        File.Delete(stats);
        return 0;
    }

    public static int FloodRss(string[] args)
    {
        int sources = Args.Int(args, "--sources", 10_000_000);
        string? shards = Args.String(args, "--shards");
        string path = Args.String(args, "--file") ?? Captures.Flood(sources);
        Console.WriteLine($"file {Captures.Describe(path)}");
        string alerts = Path.Combine(Path.GetTempPath(), $"idshalfopen-bench-alerts-{Environment.ProcessId}.jsonl");
        string stats = Path.Combine(Path.GetTempPath(), $"idshalfopen-bench-stats-{Environment.ProcessId}.json");
        var extra = shards is null ? Array.Empty<string>() : ["--shards", shards];
        var run = RunCli(Args.String(args, "--cli") ?? CliDll(), path, stats, alerts, extra);
        var lines = File.ReadAllLines(alerts);
        int onVictim = 0, degraded = 0;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            bool victim = root.TryGetProperty("destination", out var d) && d.TryGetProperty("ip", out var ip) && ip.GetString() == "10.0.0.10";
            if (!victim) continue;
            onVictim++;
            if (line.Contains("\"degraded\":true", StringComparison.Ordinal)) degraded++;
        }

        Console.WriteLine(string.Create(C, $"replay of {run.Packets:N0} packets ({sources:N0} spoofed sources), shards {run.Shards}: {run.Pps / 1e6:F2} Mpps, evictions {run.Evictions:N0}, peak tracked {run.PeakTracked:N0}"));
        Console.WriteLine(string.Create(C, $"alert events {lines.Length}, on the victim 10.0.0.10: {onVictim}, of them marked degraded: {degraded}"));
        Console.WriteLine(string.Create(C, $"peak RSS (VmHWM): {run.PeakRssKb / 1024.0:F1} MB  [target <= 512 MB with the default --max-entries 1000000]"));
        File.Delete(alerts);
        File.Delete(stats);
        return onVictim > 0 && degraded > 0 ? 0 : 1;
    }

    internal static string CliDll()
    {
        string dll = Path.Combine(RepoPaths.Root, "src", "IdsHalfOpen.Cli", "bin", "Release", "net10.0", "idshalfopen.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} missing: run 'dotnet build -c Release' first");
        return dll;
    }

    private sealed record CliRun(long Packets, double Pps, double ElapsedSeconds, double WallSeconds, long PeakRssKb, int Shards, long Attacks, long AlertEvents, long Evictions, long PeakTracked);

    /// <summary>Runs one replay; samples the child's peak resident set (VmHWM) from /proc while it runs.</summary>
    private static CliRun RunCli(string cli, string file, string stats, string alerts, string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { cli, "replay", file, "--quiet", "--stats-json", stats, "--alerts", alerts }.Concat(extra)) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        long peak = 0;
        string status = $"/proc/{p.Id}/status";
        while (!p.WaitForExit(20))
        {
            peak = Math.Max(peak, ReadHwm(status));
        }

        double wall = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) throw new InvalidOperationException($"replay exited {p.ExitCode}: {se.Result}{so.Result}");
        using var doc = JsonDocument.Parse(File.ReadAllText(stats));
        var s = doc.RootElement;
        return new CliRun(s.GetProperty("packets").GetInt64(), s.GetProperty("pps").GetDouble(), s.GetProperty("elapsed_s").GetDouble(), wall, peak,
            s.GetProperty("shards").GetInt32(), s.GetProperty("alerts").GetInt64(), s.GetProperty("alert_events").GetInt64(),
            s.GetProperty("evictions").GetInt64(), s.GetProperty("peak_tracked").GetInt64());
    }

    /// <summary>VmHWM in kB, or 0 once the process is gone. The kernel keeps the peak, so sampling cannot miss it while the process lives.</summary>
    private static long ReadHwm(string status)
    {
        try
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), C);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    internal static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

internal static class Args
{
    public static int Int(string[] args, string name, int fallback) =>
        String(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static string? String(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
