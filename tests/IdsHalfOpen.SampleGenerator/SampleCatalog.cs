using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.SampleGenerator;

/// <summary>
/// The sample captures in samples-pcap/: every file is built here from fixed seeds and fixed timestamps, so
/// regenerating gives the same bytes (a test checks this). samples-pcap/README.md says what each file holds.
/// </summary>
public static class SampleCatalog
{
    /// <summary>2024-03-01T12:00:00Z, the start of every capture.</summary>
    public const long BaseNs = 1_709_294_400L * Conversation.Second;

    private const long Ms = Conversation.Millisecond;
    private const long S = Conversation.Second;

    public static readonly IPAddress[] Clients4 =
        [.. new[] { "198.51.100.10", "198.51.100.11", "198.51.100.12", "198.51.100.13", "198.51.100.14", "198.51.100.15", "203.0.113.20", "203.0.113.21" }.Select(IPAddress.Parse)];

    public static readonly IPEndPoint[] Servers4 =
        [Addressing.Endpoint("10.0.0.10", 80), Addressing.Endpoint("10.0.0.10", 443), Addressing.Endpoint("10.0.0.20", 22), Addressing.Endpoint("192.0.2.80", 443)];

    public static readonly IPAddress[] Clients6 =
        [.. new[] { "2001:db8:100::10", "2001:db8:100::11", "2001:db8:100::12", "2001:db8:100::13" }.Select(IPAddress.Parse)];

    public static readonly IPEndPoint[] Servers6 = [Addressing.Endpoint("2001:db8:200::80", 80), Addressing.Endpoint("2001:db8:200::443", 443)];

    public static IReadOnlyList<SampleFile> All { get; } =
    [
        new("handshakes-clean.pcap", HandshakesClean),
        new("handshakes-clean.pcap.gz", () => Gzip(HandshakesClean())),
        new("syn-flood-spoofed.pcap", SynFloodSpoofed),
        new("halfopen-scan.pcap", HalfOpenScan),
        new("f5-health-monitor.pcap", F5HealthMonitor),
        new("qinq-vlan.pcap", QinqVlan),
        new("ipv6.pcap", Ipv6),
        new("linux-cooked.pcap", () => Cooked(1001, LinkType.LinuxSll, Framing.LinuxSll, nanoseconds: false)),
        new("linux-cooked-v2.pcap", () => Cooked(1002, LinkType.LinuxSll2, Framing.LinuxSll2, nanoseconds: true)),
        new("null-loopback.pcap", NullLoopback),
        new("nflog.pcap", Nflog),
        new("multi-interface.pcapng", () => MultiInterface(bigEndian: false)),
        new("multi-interface-be.pcapng", () => MultiInterface(bigEndian: true)),
        new("multi-section.pcapng", MultiSection),
        new("nanosecond-be.pcap", NanosecondBigEndian),
        new("snaplen-64.pcap", Snaplen64),
        new("edge-cases.pcap", EdgeFrames.Build),
        new("link-types.pcapng", LinkTypes),
        new("pcapng-options.pcapng", PcapngOptions.Build),
        new("bad/truncated-record.pcap", BadFiles.TruncatedRecord),
        new("bad/corrupt-header.pcap", BadFiles.CorruptHeader),
        new("bad/corrupt-record-length.pcap", BadFiles.CorruptRecordLength),
        new("bad/truncated-block.pcapng", BadFiles.TruncatedBlock),
        new("bad/corrupt-block-length.pcapng", BadFiles.CorruptBlockLength),
        new("bad/garbage-frames.pcap", GarbageFrames.Build),
    ];

