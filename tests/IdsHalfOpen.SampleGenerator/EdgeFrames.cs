using System.Buffers.Binary;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.SampleGenerator;

/// <summary>
/// samples-pcap/edge-cases.pcap: valid but unusual frames (Ethernet, 1 ms apart): rare flag combinations, IPv6 routing
/// and fragment headers, deep tag stacks, ICMP errors quoting TCP, and tunnels and encapsulations (IP-in-IP, GRE,
/// VXLAN, PPPoE, LLC/SNAP). <see cref="Cases"/> lists them in frame order (frame number = index + 1).
/// </summary>
public static class EdgeFrames
{
    public sealed record Case(string Name, string What, byte[] Frame);

    private static readonly IPAddress Client = IPAddress.Parse("198.51.100.20");
    private static readonly IPAddress Server = IPAddress.Parse("10.0.0.10");
    private static readonly IPAddress Client6 = IPAddress.Parse("2001:db8:100::20");
    private static readonly IPAddress Server6 = IPAddress.Parse("2001:db8:200::80");
    private static readonly IPAddress TunnelA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress TunnelB = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress TunnelA6 = IPAddress.Parse("2001:db8:ffff::1");
    private static readonly IPAddress TunnelB6 = IPAddress.Parse("2001:db8:ffff::2");

    public static IReadOnlyList<Case> Cases { get; } = BuildCases();

