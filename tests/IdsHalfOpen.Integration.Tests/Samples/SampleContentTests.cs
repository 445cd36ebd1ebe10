using IdsHalfOpen.Integration.Tests.Differential;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Samples;

/// <summary>
/// tshark, not our decoder, confirms that each sample holds what samples-pcap/README.md says: the counts below are
/// worked out from the scenario parameters in SampleCatalog (the derivation is next to each), then checked here.
/// </summary>
public sealed class SampleContentTests
{
    /// <summary>Per file: frames, SYN (SYN without ACK), SYN-ACK, RST, FIN, and how those numbers follow from the scenario.</summary>
    public static TheoryData<string, int, int, int, int, int, string> Counts => new()
    {
        { "link-types.pcapng", 108, 12, 12, 0, 24, "6 interfaces (IPv4 228, IPv6 229, DLT 12, DLT 14, LOOP 108, NULL 0) x 2 complete x 9" },
        { "pcapng-options.pcapng", 48, 6, 5, 1, 10, "5 complete x 9 + refused 2 + 1 packet block with nothing captured" },
        { "handshakes-clean.pcap", 458, 57, 50, 1, 100, "50 complete x 9 + 6 SYN retransmissions (1+2+1+2) + refused SYN/RST-ACK" },
        { "handshakes-clean.pcap.gz", 458, 57, 50, 1, 100, "same capture, gzipped" },
        { "syn-flood-spoofed.pcap", 6481, 3021, 3320, 0, 40, "flood 3,000 SYN + 3,000 SYN-ACK + 150 x 2 retransmitted SYN-ACKs; background 20 complete x 9 + 1 SYN retransmission" },
        { "halfopen-scan.pcap", 546, 248, 22, 220, 16, "scan 200 SYN, 196 RST-ACK, 4 SYN-ACK + 4 RST; sweep 40 SYN (10 sent twice), 10 SYN-ACK + 10 RST, 10 RST-ACK; 8 complete x 9" },
        { "f5-health-monitor.pcap", 212, 72, 68, 72, 0, "24 rounds x 3 members: 68 x (SYN, SYN-ACK, RST) + 4 x (SYN, RST-ACK)" },
        { "qinq-vlan.pcap", 126, 14, 14, 0, 28, "14 complete x 9" },
        { "ipv6.pcap", 537, 216, 215, 1, 30, "15 complete x 9 + refused 2; flood 200 SYN + 200 SYN-ACK" },
        { "linux-cooked.pcap", 101, 12, 11, 1, 22, "11 complete x 9 + refused 2" },
        { "linux-cooked-v2.pcap", 101, 12, 11, 1, 22, "11 complete x 9 + refused 2" },
        { "null-loopback.pcap", 72, 8, 8, 0, 16, "8 complete x 9" },
        { "nflog.pcap", 65, 8, 7, 1, 14, "7 complete x 9 + refused 2" },
        { "multi-interface.pcapng", 123, 16, 13, 3, 26, "3 interfaces, 6 + 5 + 5 attempts, one refused on each: 13 x 9 + 3 x 2" },
        { "multi-interface-be.pcapng", 123, 16, 13, 3, 26, "same, big-endian section" },
        { "multi-section.pcapng", 69, 10, 7, 3, 14, "2 sections, 4 + 3 + 3 attempts, one refused per stream: 7 x 9 + 3 x 2" },
        { "nanosecond-be.pcap", 72, 8, 8, 0, 16, "8 complete x 9" },
    };

