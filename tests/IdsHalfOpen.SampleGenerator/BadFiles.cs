using System.Buffers.Binary;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.SampleGenerator;

/// <summary>
/// Damaged capture files (samples-pcap/bad/). Each starts from the same valid capture: 5 complete IPv4 connections,
/// 45 Ethernet frames, then breaks it in one place.
/// </summary>
public static class BadFiles
{
    public const int Frames = 45;

    /// <summary>Record index (0-based) whose length field is corrupted: 20 frames come before it.</summary>
    public const int CorruptIndex = 20;

    private static IEnumerable<TimedFrame> Base() => CleanTraffic.Packets(new CleanTrafficOptions
    {
        Seed = 1301,
        StartNs = SampleCatalog.BaseNs,
        Connections = 5,
        Clients = SampleCatalog.Clients4,
        Servers = SampleCatalog.Servers4,
        MeanGapNs = 100 * Conversation.Millisecond,
    }).ToFrames(Framing.Ethernet);

    private static byte[] BasePcap() => SampleCatalog.Pcap(LinkType.Ethernet, Base());

    private static byte[] BasePcapng()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapngWriter(ms))
        {
            w.AddInterface(LinkType.Ethernet, 262144, 6, "eth0");
            w.WriteAll(0, Base());
        }

        return ms.ToArray();
    }

    /// <summary>The last record's header is complete but only half of its data is there: 44 good frames.</summary>
    public static byte[] TruncatedRecord()
    {
        var b = BasePcap();
        var offsets = PcapRecordOffsets(b);
        int last = offsets[^1];
        int caplen = (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(last + 8));
        return b[..(last + 16 + caplen / 2)];
    }

    /// <summary>The magic number is 0xDEADBEEF: not a capture file at all.</summary>
    public static byte[] CorruptHeader()
    {
        var b = BasePcap();
        BinaryPrimitives.WriteUInt32BigEndian(b, 0xDEADBEEF);
        return b;
    }

    /// <summary>Record 21's captured length is 16,777,215 (beyond the snapshot length and the file): 20 good frames.</summary>
    public static byte[] CorruptRecordLength()
    {
        var b = BasePcap();
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(PcapRecordOffsets(b)[CorruptIndex] + 8), 0x00FFFFFF);
        return b;
    }

    /// <summary>The last enhanced packet block stops in the middle of its packet data: 44 good frames.</summary>
    public static byte[] TruncatedBlock()
    {
        var b = BasePcapng();
        var blocks = PcapngBlockOffsets(b);
        int last = blocks[^1];
        return b[..(last + 28 + 20)];
    }

    /// <summary>Packet block 21's total length is 10 (less than the 12-byte minimum and not a multiple of 4): 20 good frames.</summary>
    public static byte[] CorruptBlockLength()
    {
        var b = BasePcapng();
        // Blocks: SHB, IDB, then one EPB per frame.
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(PcapngBlockOffsets(b)[2 + CorruptIndex] + 4), 10);
        return b;
    }

    private static List<int> PcapRecordOffsets(byte[] b)
    {
        var offsets = new List<int>();
        for (int o = 24; o < b.Length; o += 16 + (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 8))) offsets.Add(o);
        if (offsets.Count != Frames) throw new InvalidOperationException($"expected {Frames} records, found {offsets.Count}");
        return offsets;
    }

    private static List<int> PcapngBlockOffsets(byte[] b)
    {
        var offsets = new List<int>();
        for (int o = 0; o < b.Length; o += (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 4))) offsets.Add(o);
        if (offsets.Count != Frames + 2) throw new InvalidOperationException($"expected {Frames + 2} blocks, found {offsets.Count}");
        return offsets;
    }
}

/// <summary>
/// samples-pcap/bad/garbage-frames.pcap: a well-formed file whose frames carry malformed or unusual IPv4/IPv6/TCP
/// headers, between valid ones. <see cref="Cases"/> lists them in frame order (frame number = index + 1).
/// </summary>
public static class GarbageFrames
{
    public sealed record Case(string Name, string What, byte[] Frame, int? OriginalLength = null);

    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.10");
    private static readonly IPAddress Server = IPAddress.Parse("10.0.0.10");
    private static readonly IPAddress Client6 = IPAddress.Parse("2001:db8:100::10");
    private static readonly IPAddress Server6 = IPAddress.Parse("2001:db8:200::80");

    private static ushort s_port = 40000;

    public static IReadOnlyList<Case> Cases { get; } = BuildCases();

