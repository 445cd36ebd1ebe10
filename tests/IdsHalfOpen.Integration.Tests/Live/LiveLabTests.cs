using System.Globalization;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Live;

namespace IdsHalfOpen.Integration.Tests.Live;

/// <summary>The live tests share the CPU-sensitive lab: one at a time, and never beside the parallel test classes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveLabCollection
{
    public const string Name = "live-lab";
}

/// <summary>
/// The lab itself, checked with the kernel's and tcpdump's eyes before any sensor is trusted with it: every replayed
/// spoofed SYN becomes a SYN_RECV entry on the victim (no cookies, no backlog drops), the client completes, the monitor's
/// probes end with the outside kernel's RST, nmap sees the open and closed ports, and the victim's SYN-ACKs to the
/// spoofed range die silently in the outside namespace (counted there as address errors, no ICMP back).
/// </summary>
[Collection(LiveLabCollection.Name)]
public sealed class LiveLabTests
{
    [RequiresToolsFact("ip", "ss", "sysctl", "python3", "tcpreplay", "tcpdump", "curl", "hping3", "nmap", "nstat", NeedsRoot = true)]
    public void Lab_FloodClientMonitorAndScan_KernelAndTcpdumpSeeExactlyTheLabTraffic()
    {
        ToolGuard.Require("ip", "ss", "sysctl", "python3", "tcpreplay", "tcpdump", "curl", "hping3", "nmap", "nstat", "root");
        using var lab = SynFloodLab.Create();
        Assert.Equal("0", lab.Network.GetSysctl(lab.VictimNs, "net.ipv4.tcp_syncookies"));
        Assert.Equal("65535", lab.Network.GetSysctl(lab.VictimNs, "net.core.somaxconn"));
        Assert.Equal("0", lab.Network.GetSysctl(lab.OutsideNs, "net.ipv4.ip_forward"));
        lab.StartServer();
        string capture = Path.Combine(lab.TempDir, "victim.pcap");
        var tcpdump = lab.Network.Start(lab.VictimNs, ["tcpdump", "-i", SynFloodLab.VictimInterface, "-n", "-U", "-w", capture]);
        Assert.NotNull(tcpdump.WaitForLine(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
        lab.Network.Exec(lab.OutsideNs, ["nstat", "-n"]); // reset nstat's history so the next read is a delta

        Assert.Equal("200", lab.Curl());
        for (int i = 0; i < 3; i++) lab.Probe();
        var nmap = lab.Nmap("1-100,8080");
        Assert.True(nmap.ExitCode == 0, nmap.StdErr);
        Assert.Contains("8080/tcp open", nmap.StdOut, StringComparison.Ordinal);
        Assert.Contains("Not shown: 100 closed", nmap.StdOut, StringComparison.Ordinal);

        const int syns = 3000;
        long backlogDropsBefore = SynFloodLab.BacklogDrops();
        var replay = lab.StartReplay(lab.WriteFloodPcap(syns), pps: 3000);
        Assert.True(replay.WaitForExit(TimeSpan.FromSeconds(20)), replay.ToString());
        var sent = SynFloodLab.ParseReplay(replay.StdOut);
        Assert.Equal((syns, 0L), (sent.Sent, sent.Failed));
        Assert.InRange(sent.Pps, 2000, 3600);
        int synRecv = lab.StableSynRecvCount();
        long backlogDrops = SynFloodLab.BacklogDrops() - backlogDropsBefore;

        var (_, nstat, _) = lab.Network.Exec(lab.OutsideNs, ["nstat", "-a", "IpInAddrErrors", "IpOutNoRoutes", "IcmpOutMsgs"]);
        // tcpdump stops at SIGINT without reading what is still in its ring: let it catch up first (-U writes each packet).
        WaitUntilStable(() => new FileInfo(capture).Length, TimeSpan.FromSeconds(10));
        tcpdump.Signal(LabProcess.SigInt);
        Assert.True(tcpdump.WaitForExit(TimeSpan.FromSeconds(10)), tcpdump.ToString());
        Assert.Contains("\n0 packets dropped by kernel", "\n" + tcpdump.StdErr, StringComparison.Ordinal);

        long addrErrors = Counter(nstat, "IpInAddrErrors");
        Assert.True(addrErrors >= synRecv, $"outside namespace dropped {addrErrors} SYN-ACKs as address errors, expected >= {synRecv}:\n{nstat}");
        Assert.Equal(0, Counter(nstat, "IcmpOutMsgs"));

        int Count(string filter) => Read(capture, filter).Count;
        // Every spoofed SYN that reached the victim is a SYN_RECV entry (no cookies, no SYN backlog drops) and was answered.
        // On a loaded machine a few may die in the kernel's input backlog first (counted in softnet_stat), never more.
        int delivered = Count($"src net {SynFloodLab.SpoofedCidr} and tcp[tcpflags] == tcp-syn");
        Assert.Equal(delivered, synRecv);
        Assert.True(delivered >= syns - backlogDrops && delivered >= syns * 0.9,
            $"{delivered} of {syns} replayed SYNs reached the victim; input backlog drops meanwhile: {backlogDrops}");
        Assert.True(Count($"dst net {SynFloodLab.SpoofedCidr} and tcp[tcpflags] == tcp-syn|tcp-ack") >= delivered);
        Assert.Equal(3, Count($"src host {SynFloodLab.Monitor} and tcp[tcpflags] & tcp-rst != 0"));
        Assert.Equal(3, Count($"dst host {SynFloodLab.Monitor} and tcp[tcpflags] == tcp-syn|tcp-ack"));
        Assert.Equal(1, Count($"src host {SynFloodLab.Client} and tcp[tcpflags] == tcp-syn"));
        Assert.True(Count($"src host {SynFloodLab.Attacker} and tcp[tcpflags] == tcp-syn") >= 101);
        // Nothing but the lab's own addresses on the wire.
        Assert.Equal(0, Count("ip and not (src net 10.232.0.0/16 and dst net 10.232.0.0/16)"));
        Assert.Equal(0, Count("icmp or ip6"));
    }

    private static void WaitUntilStable(Func<long> read, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        long last = read();
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(300);
            long now = read();
            if (now == last) return;
            last = now;
        }
    }

    private static long Counter(string nstat, string name)
    {
        foreach (var line in nstat.Split('\n'))
        {
            var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 2 && cols[0] == name) return long.Parse(cols[1], CultureInfo.InvariantCulture);
        }

        return 0;
    }

    private static List<string> Read(string capture, string filter)
    {
        var (code, stdout, stderr) = TestEnvironment.Run(TestEnvironment.FindTool("tcpdump")!, ["-n", "-r", capture, filter], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"tcpdump -r '{filter}' failed: {stderr}");
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