    public static byte[] Build()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, LinkType.Ethernet))
        {
            for (int i = 0; i < Cases.Count; i++) w.Write(SampleCatalog.BaseNs + i * Conversation.Millisecond, Cases[i].Frame);
        }

        return ms.ToArray();
    }

    private static byte[] Eth(byte[] ip, ushort[]? vlans = null, uint[]? mpls = null, bool qinq = false) =>
        Packets.Ethernet(ip, Framing.EtherTypeOf(ip), vlans, mpls, qinq);

    private static List<Case> BuildCases()
    {
        ushort port = 45000;
        uint Isn(ushort p) => 0x40000000u + p;
        byte[] Syn4(ushort p) => Packets.IpTcp(Client, Server, p, 80, Tf.Syn, Isn(p), 0, options: Packets.SynOptions());
        byte[] Syn6(ushort p) => Packets.IpTcp(Client6, Server6, p, 80, Tf.Syn, Isn(p), 0, options: Packets.SynOptions());
        var cases = new List<Case>();

        // Flags.
        ushort p1 = port++;
        cases.Add(new("syn-ece-cwr", "an ECN-setup SYN: SYN|ECE|CWR (0xC2), still a SYN",
            Eth(Packets.IpTcp(Client, Server, p1, 80, Tf.Syn | Tf.Ece | Tf.Cwr, Isn(p1), 0, options: Packets.SynOptions()))));
        ushort p2 = port++;
        cases.Add(new("tcp-ns-and-reserved-bits", "a SYN-ACK with the NS bit (0x100) and the three reserved bits set",
            Eth(Packets.Ipv4(Server, Client, 6, WithHeaderBits(Packets.Tcp(Server, Client, 80, p2, Tf.Syn | Tf.Ack, 0x50000000, Isn(p2) + 1), Server, Client, 0x0F), 64, p2))));
        ushort p3 = port++;
        cases.Add(new("tcp-all-eight-flags", "a \"christmas tree\" segment: FIN|SYN|RST|PSH|ACK|URG|ECE|CWR",
            Eth(Packets.IpTcp(Client, Server, p3, 80, (Tf)0xFF, Isn(p3), 1))));
        ushort p4 = port++;
        cases.Add(new("tcp-no-flags", "a segment with no flag at all (null scan)", Eth(Packets.IpTcp(Client, Server, p4, 80, 0, Isn(p4), 0))));
        ushort p5 = port++;
        byte[] tfo = [2, 4, 0x05, 0xb4, 34, 10, 1, 2, 3, 4, 5, 6, 7, 8];
        cases.Add(new("syn-with-payload", "a TCP Fast Open SYN: cookie option and 50 bytes of data",
            Eth(Packets.IpTcp(Client, Server, p5, 443, Tf.Syn, Isn(p5), 0, options: tfo, payload: Conversation.Payload(50, 5)))));
        ushort p6 = port++;
        cases.Add(new("tcp-port-zero", "a SYN from source port 0", Eth(Packets.IpTcp(Client, Server, 0, 80, Tf.Syn, Isn(p6), 0))));

        // IPv6 extension headers.
        ushort p7 = port++;
        var rh0 = new byte[24];
        rh0[0] = 6; rh0[1] = 2; rh0[2] = 0; rh0[3] = 0;
        Server6.GetAddressBytes().CopyTo(rh0, 8);
        cases.Add(new("ipv6-routing-header-done", "IPv6 routing header type 0 with segments left 0, then a SYN",
            Eth(Packets.Ipv6(Client6, Server6, 43, Packets.Tcp(Client6, Server6, p7, 80, Tf.Syn, Isn(p7), 0, options: Packets.SynOptions()), 64, rh0))));
        ushort p8 = port++;
        var home = IPAddress.Parse("2001:db8:300::5");
        var rh2 = new byte[24];
        rh2[0] = 6; rh2[1] = 2; rh2[2] = 2; rh2[3] = 1;
        home.GetAddressBytes().CopyTo(rh2, 8);
        cases.Add(new("ipv6-routing-header-pending", "IPv6 routing header type 2 (Mobile IPv6) with one segment left, then a SYN; the TCP checksum uses the final destination",
            Eth(Packets.Ipv6(Client6, Server6, 43, Packets.Tcp(Client6, home, p8, 80, Tf.Syn, Isn(p8), 0, options: Packets.SynOptions()), 64, rh2))));
        ushort p9 = port++;
        cases.Add(new("ipv6-atomic-fragment", "IPv6 fragment header with offset 0 and no more fragments (RFC 6946), then a whole SYN",
            Eth(Packets.Ipv6(Client6, Server6, 44, Packets.Tcp(Client6, Server6, p9, 80, Tf.Syn, Isn(p9), 0, options: Packets.SynOptions()), 64, Packets.Ipv6Fragment(6, 0, false, 9)))));
        ushort p10 = port++;
        cases.Add(new("ipv6-hop-by-hop-not-first", "IPv6 destination options, then hop-by-hop options (not first, RFC 8200 says drop), then a SYN",
            Eth(Packets.Ipv6(Client6, Server6, 60, Packets.Tcp(Client6, Server6, p10, 80, Tf.Syn, Isn(p10), 0), 64, Packets.Ipv6Extension(0), Packets.Ipv6Extension(6)))));

        // Tag stacks.
        ushort p11 = port++;
        cases.Add(new("vlan-priority-and-dei", "802.1Q tag with priority 5 and the DEI bit set, VLAN 5", Eth(Syn4(p11), [0xB005])));
        ushort p12 = port++;
        cases.Add(new("vlan-zero-priority-tag", "802.1Q priority tag: VLAN 0, priority 3", Eth(Syn4(p12), [0x6000])));
        ushort p13 = port++;
        cases.Add(new("three-vlan-tags", "three tags: 802.1ad 10, 802.1Q 20, 802.1Q 30", Eth(Syn4(p13), [10, 20, 30], qinq: true)));
        ushort p14 = port++;
        cases.Add(new("mpls-three-labels-ipv6", "three MPLS labels (16, 17, 18) over IPv6", Eth(Syn6(p14), mpls: [16, 17, 18])));

        // ICMP errors quoting TCP (not TCP segments).
        ushort p15 = port++;
        var quoted = Syn4(p15);
        cases.Add(new("icmp-unreachable-quoting-8-bytes", "ICMP port unreachable quoting the SYN's IPv4 header and first 8 TCP bytes (RFC 792)",
            Eth(Icmp4(Server, Client, 3, 3, quoted[..28]))));
        cases.Add(new("icmp-unreachable-quoting-whole-syn", "ICMP host unreachable from a router quoting the whole SYN (RFC 1812)",
            Eth(Icmp4(TunnelA, Client, 3, 1, quoted))));
        ushort p16 = port++;
        cases.Add(new("icmpv6-unreachable-quoting-syn", "ICMPv6 port unreachable quoting a whole IPv6 SYN", Eth(Icmp6(Server6, Client6, 1, 4, Syn6(p16)))));

        // IP in IP, one level: the TCP tuple is the inner one.
        ushort p17 = port++;
        cases.Add(new("ipv4-in-ipv4", "IPv4-in-IPv4 (protocol 4) carrying a SYN", Eth(Packets.Ipv4(TunnelA, TunnelB, 4, Syn4(p17)))));
        ushort p18 = port++;
        cases.Add(new("ipv6-in-ipv4", "6in4 (protocol 41) carrying an IPv6 SYN", Eth(Packets.Ipv4(TunnelA, TunnelB, 41, Syn6(p18)))));
        ushort p19 = port++;
        cases.Add(new("ipv4-in-ipv6", "IPv4 in IPv6 (next header 4) carrying a SYN", Eth(Packets.Ipv6(TunnelA6, TunnelB6, 4, Syn4(p19)))));
        ushort p20 = port++;
        cases.Add(new("ipv6-in-ipv6", "IPv6 in IPv6 (next header 41) carrying an IPv6 SYN", Eth(Packets.Ipv6(TunnelA6, TunnelB6, 41, Syn6(p20)))));
        ushort p21 = port++;
        cases.Add(new("ip-in-ip-in-ip", "IPv4 in IPv4 in IPv4: two levels of tunnel", Eth(Packets.Ipv4(TunnelA, TunnelB, 4, Packets.Ipv4(TunnelB, TunnelA, 4, Syn4(p21))))));

        // Encapsulations beyond plain IP-in-IP.
        ushort p22 = port++;
        cases.Add(new("gre-ipv4", "GRE (protocol 47, EtherType 0x0800) carrying a SYN", Eth(Packets.Ipv4(TunnelA, TunnelB, 47, [0, 0, 0x08, 0x00, .. Syn4(p22)]))));
        ushort p23 = port++;
        cases.Add(new("vxlan", "VXLAN (UDP 4789, VNI 4242) carrying an Ethernet frame with a SYN", Eth(Packets.Ipv4(TunnelA, TunnelB, 17, Vxlan(Eth(Syn4(p23)))))));
        ushort p24 = port++;
        cases.Add(new("pppoe-session", "PPPoE session (EtherType 0x8864, PPP protocol 0x0021) carrying a SYN", Pppoe(Syn4(p24))));
        ushort p25 = port++;
        cases.Add(new("llc-snap", "IEEE 802.3 length field with LLC/SNAP (AA AA 03, OUI 0, EtherType 0x0800) carrying a SYN", LlcSnap(Syn4(p25))));

        ushort p26 = port++;
        cases.Add(new("valid-syn-ack", "a plain IPv4 SYN-ACK", Eth(Packets.IpTcp(Server, Client, 80, p26, Tf.Syn | Tf.Ack, 0x60000000, Isn(p26) + 1, options: Packets.SynOptions()))));
        return cases;
    }

    // Sets the low nibble of byte 12 (3 reserved bits + NS) and recomputes the checksum.
    private static byte[] WithHeaderBits(byte[] tcp, IPAddress src, IPAddress dst, byte lowNibble)
    {
        tcp[12] = (byte)((tcp[12] & 0xF0) | lowNibble);
        tcp[16] = tcp[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(16), Packets.TransportChecksum(src, dst, 6, tcp));
        return tcp;
    }

    private static byte[] Icmp4(IPAddress from, IPAddress to, byte type, byte code, byte[] quote)
    {
        var m = new byte[8 + quote.Length];
        m[0] = type;
        m[1] = code;
        quote.CopyTo(m, 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Packets.Checksum(m));
        return Packets.Ipv4(from, to, 1, m);
    }

    private static byte[] Icmp6(IPAddress from, IPAddress to, byte type, byte code, byte[] quote)
    {
        var m = new byte[8 + quote.Length];
        m[0] = type;
        m[1] = code;
        quote.CopyTo(m, 8);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), Packets.TransportChecksum(from, to, 58, m));
        return Packets.Ipv6(from, to, 58, m);
    }

    private static byte[] Vxlan(byte[] innerFrame)
    {
        var u = new byte[8 + 8 + innerFrame.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, 51000);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), 4789);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        u[8] = 0x08;
        u[12] = 0x00; u[13] = 0x10; u[14] = 0x92; // VNI 4242
        innerFrame.CopyTo(u, 16);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(6), Packets.TransportChecksum(TunnelA, TunnelB, 17, u));
        return u;
    }

    private static byte[] Pppoe(byte[] ip)
    {
        var p = new byte[6 + 2 + ip.Length];
        p[0] = 0x11;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), 0x1234);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(2 + ip.Length));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), 0x0021);
        ip.CopyTo(p, 8);
        return Packets.Ethernet(p, 0x8864);
    }

    private static byte[] LlcSnap(byte[] ip)
    {
        var f = new byte[14 + 8 + ip.Length];
        Framing.ServerMac.CopyTo(f, 0);
        Framing.ClientSideMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), (ushort)(8 + ip.Length));
        f[14] = 0xAA; f[15] = 0xAA; f[16] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 0x0800);
        ip.CopyTo(f, 22);
        return f;
    }
}