    public static byte[] Build()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, LinkType.Ethernet))
        {
            for (int i = 0; i < Cases.Count; i++) w.Write(SampleCatalog.BaseNs + i * Conversation.Millisecond, Cases[i].Frame, Cases[i].OriginalLength);
        }

        return ms.ToArray();
    }

    private static byte[] Syn4(ushort? totalLength = null, byte[]? ipOptions = null, bool moreFragments = false, ushort fragmentOffset8 = 0)
    {
        ushort port = s_port++;
        var tcp = Packets.Tcp(Client, Server, port, 80, Tf.Syn, 0x10000000u + port, 0, options: Packets.SynOptions());
        return Packets.Ipv4(Client, Server, 6, tcp, 64, port, dontFragment: !moreFragments && fragmentOffset8 == 0, moreFragments, fragmentOffset8, ipOptions, totalLength);
    }

    private static byte[] Syn6(byte nextHeader = 6, params byte[][] extensions)
    {
        ushort port = s_port++;
        var tcp = Packets.Tcp(Client6, Server6, port, 80, Tf.Syn, 0x20000000u + port, 0, options: Packets.SynOptions());
        return Packets.Ipv6(Client6, Server6, nextHeader, tcp, 64, extensions);
    }

    private static byte[] Eth(byte[] ip, ushort? etherType = null) => Packets.Ethernet(ip, etherType ?? Framing.EtherTypeOf(ip));

    private static List<Case> BuildCases()
    {
        s_port = 40000;
        var cases = new List<Case>
        {
            new("valid-syn", "a valid IPv4 SYN", Eth(Syn4())),
        };

        var ihl4 = Syn4();
        ihl4[0] = 0x44;
        cases.Add(new("ipv4-ihl-4", "IPv4 header length 4 words (16 bytes), below the minimum of 5", Eth(ihl4)));

        cases.Add(new("ipv4-total-length-short", "IPv4 total length 30: only 10 bytes of the 40-byte TCP header are inside the IP packet", Eth(Syn4(totalLength: 30))));

        var beyond = Syn4(totalLength: 1500);
        cases.Add(new("ipv4-total-length-beyond-frame", "IPv4 total length 1500 in a 74-byte frame that was captured whole (original length = captured length)", Eth(beyond)));

        var doff3 = Syn4();
        doff3[20 + 12] = 0x30;
        cases.Add(new("tcp-data-offset-3", "TCP data offset 3 words (12 bytes), below the minimum of 5", Eth(doff3)));

        // Data offset 15 (60 bytes) but the IP packet holds only 24 bytes of TCP.
        ushort p6 = s_port++;
        var shortTcp = Packets.Tcp(Client, Server, p6, 80, Tf.Syn, 0x10000000u + p6, 0, options: [2, 4, 0x05, 0xb4]);
        shortTcp[12] = 0xF0;
        cases.Add(new("tcp-options-truncated", "TCP data offset 15 words (60 bytes) but the IP packet holds 24 bytes of TCP: the options run past the end", Eth(Packets.Ipv4(Client, Server, 6, shortTcp, 64, p6))));

        cases.Add(new("ipv4-non-first-fragment", "IPv4 fragment at offset 1480, protocol TCP: its first bytes look like a TCP header but are not one", Eth(Syn4(fragmentOffset8: 185))));

        cases.Add(new("ipv4-first-fragment", "IPv4 first fragment (offset 0, more fragments) holding a whole TCP SYN header", Eth(Syn4(moreFragments: true))));

        cases.Add(new("ipv4-total-length-0-tso", "IPv4 total length 0, as TCP segmentation offload leaves it: the frame length is the packet length", Eth(Syn4(totalLength: 0))));

        var v6short = Syn6();
        BinaryPrimitives.WriteUInt16BigEndian(v6short.AsSpan(4), 8);
        cases.Add(new("ipv6-payload-length-short", "IPv6 payload length 8: the 40-byte TCP header does not fit", Eth(v6short)));

        var overrun = Syn6(0, Packets.Ipv6Extension(6));
        overrun[40 + 1] = 255;
        cases.Add(new("ipv6-extension-overrun", "IPv6 hop-by-hop header claiming 2,048 bytes, running past the end of the packet", Eth(overrun)));

        cases.Add(new("ipv6-ethertype-carrying-ipv4", "EtherType IPv6 (0x86DD) but the packet is IPv4 (version 4)", Eth(Syn4(), Packets.EtherTypeIpv6)));

        cases.Add(new("ipv4-ethertype-carrying-ipv6", "EtherType IPv4 (0x0800) but the packet is IPv6 (version 6)", Eth(Syn6(), Packets.EtherTypeIpv4)));

        cases.Add(new("ethernet-runt", "a 10-byte frame: not even a whole Ethernet header", Eth(Syn4())[..10]));

        cases.Add(new("empty-frame", "a frame of 0 bytes", []));

        var badIpSum = Syn4();
        badIpSum[10] ^= 0x5a;
        cases.Add(new("ipv4-bad-header-checksum", "a valid IPv4 SYN whose IPv4 header checksum is wrong", Eth(badIpSum)));

        ushort p16 = s_port++;
        var badTcpSum = Packets.Tcp(Client, Server, p16, 80, Tf.Syn, 0x10000000u + p16, 0, options: Packets.SynOptions(), badChecksum: true);
        cases.Add(new("tcp-bad-checksum", "a valid IPv4 SYN whose TCP checksum is wrong", Eth(Packets.Ipv4(Client, Server, 6, badTcpSum, 64, p16))));

        cases.Add(new("ipv4-with-options", "a valid IPv4 SYN with a router-alert IP option (header length 24)", Eth(Syn4(ipOptions: [0x94, 0x04, 0x00, 0x00]))));

        ushort p18 = s_port++;
        var rst = Packets.Ipv4(Server, Client, 6, Packets.Tcp(Server, Client, 80, p18, Tf.Rst | Tf.Ack, 0, 0x10000001u + p18, 0), 64, p18);
        var padded = new byte[60];
        Eth(rst).CopyTo(padded, 0);
        cases.Add(new("ethernet-padding", "a valid RST-ACK (54 bytes) padded with zeros to the 60-byte Ethernet minimum", padded));

        cases.Add(new("vlan-tag-then-nothing", "an 802.1Q tag and then the frame ends", Packets.Ethernet([], Packets.EtherTypeIpv4, [Framing.Tci(42)])[..18]));

        ushort p20 = s_port++;
        var frag6Tcp = Packets.Tcp(Client6, Server6, p20, 80, Tf.Syn, 0x20000000u + p20, 0);
        cases.Add(new("ipv6-non-first-fragment", "IPv6 fragment header, offset 800 bytes, next header TCP: not a TCP header", Eth(Packets.Ipv6(Client6, Server6, 44, frag6Tcp, 64, Packets.Ipv6Fragment(6, 100, false, 7)))));

        ushort p21 = s_port++;
        var first6Tcp = Packets.Tcp(Client6, Server6, p21, 80, Tf.Syn, 0x20000000u + p21, 0, options: Packets.SynOptions());
        cases.Add(new("ipv6-first-fragment", "IPv6 first fragment (offset 0, more fragments) holding a whole TCP SYN header", Eth(Packets.Ipv6(Client6, Server6, 44, first6Tcp, 64, Packets.Ipv6Fragment(6, 0, true, 8)))));

        var ihl15 = Syn4();
        ihl15[0] = 0x4F;
        cases.Add(new("ipv4-ihl-15-short", "IPv4 header length 15 words (60 bytes) in a 60-byte packet: no room for TCP", Eth(ihl15)));

        var cut = Eth(Syn4());
        cases.Add(new("tcp-header-cut-by-capture", "a SYN captured with only 12 bytes of its TCP header (captured length 46, original length 74)", cut[..46], cut.Length));

        cases.Add(new("ipv4-no-tcp-bytes", "IPv4 protocol TCP with total length 20: no TCP bytes at all", Eth(Packets.Ipv4(Client, Server, 6, [], 64, 99))));

        var mpls = Packets.Ethernet(Syn4(), Packets.EtherTypeIpv4, mplsLabels: [100]);
        mpls[14 + 2] &= 0xFE; // clear bottom-of-stack: the label stack never ends
        cases.Add(new("mpls-no-bottom-of-stack", "an MPLS label without the bottom-of-stack bit, followed by an IPv4 packet read as more labels", mpls));

        var doff6Beyond = Syn4(totalLength: 20 + 24);
        cases.Add(new("tcp-options-beyond-ip-length", "a SYN with 20 bytes of options (data offset 10) whose IPv4 total length leaves only 24 bytes of TCP", Eth(doff6Beyond)));

        var v6zero = Syn6();
        BinaryPrimitives.WriteUInt16BigEndian(v6zero.AsSpan(4), 0);
        cases.Add(new("ipv6-payload-length-0-tso", "IPv6 payload length 0 without a jumbo option, as segmentation offload leaves it: the frame length is the packet length", Eth(v6zero)));

        var optionOverrun = Syn6(0, Packets.Ipv6Extension(6));
        optionOverrun[40 + 3] = 139; // the PadN option claims 139 bytes inside an 8-byte header
        cases.Add(new("ipv6-option-overrun", "IPv6 hop-by-hop header of a valid length whose PadN option claims 139 bytes, running past the header", Eth(optionOverrun)));

        ushort pLast = s_port++;
        var synAck = Packets.Tcp(Server, Client, 80, pLast, Tf.Syn | Tf.Ack, 0x30000000, 0x10000001u + pLast, options: Packets.SynOptions());
        cases.Add(new("valid-syn-ack", "a valid IPv4 SYN-ACK", Eth(Packets.Ipv4(Server, Client, 6, synAck, 64, pLast))));
        return cases;
    }
}
