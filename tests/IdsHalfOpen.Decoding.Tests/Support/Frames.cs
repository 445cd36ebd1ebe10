using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests.Support;

/// <summary>Frames the TestKit builders do not make (ICMP, FabricPath, MPLS multicast) and the standard frames the suites reuse.</summary>
internal static class Frames
{
    public const ushort SourcePort = 40000;
    public const ushort DestinationPort = 443;
    public const uint Isn = 0x1234_5678;

    /// <summary>A Linux-style SYN (MSS, SACK-permitted, timestamps, window scale) as IPv4 or IPv6.</summary>
    public static byte[] Syn(bool v6 = false, Tf flags = Tf.Syn, byte[]? payload = null, byte ttl = 64) =>
        Packets.IpTcp(v6 ? Addr.V6A : Addr.V4A, v6 ? Addr.V6B : Addr.V4B, SourcePort, DestinationPort, flags, Isn, 0, ttl,
            Packets.SynOptions(), payload);

    /// <summary>A TCP segment with its checksum computed over the given addresses, wrapped in IPv4 or IPv6 by family.</summary>
    public static byte[] Tcp(IPAddress src, IPAddress dst, Tf flags, byte[]? options = null, byte[]? payload = null, uint seq = Isn, uint ack = 0) =>
        Packets.Tcp(src, dst, SourcePort, DestinationPort, flags, seq, ack, 64240, options, payload);

    /// <summary>An ICMP message (type, code, 4 zero bytes, body) with its checksum.</summary>
    public static byte[] Icmp(byte type, byte code, byte[] body)
    {
        var m = new byte[8 + body.Length];
        m[0] = type;
        m[1] = code;
        body.CopyTo(m, 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Packets.Checksum(m));
        return m;
    }

    /// <summary>An ICMPv6 message with its checksum over the IPv6 pseudo-header.</summary>
    public static byte[] Icmpv6(IPAddress src, IPAddress dst, byte type, byte code, byte[] body)
    {
        var m = new byte[8 + body.Length];
        m[0] = type;
        m[1] = code;
        body.CopyTo(m, 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Packets.TransportChecksum(src, dst, 58, m));
        return m;
    }

    /// <summary>
    /// A router's ICMP error about <paramref name="offending"/> (an IP packet from A to B), sent from a router to A.
    /// <paramref name="quoteBytes"/> limits the quote (RFC 792: IP header + 8); null quotes it whole.
    /// </summary>
    public static byte[] IcmpError(byte[] offending, byte type = 3, byte code = 1, int? quoteBytes = null)
    {
        var quote = quoteBytes is int n ? offending[..Math.Min(n, offending.Length)] : offending;
        bool v6 = (offending[0] >> 4) == 6;
        var router = v6 ? IPAddress.Parse("2001:db8:ff::1") : IPAddress.Parse("203.0.113.1");
        var to = v6 ? Addr.V6A : Addr.V4A;
        return v6
            ? Packets.Ipv6(router, to, 58, Icmpv6(router, to, type, code, quote), 60)
            : Packets.Ipv4(router, to, 1, Icmp(type, code, quote), 60);
    }

