using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using IdsHalfOpen.TestKit.Live;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// <c>live</c>: the live test's lab (<see cref="SynFloodLab"/>: a real kernel TCP server without SYN cookies in a victim
/// namespace, a spoofed SYN flood replayed by tcpreplay from the outside namespace) at stepped rates, with the real
/// <c>idshalfopen sensor</c> capturing on the victim's veth. For each rate: a fresh sensor and server; what tcpreplay sent
/// against the attempts the sensor saw and its capture and stage drop counters; the end-to-end alert latency (tcpreplay
/// started → syn-flood start line in the alert file). Then the peer, <c>tcpdump -i vv -w /dev/null</c>, alone on the
/// same replay, with its "dropped by kernel". Needs root and the lab's tools (the same ones .ci/run installs).
/// </summary>
internal static partial class LiveBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    private sealed record Step(string Rate, long Sent, double SentPps, long Seen, long CaptureDrops, long StageDrops, long InterfaceDrops, double? LatencyMs, long KernelSynRecv)
    {
        public bool Lossless => Seen >= Sent && CaptureDrops == 0 && StageDrops == 0 && InterfaceDrops == 0;
    }

    private sealed record Peer(long Sent, double SentPps, long Captured, long Received, long Dropped);

    public static int Run(string[] args)
    {
        var rates = (Args.String(args, "--rates") ?? "5000,10000,20000,50000,100000,200000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => int.Parse(r, C)).ToList();
        bool topspeed = !args.Contains("--no-topspeed");
        double seconds = double.Parse(Args.String(args, "--seconds") ?? "3", C);
        int maxPackets = Args.Int(args, "--max-packets", 600_000);
        string cli = Args.String(args, "--cli") ?? ReplayBenchmark.CliDll();
        var extra = (Args.String(args, "--sensor-args") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (Environment.UserName != "root") throw new InvalidOperationException("the live benchmark needs root (network namespaces, raw capture)");

        Console.WriteLine($"live lab: tcpreplay (outside namespace) → veth → victim namespace (python server, backlog 65535, syncookies off); sensor on {SynFloodLab.VictimInterface}; {seconds} s per step; {Environment.ProcessorCount} cores; load {LoadAverage()}");
        using var lab = SynFloodLab.Create();
        var steps = new List<(Step Ours, Peer Tcpdump)>();
        var plan = rates.Select(r => (int?)r).ToList();
        if (topspeed) plan.Add(null);
        foreach (int? rate in plan)
        {
            int packets = (int)Math.Min(maxPackets, rate is int r ? r * seconds : maxPackets);
            string pcap = Path.Combine(lab.TempDir, $"flood-{packets}.pcap");
            if (!File.Exists(pcap)) SynFloodLab.WriteFloodPcapTo(pcap, packets, seed: 7, port: SynFloodLab.ServicePort, pps: rate ?? 1_000_000);
            var ours = RunSensor(lab, cli, pcap, rate, extra);
            var peer = RunTcpdump(lab, pcap, rate);
            steps.Add((ours, peer));
            Console.WriteLine(string.Create(C,
                $"  {ours.Rate,9}: sent {ours.Sent,8:N0} at {ours.SentPps,9:N0} pps | sensor saw {ours.Seen,8:N0} attempts, capture drops {ours.CaptureDrops:N0}, stage drops {ours.StageDrops:N0}, alert latency {(ours.LatencyMs is double l ? l.ToString("F0", C) + " ms" : "none")}, kernel SYN_RECV {ours.KernelSynRecv:N0} | tcpdump: sent {peer.Sent:N0} at {peer.SentPps:N0} pps, captured {peer.Captured:N0}, dropped by kernel {peer.Dropped:N0}"));
        }

        Console.WriteLine();
        var best = steps.Where(s => s.Ours.Lossless).OrderByDescending(s => s.Ours.SentPps).FirstOrDefault();
        var bestPeer = steps.Where(s => s.Tcpdump.Dropped == 0 && s.Tcpdump.Received > 0).OrderByDescending(s => s.Tcpdump.SentPps).FirstOrDefault();
        Console.WriteLine(best.Ours is null
            ? "sensor: no step without drops"
            : string.Create(C, $"sensor: highest rate with zero capture/stage drops and every SYN seen: {best.Ours.SentPps:N0} pps (step {best.Ours.Rate})"));
        Console.WriteLine(bestPeer.Tcpdump is null
            ? "tcpdump: no step without drops"
            : string.Create(C, $"tcpdump -w /dev/null: highest rate with 0 dropped by kernel: {bestPeer.Tcpdump.SentPps:N0} pps"));
        var latencies = steps.Where(s => s.Ours.LatencyMs is not null).Select(s => s.Ours.LatencyMs!.Value).Order().ToList();
        if (latencies.Count > 0)
            Console.WriteLine(string.Create(C, $"alert latency (tcpreplay started → syn-flood start line in the file): min {latencies[0]:F0} ms, median {ReplayBenchmark.Median(latencies):F0} ms, max {latencies[^1]:F0} ms"));
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static Step RunSensor(SynFloodLab lab, string cli, string pcap, int? rate, string[] extra)
    {
        using var server = lab.StartServer(); // a fresh listener: no SYN_RECV left from the step before
        string alerts = Path.Combine(lab.TempDir, $"alerts-{Guid.NewGuid():n}.jsonl");
        using var sensor = lab.StartSensor(cli, lab.WriteRules(), alerts, extra);
        Thread.Sleep(500);
        var m0 = sensor.GetMetrics();
        var replay = lab.StartReplay(pcap, rate);
        var alert = sensor.WaitForAlert(a => a.Action == "syn-flood" && a.Phase == "start", TimeSpan.FromSeconds(30));
        if (!replay.WaitForExit(TimeSpan.FromMinutes(3))) throw new TimeoutException("tcpreplay did not finish: " + replay);
        var sent = SynFloodLab.ParseReplay(replay.StdOut);
        int synRecv = lab.SynRecvCount();

        // Let the sensor catch up: attempts stop growing for half a second.
        var m = sensor.GetMetrics();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(500);
            var next = sensor.GetMetrics();
            bool still = next["idshalfopen_attempts_total"] == m["idshalfopen_attempts_total"] && next["idshalfopen_packets_total"] == m["idshalfopen_packets_total"];
            m = next;
            if (still) break;
        }

        sensor.Terminate(TimeSpan.FromSeconds(60));
        replay.Dispose();
        static long V(Metrics m, string name) => (long)m.Sum(name);
        return new Step(rate is int r ? r.ToString("N0", C) + " pps" : "topspeed", sent.Sent, sent.Pps,
            V(m, "idshalfopen_attempts_total") - V(m0, "idshalfopen_attempts_total"),
            V(m, "idshalfopen_capture_dropped_packets_total") - V(m0, "idshalfopen_capture_dropped_packets_total"),
            V(m, "idshalfopen_stage_dropped_packets_total") - V(m0, "idshalfopen_stage_dropped_packets_total"),
            V(m, "idshalfopen_interface_dropped_packets_total") - V(m0, "idshalfopen_interface_dropped_packets_total"),
            alert is null ? null : (alert.SeenAt - replay.StartedAt).TotalMilliseconds, synRecv);
    }

    private static Peer RunTcpdump(SynFloodLab lab, string pcap, int? rate)
    {
        using var server = lab.StartServer();
        using var tcpdump = lab.StartTcpdump();
        if (tcpdump.WaitForLine(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10)) is null)
            throw new InvalidOperationException("tcpdump did not start: " + tcpdump);
        Thread.Sleep(300);
        using var replay = lab.StartReplay(pcap, rate);
        if (!replay.WaitForExit(TimeSpan.FromMinutes(3))) throw new TimeoutException("tcpreplay did not finish: " + replay);
        var sent = SynFloodLab.ParseReplay(replay.StdOut);
        Thread.Sleep(1000);
        tcpdump.Signal(LabProcess.SigInt);
        if (!tcpdump.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException("tcpdump did not stop: " + tcpdump);
        string err = tcpdump.StdErr;
        return new Peer(sent.Sent, sent.Pps, Count(err, TcpdumpCaptured()), Count(err, TcpdumpReceived()), Count(err, TcpdumpDropped()));
    }

    private static long Count(string text, Regex r)
    {
        var m = r.Match(text);
        return m.Success ? long.Parse(m.Groups[1].Value, C) : -1;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"(\d+) packets captured")]
    private static partial Regex TcpdumpCaptured();

    [GeneratedRegex(@"(\d+) packets received by filter")]
    private static partial Regex TcpdumpReceived();

    [GeneratedRegex(@"(\d+) packets dropped by kernel")]
    private static partial Regex TcpdumpDropped();
}