    [RequiresToolsTheory("tshark")]
    [MemberData(nameof(Counts))]
    public void Tshark_SampleFile_SeesTheDocumentedPackets(string file, int frames, int syn, int synAck, int rst, int fin, string derivation)
    {
        ToolGuard.Require("tshark");
        var dump = Dump(file);
        var tcp = dump.Frames.Where(f => f.HasTcpHeader).Select(f => f.Segment!).ToList();

        var actual = (dump.Frames.Count, tcp.Count(s => (s.Flags & 0x12) == 0x02), tcp.Count(s => (s.Flags & 0x12) == 0x12), tcp.Count(s => (s.Flags & 0x04) != 0), tcp.Count(s => (s.Flags & 0x01) != 0));
        Assert.True((frames, syn, synAck, rst, fin) == actual, $"{file} ({derivation}): expected frames/SYN/SYN-ACK/RST/FIN {(frames, syn, synAck, rst, fin)}, tshark {actual}");
        Assert.Equal(file == "pcapng-options.pcapng" ? frames - 1 : frames, tcp.Count);
    }

    /// <summary>What tshark must find in each edge-cases.pcap frame: its protocol chain up to TCP (or to the end when there is no TCP).</summary>
    public static TheoryData<string, string> EdgeChains => new()
    {
        { "syn-ece-cwr", "eth:ethertype:ip:tcp" },
        { "tcp-ns-and-reserved-bits", "eth:ethertype:ip:tcp" },
        { "tcp-all-eight-flags", "eth:ethertype:ip:tcp" },
        { "tcp-no-flags", "eth:ethertype:ip:tcp" },
        { "syn-with-payload", "eth:ethertype:ip:tcp" },
        { "tcp-port-zero", "eth:ethertype:ip:tcp" },
        { "ipv6-routing-header-done", "eth:ethertype:ipv6:ipv6.routing:tcp" },
        { "ipv6-routing-header-pending", "eth:ethertype:ipv6:ipv6.routing:tcp" },
        { "ipv6-atomic-fragment", "eth:ethertype:ipv6:ipv6.fraghdr:tcp" },
        { "ipv6-hop-by-hop-not-first", "eth:ethertype:ipv6:ipv6.dstopts:ipv6.hopopts:tcp" },
        { "vlan-priority-and-dei", "eth:ethertype:vlan:ethertype:ip:tcp" },
        { "vlan-zero-priority-tag", "eth:ethertype:vlan:ethertype:ip:tcp" },
        { "three-vlan-tags", "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:vlan:ethertype:ip:tcp" },
        { "mpls-three-labels-ipv6", "eth:ethertype:mpls:ipv6:tcp" },
        { "icmp-unreachable-quoting-8-bytes", "eth:ethertype:ip:icmp:ip:tcp" },
        { "icmp-unreachable-quoting-whole-syn", "eth:ethertype:ip:icmp:ip:tcp" },
        { "icmpv6-unreachable-quoting-syn", "eth:ethertype:ipv6:icmpv6:ipv6:tcp" },
        { "ipv4-in-ipv4", "eth:ethertype:ip:ip:tcp" },
        { "ipv6-in-ipv4", "eth:ethertype:ip:ipv6:tcp" },
        { "ipv4-in-ipv6", "eth:ethertype:ipv6:ip:tcp" },
        { "ipv6-in-ipv6", "eth:ethertype:ipv6:ipv6:tcp" },
        { "ip-in-ip-in-ip", "eth:ethertype:ip:ip:ip:tcp" },
        { "gre-ipv4", "eth:ethertype:ip:gre:ip:tcp" },
        { "vxlan", "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp" },
        { "pppoe-session", "eth:ethertype:pppoes:ppp:ip:tcp" },
        { "llc-snap", "eth:llc:ip:tcp" },
        { "valid-syn-ack", "eth:ethertype:ip:tcp" },
    };

    [RequiresToolsTheory("tshark")]
    [MemberData(nameof(EdgeChains))]
    public void Tshark_EdgeCaseFrame_HasTheIntendedLayers(string name, string chain)
    {
        ToolGuard.Require("tshark");
        int index = SampleGenerator.EdgeFrames.Cases.ToList().FindIndex(c => c.Name == name);
        var frames = Dump("edge-cases.pcap").Frames;

        Assert.Equal(SampleGenerator.EdgeFrames.Cases.Count, frames.Count);
        var protocols = string.Join(':', frames[index].Protocols);
        Assert.True(protocols.StartsWith(chain, StringComparison.Ordinal) && (protocols.Length == chain.Length || protocols[chain.Length] == ':'),
            $"{name}: tshark sees {protocols}, expected {chain}");
    }