    /// <summary>Cisco FabricPath: outer switch-id "MACs", 0x8903, FTag/TTL, then the original Ethernet frame.</summary>
    public static byte[] FabricPath(byte[] innerEthernetFrame, ushort ftag = 1, byte ttl = 32)
    {
        var f = new byte[16 + innerEthernetFrame.Length];
        f[0] = 0x02; f[5] = 0x01;
        f[6] = 0x02; f[11] = 0x02;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x8903);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), (ushort)((ftag << 6) | (ttl & 0x3F)));
        innerEthernetFrame.CopyTo(f, 16);
        return f;
    }

    /// <summary>Ethernet with a raw EtherType and body, for stacks the builder cannot express.</summary>
    public static byte[] EthernetRaw(ushort etherType, byte[] body)
    {
        var f = new byte[14 + body.Length];
        Packets.MacB.CopyTo(f, 0);
        Packets.MacA.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), etherType);
        body.CopyTo(f, 14);
        return f;
    }

    /// <summary>MPLS label stack entries (bottom-of-stack on the last), TTL 64.</summary>
    public static byte[] MplsStack(params uint[] labels)
    {
        var s = new byte[labels.Length * 4];
        for (int i = 0; i < labels.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(s.AsSpan(i * 4), (labels[i] << 12) | (i == labels.Length - 1 ? 0x100u : 0) | 64);
        return s;
    }

    /// <summary>An IPv6 routing header of the given type listing <paramref name="addresses"/> (for types 0, 2 and 4 the layout is the same).</summary>
    public static byte[] RoutingHeader(byte nextHeader, byte segmentsLeft, byte routingType, params IPAddress[] addresses)
    {
        var h = new byte[8 + (16 * addresses.Length)];
        h[0] = nextHeader;
        h[1] = (byte)(2 * addresses.Length);
        h[2] = routingType;
        h[3] = segmentsLeft;
        for (int i = 0; i < addresses.Length; i++) addresses[i].GetAddressBytes().CopyTo(h, 8 + (16 * i));
        return h;
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var r = new byte[parts.Sum(p => p.Length)];
        int o = 0;
        foreach (var p in parts) { p.CopyTo(r, o); o += p.Length; }
        return r;
    }

    /// <summary>Wraps an IP packet in the given link type, the way a capture of that type holds it.</summary>
    public static byte[] Wrap(LinkType linkType, byte[] ipPacket)
    {
        bool v6 = (ipPacket[0] >> 4) == 6;
        ushort etherType = v6 ? Packets.EtherTypeIpv6 : Packets.EtherTypeIpv4;
        return linkType switch
        {
            LinkType.Ethernet => Packets.Ethernet(ipPacket, etherType),
            LinkType.LinuxSll => Packets.LinuxSll(ipPacket, etherType),
            LinkType.LinuxSll2 => Packets.LinuxSll2(ipPacket, etherType),
            LinkType.Nflog => Packets.Nflog(ipPacket, v6 ? (byte)10 : (byte)2),
            LinkType.Null => Packets.Null(ipPacket, v6 ? 30u : 2u),
            LinkType.Loop => Packets.Null(ipPacket, v6 ? 24u : 2u, bigEndian: true),
            LinkType.Raw or LinkType.RawDlt12 or LinkType.RawDlt14 or LinkType.Ipv4 or LinkType.Ipv6 => ipPacket,
            _ => throw new ArgumentOutOfRangeException(nameof(linkType)),
        };
    }

    /// <summary>
    /// A corpus of valid frames covering every link type and feature, each with the link type to decode it as.
    /// Used by the truncation, fuzz and allocation suites.
    /// </summary>
    public static List<(string Name, LinkType LinkType, byte[] Data)> Corpus()
    {
        var list = new List<(string, LinkType, byte[])>();
        var syn4 = Syn();
        var syn6 = Syn(v6: true);
        var data4 = Packets.IpTcp(Addr.V4A, Addr.V4B, 1, 2, Tf.Ack | Tf.Psh, 5, 6, payload: new byte[100]);
        foreach (var lt in new[] { LinkType.Ethernet, LinkType.LinuxSll, LinkType.LinuxSll2, LinkType.Nflog, LinkType.Null, LinkType.Loop, LinkType.Raw, LinkType.RawDlt12, LinkType.RawDlt14 })
        {
            list.Add(($"{lt} SYN v4", lt, Wrap(lt, syn4)));
            list.Add(($"{lt} SYN v6", lt, Wrap(lt, syn6)));
        }

        list.Add(("Ipv4 linktype", LinkType.Ipv4, syn4));
        list.Add(("Ipv6 linktype", LinkType.Ipv6, syn6));
        list.Add(("Ethernet data", LinkType.Ethernet, Wrap(LinkType.Ethernet, data4)));
        list.Add(("Ethernet padded SYN-ACK", LinkType.Ethernet, Frames.Concat(Packets.Ethernet(
            Packets.IpTcp(Addr.V4B, Addr.V4A, 443, 40000, Tf.Syn | Tf.Ack, 9, Isn + 1), Packets.EtherTypeIpv4), new byte[6])));
        list.Add(("VLAN", LinkType.Ethernet, Packets.Ethernet(syn4, Packets.EtherTypeIpv4, vlans: [100])));
        list.Add(("QinQ", LinkType.Ethernet, Packets.Ethernet(syn6, Packets.EtherTypeIpv6, vlans: [100, 200], qinq: true)));
        list.Add(("MPLS", LinkType.Ethernet, Packets.Ethernet(syn4, Packets.EtherTypeIpv4, mplsLabels: [16, 17, 18])));
        list.Add(("VLAN+MPLS v6", LinkType.Ethernet, Packets.Ethernet(syn6, Packets.EtherTypeIpv6, vlans: [7], mplsLabels: [100])));
        list.Add(("FabricPath", LinkType.Ethernet, FabricPath(Packets.Ethernet(syn4, Packets.EtherTypeIpv4))));
        list.Add(("SLL VLAN", LinkType.LinuxSll, Packets.LinuxSll(Concat([0, 5, 0x08, 0x00], syn4), 0x8100)));
        list.Add(("IPv4 options", LinkType.Raw, Packets.Ipv4(Addr.V4A, Addr.V4B, 6, Packets.Tcp(Addr.V4A, Addr.V4B, 1, 2, Tf.Syn, 1, 0), options: [1, 1, 1, 0])));
        list.Add(("IPv6 ext chain", LinkType.Raw, Packets.Ipv6(Addr.V6A, Addr.V6B, 0, Packets.Tcp(Addr.V6A, Addr.V6B, 1, 2, Tf.Syn, 1, 0, options: Packets.SynOptions()), 64,
            Packets.Ipv6Extension(60), Packets.Ipv6Extension(43), RoutingHeader(6, 0, 4, Addr.V6B))));
        list.Add(("IPv6 fragment first", LinkType.Raw, Packets.Ipv6(Addr.V6A, Addr.V6B, 44, Packets.Tcp(Addr.V6A, Addr.V6B, 1, 2, Tf.Syn, 1, 0), 64,
            Packets.Ipv6Fragment(6, 0, true, 7))));
        list.Add(("IP-in-IP", LinkType.Raw, Packets.Ipv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), 4, syn4)));
        list.Add(("6in4", LinkType.Raw, Packets.Ipv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), 41, syn6)));
        list.Add(("ICMP unreachable", LinkType.Ethernet, Packets.Ethernet(IcmpError(syn4, 3, 3, 28), Packets.EtherTypeIpv4)));
        list.Add(("ICMP time exceeded full quote", LinkType.Raw, IcmpError(syn4, 11, 0)));
        list.Add(("ICMPv6 unreachable", LinkType.Ethernet, Packets.Ethernet(IcmpError(syn6, 1, 4), Packets.EtherTypeIpv6)));
        list.Add(("UDP", LinkType.Raw, Packets.Ipv4(Addr.V4A, Addr.V4B, 17, new byte[16])));
        list.Add(("ARP", LinkType.Ethernet, Packets.Ethernet(new byte[28], Packets.EtherTypeArp)));
        return list;
    }

    public static bool IsV6(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6;
}
