using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.TestKit.Live;

/// <summary>
/// A victim and the world outside it, in two namespaces of the lab's own joined by one veth pair:
/// <list type="bullet">
/// <item>victim namespace "v": <c>vv</c> = 10.232.0.2/24 (MAC 02:49:48:4f:00:02), a real TCP server (python socket
/// server, listen backlog 65535, answering a tiny HTTP response) with <c>net.core.somaxconn</c> and
/// <c>net.ipv4.tcp_max_syn_backlog</c> raised and <c>net.ipv4.tcp_syncookies=0</c> set inside the namespace, so every
/// SYN of a flood becomes a real SYN_RECV entry; 10.232.128.0/17 is routed via 10.232.0.1;</item>
/// <item>outside namespace "o": <c>vo</c> (MAC 02:49:48:4f:00:01) with 10.232.0.1 (the gateway), 10.232.0.11 (an ordinary
/// client), 10.232.0.12 (a health monitor) and 10.232.0.13 (the attacker); forwarding off.</item>
/// </list>
/// Spoofed flood sources come only from 10.232.128.0/17, which the lab owns and assigns nowhere: the victim's SYN-ACKs to
/// them go to the outside namespace, which does not forward and so drops them silently. No address outside the lab is
/// ever used, and nothing is added to the host's namespace.
/// </summary>
public sealed partial class SynFloodLab : IDisposable
{
    public const string VictimInterface = "vv";
    public const string OutsideInterface = "vo";
    public const string VictimMac = "02:49:48:4f:00:02";
    public const string OutsideMac = "02:49:48:4f:00:01";
    public const string LanCidr = "10.232.0.0/24";
    public const string SpoofedCidr = "10.232.128.0/17";
    public const int ServicePort = 8080;
    public const int MetricsPort = 9464;

    public static readonly IPAddress Victim = IPAddress.Parse("10.232.0.2");
    public static readonly IPAddress Gateway = IPAddress.Parse("10.232.0.1");
    public static readonly IPAddress Client = IPAddress.Parse("10.232.0.11");
    public static readonly IPAddress Monitor = IPAddress.Parse("10.232.0.12");
    public static readonly IPAddress Attacker = IPAddress.Parse("10.232.0.13");
    public static readonly IPAddress SpoofedPrefix = IPAddress.Parse("10.232.128.0");
    public const int SpoofedPrefixLength = 17;

    /// <summary>The tools the lab runs (for RequiresToolsFact and ToolGuard).</summary>
    public static readonly string[] Tools = ["ip", "ss", "sysctl", "python3", "tcpreplay", "curl", "hping3", "nmap", "dotnet", "lib:libpcap.so.0.8"];

    private const string ServerScript = """
        import socket, sys, threading
        def serve(port):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((sys.argv[1], port))
            s.listen(65535)
            print("listening", port, flush=True)
            while True:
                c, _ = s.accept()
                try:
                    c.settimeout(2)
                    c.recv(4096)
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                except OSError:
                    pass
                finally:
                    c.close()
        for p in sys.argv[2:]:
            threading.Thread(target=serve, args=(int(p),), daemon=True).start()
        threading.Event().wait()
        """;

    private SynFloodLab(LiveTestNetwork network)
    {
        Network = network;
        VictimNs = network.NamespaceName("v");
        OutsideNs = network.NamespaceName("o");
    }

    public LiveTestNetwork Network { get; }

    public string VictimNs { get; }

    public string OutsideNs { get; }

    public string TempDir => Network.TempDir;