    /// <summary>Writes every sample below <paramref name="outDir"/>; returns each relative path with its size.</summary>
    public static IReadOnlyList<(string Path, int Bytes)> WriteAll(string outDir)
    {
        var written = new List<(string, int)>();
        foreach (var s in All)
        {
            var bytes = s.Build();
            var path = Path.Combine(outDir, s.RelativePath.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            written.Add((s.RelativePath, bytes.Length));
        }

        return written;
    }

    // ~50 complete connections, 8 clients, 4 services on 3 hosts; attempts 6, 18, 30, 42 retransmit their SYN
    // (1, 2, 1, 2 times); attempt 25 is refused. 51 attempts in all.
    public static CleanTrafficOptions HandshakesCleanOptions => new()
    {
        Seed = 101,
        StartNs = BaseNs,
        Connections = 51,
        Clients = Clients4,
        Servers = Servers4,
        MeanGapNs = 300 * Ms,
        SynRetransmitEvery = 12,
        RefusedEvery = 51,
    };

    public static byte[] HandshakesClean() => Pcap(LinkType.Ethernet, CleanTraffic.Packets(HandshakesCleanOptions).ToFrames(Framing.Ethernet));

    public static SynFloodOptions SynFloodOptions => new()
    {
        Seed = 202,
        StartNs = BaseNs + 2 * S,
        Victim = IPAddress.Parse("10.0.0.10"),
        VictimPort = 80,
        Syns = 3000,
        DurationNs = 3 * S,
        SourcePrefix = IPAddress.Parse("198.18.0.0"),
        SourcePrefixLength = 15,
        SynAckRetransmitEvery = 20,
        SynAckRetransmitOffsetsNs = [1 * S, 3 * S],
        FirstFlowId = 100_000,
    };

    private static byte[] SynFloodSpoofed()
    {
        var background = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 201,
            StartNs = BaseNs,
            Connections = 20,
            Clients = Clients4,
            Servers = [Addressing.Endpoint("10.0.0.10", 80), Addressing.Endpoint("10.0.0.10", 443), Addressing.Endpoint("10.0.0.20", 22)],
            MeanGapNs = 400 * Ms,
            SynRetransmitEvery = 20,
        });
        return Pcap(LinkType.Ethernet, ScenarioStream.Merge(background, SynFlood.Packets(SynFloodOptions)).ToFrames(Framing.Ethernet));
    }

    /// <summary>The 200 ports of the scan: 1-195 and five high ones, in a shuffled order.</summary>
    public static IReadOnlyList<ushort> ScanPorts()
    {
        var ports = Enumerable.Range(1, 195).Select(p => (ushort)p).Concat(new ushort[] { 443, 3306, 3389, 8080, 8443 }).ToList();
        var rng = new DeterministicRandom(303);
        for (int i = ports.Count - 1; i > 0; i--)
        {
            int j = rng.Next(0, i + 1);
            (ports[i], ports[j]) = (ports[j], ports[i]);
        }

        return ports;
    }

    public static readonly ushort[] ScanOpenPorts = [22, 80, 443, 3306];

    private static byte[] HalfOpenScan()
    {
        var scanner = IPAddress.Parse("203.0.113.66");
        var target = IPAddress.Parse("10.0.1.20");
        var portScan = SynScan.Packets(new SynScanOptions
        {
            Seed = 302,
            StartNs = BaseNs + 1 * S,
            Scanner = scanner,
            ScannerPort = 61000,
            Probes = [.. ScanPorts().Select(p => new ScanProbe(target, p, ScanOpenPorts.Contains(p) ? ProbeOutcome.Open : ProbeOutcome.Closed))],
            ProbeIntervalNs = 2 * Ms,
            FirstFlowId = 1000,
        });
        // Port 22 on 10.0.1.101-130: host index % 3 == 0 open, 1 closed (RST-ACK), 2 silent (SYN sent twice).
        var sweep = SynScan.Packets(new SynScanOptions
        {
            Seed = 304,
            StartNs = BaseNs + 2 * S,
            Scanner = scanner,
            ScannerPort = 61001,
            Probes = [.. Enumerable.Range(101, 30).Select(h => new ScanProbe(IPAddress.Parse("10.0.1." + h), 22, ((h - 100) % 3) switch
            {
                0 => ProbeOutcome.Open,
                1 => ProbeOutcome.Closed,
                _ => ProbeOutcome.Filtered,
            }))],
            ProbeIntervalNs = 5 * Ms,
            FirstFlowId = 2000,
        });
        var background = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 301,
            StartNs = BaseNs,
            Connections = 8,
            Clients = Clients4,
            Servers = [Addressing.Endpoint("10.0.1.20", 80), Addressing.Endpoint("10.0.1.20", 443)],
            MeanGapNs = 500 * Ms,
        });
        return Pcap(LinkType.Ethernet, ScenarioStream.Merge(background, portScan, sweep).ToFrames(Framing.Ethernet));
    }

    public static HealthMonitorOptions F5MonitorOptions => new()
    {
        Seed = 401,
        StartNs = BaseNs,
        Monitor = IPAddress.Parse("10.0.2.2"),
        Members = [Addressing.Endpoint("10.0.3.11", 80), Addressing.Endpoint("10.0.3.12", 80), Addressing.Endpoint("10.0.3.13", 80)],
        IntervalNs = 5 * S,
        Rounds = 24,
        // 10.0.3.13 is down for rounds 10-13 (50-65 s): its service refuses with RST-ACK.
        Outcome = (round, member) => member == 2 && round is >= 10 and <= 13 ? ProbeOutcome.Closed : ProbeOutcome.Open,
    };

    private static byte[] F5HealthMonitor() => Pcap(LinkType.Ethernet, HealthMonitor.Packets(F5MonitorOptions).ToFrames(Framing.Ethernet));

    private static byte[] QinqVlan()
    {
        var flows = CleanTraffic.Flows(new CleanTrafficOptions
        {
            Seed = 501,
            StartNs = BaseNs,
            Connections = 12,
            Clients = Clients4,
            Servers = Servers4,
            MeanGapNs = 250 * Ms,
        }).ToList();

        // The same 4-tuple in VLANs 310 and 311 at the same time: two different connections.
        var client = IPAddress.Parse("198.51.100.50");
        var server = IPAddress.Parse("10.0.0.10");
        var twin1 = new TcpFlow(100, client, 40000, server, 80, 0x11111111, 0x22222222)
            .Complete(BaseNs + 1 * S, 10 * Ms, Conversation.Payload(80, 1), Conversation.Payload(300, 2));
        var twin2 = new TcpFlow(101, client, 40000, server, 80, 0x33333333, 0x44444444)
            .Complete(BaseNs + 1 * S + 3 * Ms, 10 * Ms, Conversation.Payload(90, 3), Conversation.Payload(200, 4));
        flows.AddRange([twin1, twin2]);
        flows.Sort((a, b) => a.FirstTimestampNs!.Value.CompareTo(b.FirstTimestampNs!.Value));

        static byte[] Frame(ScenarioPacket p) => p.Flow switch
        {
            <= 3 => Framing.Ethernet(p, [Framing.Tci(100), Framing.Tci((ushort)(200 + p.Flow % 2))], null, qinq: true),
            <= 5 => Framing.Ethernet(p, [Framing.Tci(110), Framing.Tci(210)], null, qinq: false),
            6 or 8 => Framing.Ethernet(p, [Framing.Tci(300)], null, false),
            7 => Framing.Ethernet(p, [Framing.Tci(300, priority: 5)], null, false),
            9 => Framing.Ethernet(p, null, [1000, 2000], false),
            10 => Framing.Ethernet(p, [Framing.Tci(400)], [3000], false),
            100 => Framing.Ethernet(p, [Framing.Tci(310)], null, false),
            101 => Framing.Ethernet(p, [Framing.Tci(311)], null, false),
            _ => Framing.Ethernet(p),
        };

        return Pcap(LinkType.Ethernet, ScenarioStream.MergeFlows(flows).ToFrames(Frame));
    }

    public static SynFloodOptions Ipv6FloodOptions => new()
    {
        Seed = 602,
        StartNs = BaseNs + 2 * S,
        Victim = IPAddress.Parse("2001:db8:200::80"),
        VictimPort = 80,
        Syns = 200,
        DurationNs = 500 * Ms,
        SourcePrefix = IPAddress.Parse("2001:db8:bad::"),
        SourcePrefixLength = 48,
        FirstFlowId = 10_000,
    };

    private static byte[] Ipv6()
    {
        var clean = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 601,
            StartNs = BaseNs,
            Connections = 16,
            Clients = Clients6,
            Servers = Servers6,
            MeanGapNs = 300 * Ms,
            RefusedEvery = 16,
            Ipv6ExtensionsEvery = 4,
            Ipv6Extensions = [0, 60],
        });
        return Pcap(LinkType.Ethernet, ScenarioStream.Merge(clean, SynFlood.Packets(Ipv6FloodOptions)).ToFrames(Framing.Ethernet));
    }

    private static CleanTrafficOptions Mixed(ulong seed, int connections, long start = BaseNs) => new()
    {
        Seed = seed,
        StartNs = start,
        Connections = connections,
        Clients = [.. Clients4.Take(4), .. Clients6.Take(2)],
        Servers = [.. Servers4.Take(3), Servers6[0]],
        MeanGapNs = 200 * Ms,
        RefusedEvery = connections,
    };

    private static byte[] Cooked(ulong seed, LinkType linkType, Func<ScenarioPacket, byte[]> frame, bool nanoseconds) =>
        Pcap(linkType, CleanTraffic.Packets(Mixed(seed, 12)).ToFrames(frame), nanoseconds: nanoseconds);

    private static byte[] NullLoopback()
    {
        var packets = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 1401,
            StartNs = BaseNs,
            Connections = 8,
            Clients = [IPAddress.Loopback, IPAddress.IPv6Loopback],
            Servers = [new IPEndPoint(IPAddress.Loopback, 8080), new IPEndPoint(IPAddress.IPv6Loopback, 8080)],
            MeanGapNs = 100 * Ms,
            MinRttNs = 20_000,
            MaxRttNs = 80_000,
        });
        // A big-endian, microsecond file (an old PowerPC Mac): AF_INET = 2, AF_INET6 = 30 as macOS writes it, in the
        // writer's byte order.
        return Pcap(LinkType.Null, packets.ToFrames(p => Packets.Null(p.Ip, (p.Ip[0] >> 4) == 6 ? 30u : 2u, bigEndian: true)), bigEndian: true);
    }

    private static byte[] Nflog() =>
        Pcap(LinkType.Nflog, CleanTraffic.Packets(Mixed(1501, 8)).ToFrames(Framing.Nflog));

    private static byte[] NanosecondBigEndian()
    {
        var packets = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 1101,
            StartNs = BaseNs + 123_456_789,
            Connections = 8,
            Clients = Clients4,
            Servers = Servers4,
            MeanGapNs = 150 * Ms,
            MinRttNs = 100_000,
            MaxRttNs = 900_000,
        });
        return Pcap(LinkType.Ethernet, packets.ToFrames(Framing.Ethernet), nanoseconds: true, bigEndian: true);
    }

    private static byte[] Snaplen64() =>
        Pcap(LinkType.Ethernet, CleanTraffic.Packets(Mixed(1201, 10)).ToFrames(Framing.Ethernet), snapLength: 64);

    private static byte[] MultiInterface(bool bigEndian)
    {
        // Interface 0: Ethernet, microseconds. 1: raw IP, nanoseconds, snaplen 96. 2: Linux cooked v1, nanoseconds.
        var eth = CleanTraffic.Packets(Mixed(901, 6) with { FirstFlowId = 0 });
        var raw = CleanTraffic.Packets(Mixed(902, 5, BaseNs + 50 * Ms) with { FirstFlowId = 1000 });
        var sll = CleanTraffic.Packets(Mixed(903, 5, BaseNs + 90 * Ms) with { FirstFlowId = 2000 });
        using var ms = new MemoryStream();
        using (var w = new PcapngWriter(ms, bigEndian))
        {
            w.AddInterface(LinkType.Ethernet, 262144, 6, "eth0");
            w.AddInterface(LinkType.Raw, 96, 9, "tun0");
            w.AddInterface(LinkType.LinuxSll, 262144, 9, "any");
            w.WriteBlock(4, NameResolutionBody(bigEndian));
            int n = 0, onEth = 0;
            foreach (var p in ScenarioStream.Merge(eth, raw, sll))
            {
                int iface = p.Flow / 1000;
                byte[] frame = iface switch { 0 => Framing.Ethernet(p), 1 => Framing.Raw(p), _ => Framing.LinuxSll(p) };
                if (iface == 0 && ++onEth is 4 or 12 or 30) w.WriteSimple(frame);
                else w.WriteEnhanced(iface, p.TimestampNs, frame);
                if (++n == 20) w.WriteBlock(0x0000ABCD, [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4]); // a block type nobody defined
            }

            for (int i = 0; i < 3; i++) w.WriteBlock(5, StatisticsBody(bigEndian, i, BaseNs + 10 * S));
        }

        return ms.ToArray();
    }

    private static byte[] LinkTypes()
    {
        // One interface per less common link type, two connections each (one IPv4, one IPv6 where the type allows both).
        (LinkType Type, Func<ScenarioPacket, byte[]> Frame, bool V6)[] types =
        [
            (LinkType.Ipv4, Framing.Raw, false),
            (LinkType.Ipv6, Framing.Raw, true),
            (LinkType.RawDlt12, Framing.Raw, true),
            (LinkType.RawDlt14, Framing.Raw, true),
            (LinkType.Loop, p => Packets.Null(p.Ip, (p.Ip[0] >> 4) == 6 ? 24u : 2u, bigEndian: true), true),
            (LinkType.Null, p => Packets.Null(p.Ip, (p.Ip[0] >> 4) == 6 ? 28u : 2u, bigEndian: true), true),
        ];
        using var ms = new MemoryStream();
        using (var w = new PcapngWriter(ms))
        {
            var streams = new List<IEnumerable<ScenarioPacket>>();
            for (int i = 0; i < types.Length; i++)
            {
                w.AddInterface(types[i].Type, 262144, 9, types[i].Type.ToString());
                streams.Add(CleanTraffic.Packets(new CleanTrafficOptions
                {
                    Seed = 1601 + (ulong)i,
                    StartNs = BaseNs + i * 100 * Ms,
                    Connections = 2,
                    Clients = types[i].V6 ? [Clients4[0], Clients6[0]] : [Clients4[0]],
                    Servers = types[i].V6 ? [Servers4[0], Servers6[0]] : [Servers4[0]],
                    MeanGapNs = 20 * Ms,
                    FirstFlowId = i * 1000,
                }));
            }

            foreach (var p in ScenarioStream.Merge([.. streams]))
                w.WriteEnhanced(p.Flow / 1000, p.TimestampNs, types[p.Flow / 1000].Frame(p));
        }

        return ms.ToArray();
    }

    private static byte[] MultiSection()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapngWriter(ms, bigEndian: false))
        {
            w.AddInterface(LinkType.Ethernet, 262144, 6, "eth0");
            w.WriteAll(0, CleanTraffic.Packets(Mixed(951, 4)).ToFrames(Framing.Ethernet));
            // A second section, big-endian: interface numbering starts again at 0.
            w.StartSection(bigEndian: true);
            w.AddInterface(LinkType.Raw, 262144, 9, "tun0");
            w.AddInterface(LinkType.Ethernet, 262144, 9, "eth1");
            var raw = CleanTraffic.Packets(Mixed(952, 3, BaseNs + 5 * S) with { FirstFlowId = 0 });
            var eth = CleanTraffic.Packets(Mixed(953, 3, BaseNs + 5 * S + 30 * Ms) with { FirstFlowId = 1000 });
            foreach (var p in ScenarioStream.Merge(raw, eth))
            {
                if (p.Flow < 1000) w.WriteEnhanced(0, p.TimestampNs, Framing.Raw(p));
                else w.WriteEnhanced(1, p.TimestampNs, Framing.Ethernet(p));
            }
        }

        return ms.ToArray();
    }

    // NRB: one IPv4 record (type 1) naming 10.0.0.10, then the end-of-records record.
    private static byte[] NameResolutionBody(bool bigEndian)
    {
        var name = "www.example.test\0"u8;
        int valueLen = 4 + name.Length;
        var body = new byte[4 + ((valueLen + 3) & ~3) + 4];
        U16(body, 0, 1, bigEndian);
        U16(body, 2, (ushort)valueLen, bigEndian);
        IPAddress.Parse("10.0.0.10").GetAddressBytes().CopyTo(body, 4);
        name.CopyTo(body.AsSpan(8));
        return body;
    }

    // ISB: interface id, timestamp, no options.
    private static byte[] StatisticsBody(bool bigEndian, int interfaceId, long timestampNs)
    {
        var body = new byte[12];
        ulong us = (ulong)(timestampNs / 1000);
        U32(body, 0, (uint)interfaceId, bigEndian);
        U32(body, 4, (uint)(us >> 32), bigEndian);
        U32(body, 8, (uint)us, bigEndian);
        return body;
    }

    private static void U16(byte[] b, int o, ushort v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), v);
    }

    private static void U32(byte[] b, int o, uint v, bool be)
    {
        if (be) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v);
    }

    public static byte[] Pcap(LinkType linkType, IEnumerable<TimedFrame> frames, int snapLength = 262144, bool nanoseconds = false, bool bigEndian = false)
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, linkType, snapLength, nanoseconds, bigEndian)) w.WriteAll(frames);
        return ms.ToArray();
    }

    /// <summary>
    /// gzip (RFC 1952) with a fixed header: MTIME 0, XFL 0, OS 3 (Unix), whatever the platform, so the bytes depend only
    /// on the input and the runtime's deflate implementation.
    /// </summary>
    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(data);
        var b = ms.ToArray();
        if (b.Length < 18 || b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 || b[3] != 0) throw new InvalidOperationException("unexpected gzip header from GZipStream");
        b.AsSpan(4, 5).Clear();
        b[9] = 3;
        return b;
    }
}
