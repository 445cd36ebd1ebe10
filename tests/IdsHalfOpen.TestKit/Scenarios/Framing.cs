namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>Turns scenario IP packets into link-layer frames.</summary>
public static class Framing
{
    /// <summary>The MAC of the client side (router towards clients) and of the server.</summary>
    public static readonly byte[] ClientSideMac = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x01];
    public static readonly byte[] ServerMac = [0x02, 0x00, 0x5e, 0x00, 0x00, 0x02];

    public static ushort EtherTypeOf(byte[] ip) => (ip[0] >> 4) == 6 ? Packets.EtherTypeIpv6 : Packets.EtherTypeIpv4;

    public static IEnumerable<TimedFrame> ToFrames(this IEnumerable<ScenarioPacket> packets, Func<ScenarioPacket, byte[]> frame) =>
        packets.Select(p => new TimedFrame(p.TimestampNs, frame(p)));

    public static byte[] Ethernet(ScenarioPacket p) => Ethernet(p, null, null, false);

    /// <summary>Ethernet II with optional VLAN tags (TCI values, outer first; QinQ puts 0x88A8 on the outer tag) and MPLS labels.</summary>
    public static byte[] Ethernet(ScenarioPacket p, ushort[]? vlanTci, uint[]? mplsLabels, bool qinq) =>
        Packets.Ethernet(p.Ip, EtherTypeOf(p.Ip), vlanTci, mplsLabels, qinq,
            dstMac: p.FromResponder ? ClientSideMac : ServerMac, srcMac: p.FromResponder ? ServerMac : ClientSideMac);

    /// <summary>LINKTYPE_RAW: the IP packet itself.</summary>
    public static byte[] Raw(ScenarioPacket p) => p.Ip;

    /// <summary>Linux cooked v1 captured on the server: client packets "to us" (0), server packets "outgoing" (4).</summary>
    public static byte[] LinuxSll(ScenarioPacket p) => Packets.LinuxSll(p.Ip, EtherTypeOf(p.Ip), p.FromResponder ? (ushort)4 : (ushort)0);

    /// <summary>Linux cooked v2 captured on the server, interface index 2.</summary>
    public static byte[] LinuxSll2(ScenarioPacket p) => Packets.LinuxSll2(p.Ip, EtherTypeOf(p.Ip), 2, p.FromResponder ? (byte)4 : (byte)0);

    /// <summary>
    /// NFLOG (LINKTYPE_NFLOG) as Linux writes it: family AF_INET (2) or AF_INET6 (10), an NFULA_PACKET_HDR whose hardware
    /// protocol matches the packet (0x0800 or 0x86DD; dissectors follow it), a prefix, then the packet (TLV type 9).
    /// TLV lengths and types are in host byte order (little-endian here). <see cref="Packets.Nflog"/> always says IPv4.
    /// </summary>
    public static byte[] Nflog(ScenarioPacket p)
    {
        bool v6 = (p.Ip[0] >> 4) == 6;
        using var m = new MemoryStream();
        m.Write([v6 ? (byte)10 : (byte)2, 0, 0, 0]);
        WriteTlv(m, 1, [v6 ? (byte)0x86 : (byte)0x08, v6 ? (byte)0xDD : (byte)0x00, p.FromResponder ? (byte)3 : (byte)1, 0]);
        WriteTlv(m, 10, "ids\0"u8.ToArray());
        WriteTlv(m, 9, p.Ip);
        return m.ToArray();

        static void WriteTlv(MemoryStream m, ushort type, byte[] value)
        {
            Span<byte> h = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(4 + value.Length));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(h[2..], type);
            m.Write(h);
            m.Write(value);
            m.Write(new byte[((value.Length + 3) & ~3) - value.Length]);
        }
    }

    /// <summary>VLAN tag control information: priority (0-7) in the top 3 bits, VLAN id in the low 12.</summary>
    public static ushort Tci(ushort vlanId, byte priority = 0) => (ushort)((priority << 13) | (vlanId & 0x0FFF));
}

/// <summary>Convenience writers for frame streams.</summary>
public static class FrameWriting
{
    public static int WriteAll(this PcapWriter writer, IEnumerable<TimedFrame> frames)
    {
        int n = 0;
        foreach (var f in frames)
        {
            writer.Write(f.TimestampNs, f.Data);
            n++;
        }

        return n;
    }

    public static int WriteAll(this PcapngWriter writer, int interfaceId, IEnumerable<TimedFrame> frames)
    {
        int n = 0;
        foreach (var f in frames)
        {
            writer.WriteEnhanced(interfaceId, f.TimestampNs, f.Data);
            n++;
        }

        return n;
    }
}