    /// <summary>Builds the two namespaces, the veth, addresses, route and sysctls.</summary>
    public static SynFloodLab Create()
    {
        var net = LiveTestNetwork.Create();
        var lab = new SynFloodLab(net);
        try
        {
            net.AddNamespace("v");
            net.AddNamespace("o");
            net.AddVeth(lab.OutsideNs, OutsideInterface, lab.VictimNs, VictimInterface, OutsideMac, VictimMac);
            foreach (string ns in new[] { lab.VictimNs, lab.OutsideNs })
            {
                // IPv4 only: no router solicitations or MLD reports in the captures.
                net.SetSysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
                net.SetSysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
            }

            net.AddAddress(lab.VictimNs, VictimInterface, Victim + "/24");
            net.AddRoute(lab.VictimNs, SpoofedCidr, via: Gateway.ToString());
            foreach (var a in new[] { Gateway, Client, Monitor, Attacker }) net.AddAddress(lab.OutsideNs, OutsideInterface, a + "/24");
            net.SetSysctl(lab.OutsideNs, "net.ipv4.ip_forward", "0");
            net.SetSysctl(lab.VictimNs, "net.core.somaxconn", "65535");
            net.SetSysctl(lab.VictimNs, "net.ipv4.tcp_max_syn_backlog", "65536");
            net.SetSysctl(lab.VictimNs, "net.ipv4.tcp_syncookies", "0");
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    /// <summary>Starts the victim's server on the given ports and returns once every port listens.</summary>
    public LabProcess StartServer(params int[] ports)
    {
        if (ports.Length == 0) ports = [ServicePort];
        string script = Path.Combine(TempDir, "server.py");
        File.WriteAllText(script, ServerScript);
        var p = Network.Start(VictimNs, ["python3", "-u", script, Victim.ToString(), .. ports.Select(x => x.ToString(CultureInfo.InvariantCulture))]);
        foreach (int port in ports)
        {
            string want = "listening " + port.ToString(CultureInfo.InvariantCulture);
            if (p.WaitForLine(l => l == want, TimeSpan.FromSeconds(15), stdout: true) is null)
                throw new InvalidOperationException($"server did not listen on {port}: {p}");
        }

        return p;
    }

    /// <summary>
    /// A copy of rules/default.yaml for this lab: the protected network is the lab's LAN, the health monitor is
    /// allow-listed. <paramref name="edit"/> may change the text further.
    /// </summary>
    public string WriteRules(string? path = null, Func<string, string>? edit = null)
    {
        path ??= Path.Combine(TempDir, "rules.yaml");
        File.WriteAllText(path, LabRules(edit));
        return path;
    }

    public static string LabRules(Func<string, string>? edit = null)
    {
        string text = File.ReadAllText(Path.Combine(RepoPaths.Rules, "default.yaml"));
        var protectedBlock = ProtectedBlock();
        if (!protectedBlock.IsMatch(text)) throw new InvalidOperationException("rules/default.yaml has no networks.protected list to replace");
        text = protectedBlock.Replace(text, $"  protected:\n    - {LanCidr}\n", 1);
        const string monitors = "  health_monitors: []";
        if (!text.Contains(monitors, StringComparison.Ordinal)) throw new InvalidOperationException("rules/default.yaml has no empty health_monitors list to replace");
        text = text.Replace(monitors, $"  health_monitors: [{Monitor}/32]", StringComparison.Ordinal);
        text = text.Replace("ruleset: default", "ruleset: live-lab", StringComparison.Ordinal);
        return edit is null ? text : edit(text);
    }

    /// <summary>
    /// A pcap of <paramref name="syns"/> SYNs to the victim's port from spoofed sources in 10.232.128.0/17 (each source
    /// once while the range lasts, then again from its next port, so no 4-tuple repeats), Ethernet to the victim veth's MAC, correct checksums,
    /// Linux-like SYN options. Timestamps are spaced for <paramref name="pps"/> but tcpreplay is told the rate anyway.
    /// </summary>
    public string WriteFloodPcap(int syns, ulong seed = 1, int port = ServicePort, int pps = 3000, string? path = null)
    {
        path ??= Path.Combine(TempDir, $"flood-{syns}-{seed}-{port}.pcap");
        WriteFloodPcapTo(path, syns, seed, port, pps);
        return path;
    }

    public static void WriteFloodPcapTo(string path, int syns, ulong seed, int port, int pps)
    {
        byte[] victimMac = Mac(VictimMac), outsideMac = Mac(OutsideMac);
        const int hostBits = 32 - SpoofedPrefixLength;
        const ulong hosts = (1UL << hostBits) - 2; // no .0 of the /17 and no broadcast
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new PcapWriter(file, LinkType.Ethernet);
        long t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        for (int i = 0; i < syns; i++)
        {
            ulong h = DeterministicRandom.Hash(seed, i, 0);
            ulong slot = (ulong)i % hosts;
            ulong host = 1 + DeterministicRandom.Permute(slot, hostBits, seed) % hosts;
            var src = Addressing.InPrefix(SpoofedPrefix, SpoofedPrefixLength, host);
            if (!InSpoofedRange(src)) throw new InvalidOperationException($"generated source {src} is outside the lab's {SpoofedCidr}");
            // Each round over the range moves every source to its next port: no 4-tuple repeats within 64,512 rounds.
            ushort sport = (ushort)(1024 + ((ulong)i / hosts + DeterministicRandom.Hash(seed, (long)slot, 5)) % 64512);
            uint isn = (uint)(h >> 32);
            var tcp = Packets.Tcp(src, Victim, sport, (ushort)port, Tf.Syn, isn, 0, 64240,
                Packets.SynOptions(tsVal: (uint)(h >> 8)));
            var frame = Packets.Ethernet(Packets.Ipv4(src, Victim, 6, tcp, ttl: 64, id: (ushort)i), Packets.EtherTypeIpv4, dstMac: victimMac, srcMac: outsideMac);
            w.Write(t0 + i * (1_000_000_000L / Math.Max(1, pps)), frame);
        }
    }

    /// <summary>True for addresses of 10.232.128.0/17, the only ones a flood may be spoofed from.</summary>
    public static bool InSpoofedRange(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.Length == 4 && b[0] == 10 && b[1] == 232 && b[2] >= 128;
    }

    /// <summary>Starts tcpreplay of a capture out of the outside veth, at <paramref name="pps"/> packets per second or (null) top speed.</summary>
    public LabProcess StartReplay(string pcap, int? pps, int loop = 1)
    {
        var args = new List<string> { "tcpreplay", "-i", OutsideInterface };
        if (pps is int rate) args.AddRange(["--pps", rate.ToString(CultureInfo.InvariantCulture)]);
        else args.Add("--topspeed");
        if (loop > 1) args.AddRange(["--loop", loop.ToString(CultureInfo.InvariantCulture)]);
        args.Add(pcap);
        return Network.Start(OutsideNs, args);
    }

    /// <summary>What tcpreplay said it sent.</summary>
    public sealed record ReplayReport(long Sent, long Failed, double Seconds, double Pps);

    public static ReplayReport ParseReplay(string stdout)
    {
        var actual = ActualLine().Match(stdout);
        var rated = RatedLine().Match(stdout);
        var failed = FailedLine().Match(stdout);
        if (!actual.Success) throw new InvalidOperationException("no 'Actual:' line in tcpreplay output: " + stdout);
        return new ReplayReport(long.Parse(actual.Groups[1].Value, CultureInfo.InvariantCulture),
            failed.Success ? long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            double.Parse(actual.Groups[2].Value, CultureInfo.InvariantCulture),
            rated.Success ? double.Parse(rated.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>The kernel's own count of SYN_RECV connections on the victim's local port (<c>ss -tan state syn-recv</c>).</summary>
    public int SynRecvCount(int port = ServicePort)
    {
        var (code, stdout, err) = Network.Exec(VictimNs, ["ss", "-Htan", "state", "syn-recv"]);
        if (code != 0) throw new InvalidOperationException($"ss failed ({code}): {err}");
        string local = $"{Victim}:{port}";
        int n = 0;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // State is left out with a state filter: Recv-Q Send-Q Local:Port Peer:Port
            var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 3 && cols[2] == local) n++;
        }

        return n;
    }

    /// <summary>
    /// Waits (bounded) until the SYN_RECV count stops moving, as after a replay the last SYNs may still be in the
    /// victim's backlog queue; returns the count.
    /// </summary>
    public int StableSynRecvCount(int port = ServicePort, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(3));
        int last = SynRecvCount(port);
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(150);
            int now = SynRecvCount(port);
            if (now == last) return now;
            last = now;
        }

        return last;
    }

    /// <summary>
    /// Packets the kernel dropped because a CPU's input backlog was full (/proc/net/softnet_stat, second column, all
    /// CPUs). Global, not per namespace: a veth delivers through that backlog, so on a loaded machine some replayed
    /// frames may die there before any capture or socket sees them.
    /// </summary>
    public static long BacklogDrops()
    {
        long sum = 0;
        foreach (var line in File.ReadLines("/proc/net/softnet_stat"))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length > 1) sum += long.Parse(cols[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return sum;
    }

    /// <summary>One ordinary HTTP request from the client address; returns the HTTP code (000 when it failed).</summary>
    public string Curl(int port = ServicePort)
    {
        var (_, stdout, _) = Network.Exec(OutsideNs, ["curl", "--interface", Client.ToString(), "--noproxy", "*", "-sS", "--max-time", "5",
            "-o", "/dev/null", "-w", "%{http_code}", $"http://{Victim}:{port}/"]);
        return stdout.Trim();
    }

    /// <summary>One half-open probe from the monitor address: hping3's SYN, the victim's SYN-ACK, the outside kernel's RST.</summary>
    public void Probe(int port = ServicePort) =>
        Network.Exec(OutsideNs, ["hping3", "-S", "-c", "1", "-p", port.ToString(CultureInfo.InvariantCulture), "-a", Monitor.ToString(),
            "-I", OutsideInterface, Victim.ToString()], TimeSpan.FromSeconds(10));

    /// <summary>
    /// Probes every <paramref name="interval"/> on a fixed schedule (start + k·interval, so process start-up does not add
    /// up into drift) until cancelled or <paramref name="maxProbes"/>; returns the number sent.
    /// </summary>
    public Task<int> RunMonitor(TimeSpan interval, int maxProbes, CancellationToken ct, int port = ServicePort) => Task.Factory.StartNew(() =>
    {
        var start = DateTime.UtcNow;
        int k = 0;
        for (; k < maxProbes && !ct.IsCancellationRequested; k++)
        {
            var due = start + interval * k;
            var wait = due - DateTime.UtcNow;
            if (wait > TimeSpan.Zero && ct.WaitHandle.WaitOne(wait)) break;
            Probe(port);
        }

        return k;
    }, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>nmap -sS from the attacker address against the victim (fast timing, one try per port).</summary>
    public (int ExitCode, string StdOut, string StdErr) Nmap(string ports) =>
        Network.Exec(OutsideNs, ["nmap", "-sS", "-Pn", "-n", "-S", Attacker.ToString(), "-e", OutsideInterface, "-T5", "--max-retries", "0",
            "-p", ports, Victim.ToString()], TimeSpan.FromSeconds(60));

    /// <summary>Starts <c>idshalfopen sensor</c> on the victim's veth, inside the victim namespace.</summary>
    public SensorProcess StartSensor(string cliDll, string rules, string? alerts = null, IEnumerable<string>? extra = null, TimeSpan? startTimeout = null)
    {
        alerts ??= Path.Combine(TempDir, "alerts.jsonl");
        var args = new List<string>
        {
            "dotnet", cliDll, "sensor", "--interface", VictimInterface, "--rules", rules, "--alerts", alerts,
            "--metrics", $"127.0.0.1:{MetricsPort}", "--stats-interval", "1", "--sensor-name", "live-lab",
        };
        if (extra is not null) args.AddRange(extra);
        var p = Network.Start(VictimNs, args, new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });
        var sensor = new SensorProcess(p, VictimNs, alerts, MetricsPort);
        try
        {
            sensor.WaitUntilCapturing(startTimeout ?? TimeSpan.FromSeconds(30));
            return sensor;
        }
        catch
        {
            sensor.Dispose();
            throw;
        }
    }

    /// <summary>Starts <c>tcpdump -i vv -w /dev/null</c> in the victim namespace (the benchmark's peer).</summary>
    public LabProcess StartTcpdump(string filter = "") =>
        Network.Start(VictimNs, ["tcpdump", "-i", VictimInterface, "-n", "-w", "/dev/null", .. filter.Length > 0 ? new[] { filter } : []]);

    public void Dispose() => Network.Dispose();

    private static byte[] Mac(string text) => [.. text.Split(':').Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"^  protected:\n(    - .*\n)+", RegexOptions.Multiline)]
    private static partial Regex ProtectedBlock();

    [GeneratedRegex(@"Actual: (\d+) packets \(\d+ bytes\) sent in ([\d.]+) seconds")]
    private static partial Regex ActualLine();

    [GeneratedRegex(@"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps")]
    private static partial Regex RatedLine();

    [GeneratedRegex(@"Failed packets:\s+(\d+)")]
    private static partial Regex FailedLine();
}