    /// <summary>Cases of bad/garbage-frames.pcap where tshark still dissects a whole TCP fixed header (the rest must show none).</summary>
    public static readonly string[] GarbageWithTcpHeader =
    [
        "valid-syn", "ipv4-total-length-beyond-frame", "tcp-options-truncated", "ipv4-first-fragment", "ipv4-total-length-0-tso",
        "ipv4-ethertype-carrying-ipv6", "ipv4-bad-header-checksum", "tcp-bad-checksum", "ipv4-with-options", "ethernet-padding",
        "ipv6-first-fragment", "tcp-options-beyond-ip-length", "valid-syn-ack",
    ];

    [RequiresToolsFact("tshark")]
    public void Tshark_GarbageFrames_ShowATcpHeaderOnlyWhereExpected()
    {
        ToolGuard.Require("tshark");
        var cases = SampleGenerator.GarbageFrames.Cases;
        var frames = Dump("bad/garbage-frames.pcap").Frames;

        Assert.Equal(cases.Count, frames.Count);
        var withHeader = cases.Where((c, i) => frames[i].HasTcpHeader).Select(c => c.Name).ToList();
        Assert.Equal(GarbageWithTcpHeader, withHeader);
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_EverySampleSynAck_AcknowledgesAnEarlierSyn()
    {
        ToolGuard.Require("tshark");
        var problems = new List<string>();
        foreach (var file in SampleContentTests.Counts.Select(row => (string)row[0]))
        {
            var synSeq = new Dictionary<(UInt128, ushort, UInt128, ushort), HashSet<uint>>();
            foreach (var f in Dump(file).Frames)
            {
                var s = f.Segment;
                if (s is null) continue;
                if ((s.Flags & 0x12) == 0x02)
                {
                    var key = (s.Source, s.SourcePort, s.Destination, s.DestinationPort);
                    if (!synSeq.TryGetValue(key, out var set)) synSeq[key] = set = [];
                    set.Add(s.Sequence);
                }
                else if ((s.Flags & 0x12) == 0x12 || (s.Flags & 0x14) == 0x14 && s.Sequence == 0)
                {
                    if (!synSeq.TryGetValue((s.Destination, s.DestinationPort, s.Source, s.SourcePort), out var set) || !set.Contains(s.Acknowledgment - 1))
                        problems.Add($"{file} frame {f.Number}: flags 0x{s.Flags:x3} ack {s.Acknowledgment} answers no earlier SYN");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems.Take(20)));
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_SynFlood_HasDistinctSpoofedSourcesThatNeverComplete()
    {
        ToolGuard.Require("tshark");
        var segs = Dump("syn-flood-spoofed.pcap").Frames.Select(f => f.Segment).OfType<TsharkSegment>().ToList();
        var victim = TsharkFrame.ToUInt128("10.0.0.10");
        bool Spoofed(UInt128 a) => a >= TsharkFrame.ToUInt128("198.18.0.0") && a <= TsharkFrame.ToUInt128("198.19.255.255");

        var floodSyns = segs.Where(s => Spoofed(s.Source) && s.Destination == victim && s.DestinationPort == 80 && (s.Flags & 0x12) == 0x02).ToList();
        Assert.Equal(3000, floodSyns.Count);
        Assert.Equal(3000, floodSyns.Select(s => s.Source).Distinct().Count());
        Assert.Equal(0, segs.Count(s => Spoofed(s.Source) && (s.Flags & 0x10) != 0));
        Assert.Equal(3300, segs.Count(s => s.Source == victim && Spoofed(s.Destination) && (s.Flags & 0x12) == 0x12));
        // The victim keeps serving real clients on port 80 during the flood (2 s .. 5 s): some complete there.
        Assert.Contains(segs, s => !Spoofed(s.Source) && s.Destination == victim && s.DestinationPort == 80 && s.Flags == 0x10);
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_HalfOpenScan_ProbesTwoHundredPortsAndSweepsThirtyHosts()
    {
        ToolGuard.Require("tshark");
        var segs = Dump("halfopen-scan.pcap").Frames.Select(f => f.Segment).OfType<TsharkSegment>().ToList();
        var scanner = TsharkFrame.ToUInt128("203.0.113.66");
        var target = TsharkFrame.ToUInt128("10.0.1.20");

        var probes = segs.Where(s => s.Source == scanner && s.Destination == target && (s.Flags & 0x12) == 0x02).ToList();
        Assert.Equal(200, probes.Select(s => s.DestinationPort).Distinct().Count());
        Assert.Equal(new ushort[] { 22, 80, 443, 3306 }, segs.Where(s => s.Source == target && s.Destination == scanner && (s.Flags & 0x12) == 0x12).Select(s => s.SourcePort).Order());
        Assert.Equal(196, segs.Count(s => s.Source == target && s.Destination == scanner && s.Flags == 0x14));
        var sweep = segs.Where(s => s.Source == scanner && s.DestinationPort == 22 && s.Destination != target && (s.Flags & 0x12) == 0x02).ToList();
        Assert.Equal(30, sweep.Select(s => s.Destination).Distinct().Count());
        Assert.Equal(40, sweep.Count);
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_HealthMonitor_ProbesEachMemberEveryFiveSeconds()
    {
        ToolGuard.Require("tshark");
        var monitor = TsharkFrame.ToUInt128("10.0.2.2");
        var frames = Dump("f5-health-monitor.pcap").Frames.Where(f => f.Segment is { } s && s.Source == monitor && (s.Flags & 0x12) == 0x02).ToList();

        foreach (var member in frames.GroupBy(f => f.Segment!.Destination))
        {
            var times = member.Select(f => f.TimestampNs!.Value).ToList();
            Assert.Equal(24, times.Count);
            Assert.All(times.Zip(times.Skip(1), (a, b) => b - a), gap => Assert.InRange(gap, 4_800_000_000L, 5_200_000_000L));
        }

        Assert.Equal(3, frames.Select(f => f.Segment!.Destination).Distinct().Count());
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_QinqSample_HasEachTaggingVariant()
    {
        ToolGuard.Require("tshark");
        var frames = Dump("qinq-vlan.pcap").Frames;

        Assert.Equal(36, frames.Count(f => f.Has("ieee8021ad") && f.Has("vlan")));        // 4 flows 802.1ad + 802.1Q
        Assert.Equal(18, frames.Count(f => f.VlanTags().SequenceEqual(new ushort[] { 110, 210 }))); // 2 flows double 802.1Q
        Assert.Equal(18, frames.Count(f => f.Has("mpls")));                                  // 1 MPLS flow + 1 VLAN+MPLS flow
        Assert.Equal(27, frames.Count(f => f.VlanTags().SequenceEqual(new ushort[] { 300 })));
        var twins = frames.Where(f => f.Segment is { SourcePort: 40000 } && (f.Segment.Flags & 0x12) == 0x02).ToList();
        Assert.Equal(new ushort[] { 310, 311 }, twins.Select(f => f.VlanTags().Single()).Order());
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_Ipv6Sample_HasExtensionHeadersAndASmallFlood()
    {
        ToolGuard.Require("tshark");
        var frames = Dump("ipv6.pcap").Frames;

        Assert.Equal(36, frames.Count(f => f.Has("ipv6.hopopts") && f.Has("ipv6.dstopts")));
        var flood = frames.Select(f => f.Segment).OfType<TsharkSegment>()
            .Where(s => (s.Flags & 0x12) == 0x02 && s.Source >> 80 == TsharkFrame.ToUInt128("2001:db8:bad::") >> 80).ToList();
        Assert.Equal(200, flood.Count);
        Assert.Equal(200, flood.Select(s => s.Source).Distinct().Count());
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_LinkTypeSamples_UseTheirLinkLayer()
    {
        ToolGuard.Require("tshark");
        Assert.All(Dump("linux-cooked.pcap").Frames, f => Assert.Equal("sll", f.Protocols[0]));
        Assert.All(Dump("linux-cooked-v2.pcap").Frames, f => Assert.Equal("sll", f.Protocols[0]));
        Assert.All(Dump("null-loopback.pcap").Frames, f => Assert.Equal("null", f.Protocols[0]));
        Assert.All(Dump("nflog.pcap").Frames, f => Assert.Equal("nflog", f.Protocols[0]));
        var multi = Dump("multi-interface.pcapng").Frames;
        Assert.Equal(new[] { "eth", "raw", "sll" }, multi.GroupBy(f => f.InterfaceId).OrderBy(g => g.Key).Select(g => g.First().Protocols[0]));
        Assert.Equal(3, multi.Count(f => f.TimestampNs is null)); // simple packet blocks carry no timestamp
        Assert.Contains(multi, f => f.CapturedLength < f.Length);   // interface 1 has snaplen 96
        var linkTypes = Dump("link-types.pcapng").Frames;
        Assert.Equal(new[] { "ip", "ipv6", "raw", "raw", "null", "null" }, linkTypes.GroupBy(f => f.InterfaceId).OrderBy(g => g.Key).Select(g => g.First().Protocols[0]));
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_PcapngOptions_AppliesOffsetAndResolution()
    {
        ToolGuard.Require("tshark");
        var frames = Dump("pcapng-options.pcapng").Frames;

        // Interface 1 stores times 1000 s early and if_tsoffset adds them back; interface 0 counts 2^-20 s ticks.
        Assert.All(frames, f => Assert.InRange(f.TimestampNs!.Value, SampleGenerator.SampleCatalog.BaseNs, SampleGenerator.SampleCatalog.BaseNs + 1_000_000_000L));
        Assert.Contains(frames, f => f.InterfaceId == 0 && f.TimestampNs!.Value % 1000 != 0);
        Assert.Single(frames, f => f.CapturedLength == 0 && f.Length == 60);
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_NanosecondSample_KeepsSubMicrosecondDigits()
    {
        ToolGuard.Require("tshark");
        var frames = Dump("nanosecond-be.pcap").Frames;

        Assert.True(frames.Count(f => f.TimestampNs!.Value % 1000 != 0) > frames.Count / 2, "most timestamps should have non-zero nanosecond digits");
        Assert.Equal(SampleGenerator.SampleCatalog.BaseNs + 123_456_789, frames[0].TimestampNs);
    }

    [RequiresToolsFact("tshark")]
    public void Tshark_Snaplen64_CutsEveryFrameAndIpv6TcpHeaders()
    {
        ToolGuard.Require("tshark");
        var frames = Dump("snaplen-64.pcap").Frames;

        Assert.Equal(83, frames.Count);
        Assert.All(frames, f => Assert.InRange(f.CapturedLength, 0, 64));
        Assert.All(frames.Where(f => f.Has("ip")), f => Assert.True(f.HasTcpHeader, $"frame {f.Number}: IPv4 TCP fixed header should fit in 64 bytes"));
        Assert.All(frames.Where(f => f.Has("ipv6")), f => Assert.False(f.HasTcpHeader, $"frame {f.Number}: only 10 bytes of TCP fit after an IPv6 header"));
        Assert.Contains(frames, f => f.Has("ipv6"));
    }

    private static TsharkDump Dump(string file)
    {
        var d = TsharkCache.Get(Captures.SamplesPrefix + file).GetAwaiter().GetResult();
        Assert.True(d.ExitCode == 0, $"tshark failed on {file}: {d.StdErr}");
        return d;
    }
}
