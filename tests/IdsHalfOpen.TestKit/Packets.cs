using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace IdsHalfOpen.TestKit;

/// <summary>TCP flag bits for building segments (independent of the product's enum on purpose).</summary>
[Flags]
public enum Tf : byte
{
    Fin = 0x01, Syn = 0x02, Rst = 0x04, Psh = 0x08, Ack = 0x10, Urg = 0x20, Ece = 0x40, Cwr = 0x80,
}

/// <summary>
/// Builds protocol headers byte by byte, with correct checksums, so tests and the sample generator can make any frame.
/// Each method returns a fresh array: this is test code, clarity over speed.
/// </summary>
public static class Packets
{
    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeIpv6 = 0x86DD;
    public const ushort EtherTypeArp = 0x0806;
    public const ushort EtherTypeVlan = 0x8100;
    public const ushort EtherTypeQinQ = 0x88A8;
    public const ushort EtherTypeMpls = 0x8847;

    public static readonly byte[] MacA = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
    public static readonly byte[] MacB = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0b];

    /// <summary>TCP options: MSS, SACK-permitted, timestamps, NOP, window scale (Linux's SYN layout).</summary>
    public static byte[] SynOptions(ushort mss = 1460, byte windowScale = 7, uint tsVal = 1000, uint tsEcr = 0)
    {
        var o = new byte[20];
        o[0] = 2; o[1] = 4; BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(2), mss);
        o[4] = 4; o[5] = 2;
        o[6] = 8; o[7] = 10; BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(8), tsVal); BinaryPrimitives.WriteUInt32BigEndian(o.AsSpan(12), tsEcr);
        o[16] = 1;
        o[17] = 3; o[18] = 3; o[19] = windowScale;
        return o;
    }

    /// <summary>A TCP header (+options, padded to 4 bytes, + payload) with its checksum over the pseudo-header.</summary>
    public static byte[] Tcp(IPAddress src, IPAddress dst, ushort sport, ushort dport, Tf flags, uint seq, uint ack,
        ushort window = 64240, byte[]? options = null, byte[]? payload = null, bool badChecksum = false)
    {
        options ??= [];
        payload ??= [];
        int optLen = (options.Length + 3) & ~3;
        int hl = 20 + optLen;
        var t = new byte[hl + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), ack);
        t[12] = (byte)((hl / 4) << 4);
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), window);
        options.CopyTo(t, 20);
        payload.CopyTo(t, hl);
        ushort sum = TransportChecksum(src, dst, 6, t);
        if (badChecksum) sum ^= 0x5a5a;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), sum);
        return t;
    }

    /// <summary>An IPv4 header (+options) around a payload.</summary>
    public static byte[] Ipv4(IPAddress src, IPAddress dst, byte protocol, byte[] payload, byte ttl = 64, ushort id = 1,
        bool dontFragment = true, bool moreFragments = false, ushort fragmentOffset8 = 0, byte[]? options = null, ushort? totalLengthOverride = null)
    {
        options ??= [];
        int optLen = (options.Length + 3) & ~3;
        int hl = 20 + optLen;
        var p = new byte[hl + payload.Length];
        p[0] = (byte)(0x40 | (hl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), totalLengthOverride ?? (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        ushort frag = (ushort)((dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset8 & 0x1FFF));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), frag);
        p[8] = ttl;
        p[9] = protocol;
        src.GetAddressBytes().CopyTo(p, 12);
        dst.GetAddressBytes().CopyTo(p, 16);
        options.CopyTo(p, 20);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Checksum(p.AsSpan(0, hl)));
        payload.CopyTo(p, hl);
        return p;
    }

    /// <summary>An IPv6 extension header (hop-by-hop 0, routing 43, destination options 60): next header, length, body padded to 8 bytes.</summary>
    public static byte[] Ipv6Extension(byte nextHeader, int bodyBytes = 6)
    {
        int total = (2 + bodyBytes + 7) & ~7;
        var e = new byte[total];
        e[0] = nextHeader;
        e[1] = (byte)(total / 8 - 1);
        if (total > 2) { e[2] = 1; e[3] = (byte)(total - 4); } // PadN option filling the rest
        return e;
    }

    /// <summary>An IPv6 fragment header (44).</summary>
    public static byte[] Ipv6Fragment(byte nextHeader, ushort offset8, bool more, uint id)
    {
        var e = new byte[8];
        e[0] = nextHeader;
        BinaryPrimitives.WriteUInt16BigEndian(e.AsSpan(2), (ushort)((offset8 << 3) | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(e.AsSpan(4), id);
        return e;
    }

    /// <summary>IPv6 header around a payload; extension headers (already chained) go between.</summary>
    public static byte[] Ipv6(IPAddress src, IPAddress dst, byte nextHeader, byte[] payload, byte hopLimit = 64, params byte[][] extensions)
    {
        int extLen = extensions.Sum(e => e.Length);
        var p = new byte[40 + extLen + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(extLen + payload.Length));
        p[6] = nextHeader;
        p[7] = hopLimit;
        src.GetAddressBytes().CopyTo(p, 8);
        dst.GetAddressBytes().CopyTo(p, 24);
        int o = 40;
        foreach (var e in extensions) { e.CopyTo(p, o); o += e.Length; }
        payload.CopyTo(p, o);
        return p;
    }

    /// <summary>A TCP segment in IPv4 or IPv6 (chosen by the address family).</summary>
    public static byte[] IpTcp(IPAddress src, IPAddress dst, ushort sport, ushort dport, Tf flags, uint seq, uint ack,
        byte ttl = 64, byte[]? options = null, byte[]? payload = null, ushort window = 64240)
    {
        var tcp = Tcp(src, dst, sport, dport, flags, seq, ack, window, options, payload);
        return src.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6(src, dst, 6, tcp, ttl) : Ipv4(src, dst, 6, tcp, ttl);
    }

    /// <summary>Ethernet II with optional VLAN tags (outer first; QinQ outer uses 0x88A8) and an optional MPLS label stack.</summary>
    public static byte[] Ethernet(byte[] payload, ushort etherType, ushort[]? vlans = null, uint[]? mplsLabels = null, bool qinq = false,
        byte[]? dstMac = null, byte[]? srcMac = null)
    {
        vlans ??= [];
        mplsLabels ??= [];
        using var m = new MemoryStream();
        m.Write(dstMac ?? MacB);
        m.Write(srcMac ?? MacA);
        Span<byte> w = stackalloc byte[4];
        for (int i = 0; i < vlans.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(w, qinq && i == 0 && vlans.Length > 1 ? EtherTypeQinQ : EtherTypeVlan);
            BinaryPrimitives.WriteUInt16BigEndian(w[2..], vlans[i]);
            m.Write(w);
        }

        BinaryPrimitives.WriteUInt16BigEndian(w, mplsLabels.Length > 0 ? EtherTypeMpls : etherType);
        m.Write(w[..2]);
        for (int i = 0; i < mplsLabels.Length; i++)
        {
            uint entry = (mplsLabels[i] << 12) | (i == mplsLabels.Length - 1 ? 0x100u : 0u) | 64u;
            BinaryPrimitives.WriteUInt32BigEndian(w, entry);
            m.Write(w);
        }

        m.Write(payload);
        return m.ToArray();
    }

    /// <summary>Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 16-byte header).</summary>
    public static byte[] LinuxSll(byte[] payload, ushort protocol, ushort packetType = 0)
    {
        var p = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(p, packetType);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), 1); // ARPHRD_ETHER
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), 6);
        MacA.CopyTo(p, 6);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), protocol);
        payload.CopyTo(p, 16);
        return p;
    }

    /// <summary>Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 20-byte header).</summary>
    public static byte[] LinuxSll2(byte[] payload, ushort protocol, uint interfaceIndex = 2, byte packetType = 0)
    {
        var p = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(p, protocol);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), interfaceIndex);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(8), 1);
        p[10] = packetType;
        p[11] = 6;
        MacA.CopyTo(p, 12);
        payload.CopyTo(p, 20);
        return p;
    }

    /// <summary>NFLOG (LINKTYPE_NFLOG): 4-byte header then TLVs in host (little-endian here) byte order; the packet is TLV type 9.</summary>
    public static byte[] Nflog(byte[] ipPacket, byte family = 2)
    {
        using var m = new MemoryStream();
        m.Write([family, 0, 0, 0]);
        WriteTlv(m, 1, [0x08, 0x00, 3, 0]); // NFULA_PACKET_HDR: hw protocol, hook, pad
        WriteTlv(m, 10, System.Text.Encoding.ASCII.GetBytes("test\0")); // NFULA_PREFIX
        WriteTlv(m, 9, ipPacket);
        return m.ToArray();

        static void WriteTlv(MemoryStream m, ushort type, byte[] value)
        {
            Span<byte> h = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(4 + value.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], type);
            m.Write(h);
            m.Write(value);
            m.Write(new byte[((value.Length + 3) & ~3) - value.Length]);
        }
    }

    /// <summary>BSD loopback (LINKTYPE_NULL): address family in the writer's byte order (2 = IPv4, 24/28/30 = IPv6).</summary>
    public static byte[] Null(byte[] ipPacket, uint family, bool bigEndian = false)
    {
        var p = new byte[4 + ipPacket.Length];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(p, family); else BinaryPrimitives.WriteUInt32LittleEndian(p, family);
        ipPacket.CopyTo(p, 4);
        return p;
    }

    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        uint sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static ushort TransportChecksum(IPAddress src, IPAddress dst, byte protocol, ReadOnlySpan<byte> segment)
    {
        uint sum = 0;
        foreach (var b in new[] { src.GetAddressBytes(), dst.GetAddressBytes() })
            for (int i = 0; i < b.Length; i += 2) sum += (uint)((b[i] << 8) | b[i + 1]);
        sum += protocol;
        sum += (uint)segment.Length;
        return Checksum(segment, sum);
    }
}
