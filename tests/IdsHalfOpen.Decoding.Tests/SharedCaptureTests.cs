using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

/// <summary>
/// The real captures in ../shared/pcaps, decoded whole. Expected counts are tshark 4's for the same files, with ICMP-quoted
/// headers excluded: <c>tshark -Y "tcp.flags.syn==1 &amp;&amp; tcp.flags.ack==0 &amp;&amp; !icmp &amp;&amp; !icmpv6"</c> and
/// likewise for SYN-ACK, RST, all TCP, and <c>(icmp || icmpv6) &amp;&amp; tcp</c> for quotes.
/// </summary>
public class SharedCaptureTests
{
    private static DecodeStatistics DecodeFile(string file)
    {
        string path = Path.Combine(RepoPaths.SharedPcaps, file);
        Assert.True(File.Exists(path), $"{path} is missing: these tests read the shared captures in place");
        var decoder = new PacketDecoder();
        using var source = OfflineSource.Open(path);
        while (source.Read(out RawFrame frame) == ReadResult.Packet) decoder.TryDecode(in frame, out _, out _);
        Assert.Null(source.Problem);
        return decoder.Statistics;
    }

    [Theory]
    [InlineData("StopDDoS-packet-captures__pkt.TCP.DOMINATE.syn.ecn.cwr.pcapng", 9878, 9639, 0, 239, 0)]
    [InlineData("StopDDoS-packet-captures__amp.TCP.reflection.SYNACK.pcap", 7679, 1, 6651, 1018, 139)]
    [InlineData("arkime__ospf.pcap", 31, 17, 0, 0, 17)]
    [InlineData("arkime__tcp_handshake_synthetic.pcap", 50, 16, 17, 1, 0)]
    [InlineData("arkime__twovlan.pcap", 6, 1, 1, 0, 0)]
    [InlineData("markofu-pcaps__TCP_SYN_SCAN.pcap", 2007, 1002, 5, 1000, 0)]
    [InlineData("nDPI__synscan.pcap", 2011, 1994, 12, 5, 0)]
    [InlineData("nDPI__tcp_scan.pcapng", 18, 4, 2, 7, 0)]
    [InlineData("suricata-verify__bug-7657-01__input.pcap", 32, 24, 1, 0, 0)]
    [InlineData("suricata-verify__tcp-session-syn-flood-drop-precedence__input.pcap", 200, 200, 0, 0, 0)]
    [InlineData("tcpdump__resp_1_benchmark.pcap", 150, 15, 15, 0, 0)]
    [InlineData("zeek__Teredo.pcap", 33, 2, 2, 5, 0)]
    [InlineData("zeek__cisco-fabric-path.pcap", 32, 32, 0, 0, 0)]
    [InlineData("zeek__echo-connections.pcap.gz", 82582, 741, 500, 0, 0)]
    [InlineData("zeek__irc-starttls.pcap", 20, 1, 1, 2, 0)]
    [InlineData("zeek__mixed-vlan-mpls.pcap", 47, 3, 2, 0, 0)]
    [InlineData("zeek__nflog-http.pcap", 13, 3, 1, 0, 0)]
    [InlineData("zeek__openjdk-25.0.2-zeek.org.pcap", 6, 1, 1, 0, 0)]
    [InlineData("zeek__pop3.pcap", 125, 12, 5, 6, 0)]
    [InlineData("zeek__ssh.server-side-half-duplex.pcap", 832, 0, 22, 0, 0)]
    [InlineData("zeek__wikipedia.pcap", 78, 8, 9, 0, 0)]
    [InlineData("chrissanders-packets__http_ip4and6.pcapng", 20, 2, 2, 0, 0)]
    public void TryDecode_RealCapture_CountsMatchTshark(string file, long tcp, long syn, long synAck, long rst, long quotes)
    {
        var s = DecodeFile(file);

        Assert.Equal(tcp, s.TcpSegments);
        Assert.Equal(syn, s.Syn);
        Assert.Equal(synAck, s.SynAck);
        Assert.Equal(rst, s.Rst);
        Assert.Equal(quotes, s.IcmpTcpQuotes);
        Assert.Equal(0, s.Malformed);
        Assert.Equal(s.Frames, s.TcpSegments + s.IcmpTcpQuotes + s.NonIp + s.NonTcpIp);
    }

    [Theory]
    [InlineData("zeek__tcp_syn-bad.pcap", 0, 1)]
    [InlineData("zeek__mixed-vlan-mpls.pcap", 22, 14)]
    [InlineData("zeek__tcp_retransmit-fast009.pcap", 39, 18)]
    [InlineData("arkime__mongo.pcap", 27, 22)]
    [InlineData("tcpdump__resp_1_benchmark.pcap", 0, 120)]
    [InlineData("StopDDoS-packet-captures__amp.TCP.reflection.SYNACK.pcap", 0, 1)]
    [InlineData("chrissanders-packets__http_espn.pcapng", 0, 0)]
    public void TryDecode_RealCapture_BadChecksumsMatchTshark(string file, long badIpHeaders, long badControlSegments)
    {
        // tshark -o ip.check_checksum:TRUE -Y "ip.checksum.status==0 && !icmp", and for TCP the same on segments
        // with SYN, RST or FIN or no payload (what ChecksumPolicy.ControlSegments verifies).
        var s = DecodeFile(file);

        Assert.Equal(badIpHeaders, s[DecodeEvent.Ipv4BadHeaderChecksum]);
        Assert.Equal(badControlSegments, s[DecodeEvent.TcpBadChecksum]);
    }

    [Fact]
    public void TryDecode_EveryRealCapture_NoFrameMalformed()
    {
        var files = Directory.GetFiles(RepoPaths.SharedPcaps).Where(p => p.Contains(".pcap", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);

        foreach (var file in files)
        {
            var s = DecodeFile(Path.GetFileName(file));
            Assert.True(s.Frames > 0, file);
            Assert.True(s.Malformed == 0, $"{file}: {s.Malformed} malformed");
        }
    }
}
