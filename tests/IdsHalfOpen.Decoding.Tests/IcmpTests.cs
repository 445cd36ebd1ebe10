using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Icmp;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class IcmpTests
{
    [Theory]
    [InlineData(3, 3)]   // port unreachable
    [InlineData(3, 13)]  // administratively prohibited
    [InlineData(11, 0)]  // TTL exceeded
    [InlineData(12, 0)]  // parameter problem
    [InlineData(4, 0)]   // source quench
    [InlineData(5, 1)]   // redirect
    public void TryDecode_IcmpErrorQuotingSyn_ReturnsQuotedTuple(byte type, byte code)
    {
        var r = Decode.One(Packets.Ethernet(Frames.IcmpError(Frames.Syn(), type, code, quoteBytes: 28), Packets.EtherTypeIpv4), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        var p = r.Packet;
        Assert.Equal(TcpPacketKind.IcmpErrorQuote, p.Kind);
        Assert.Equal(type, p.IcmpType);
        Assert.Equal(code, p.IcmpCode);
        Assert.Equal(Addr.Of(Addr.V4A), p.Source);
        Assert.Equal(Addr.Of(Addr.V4B), p.Destination);
        Assert.Equal(Frames.SourcePort, p.SourcePort);
        Assert.Equal(Frames.DestinationPort, p.DestinationPort);
        Assert.Equal(Frames.Isn, p.Sequence);
        Assert.Equal(60, p.Ttl); // the ICMP packet's own
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(1, r.Stats.IcmpTcpQuotes);
        Assert.Equal(0, r.Stats.TcpSegments);
        Assert.Equal(0, r.Stats.Syn);
        Assert.Equal(0, r.Stats.Icmp);
    }

    [Fact]
    public void TryDecode_FullQuote_FlagsAckWindowAndPayloadLengthToo()
    {
        var offending = Frames.Syn(payload: new byte[12]);
        var r = Decode.One(Frames.IcmpError(offending, 3, 1), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(TcpFlags.Syn, r.Packet.Flags);
        Assert.Equal(64240, r.Packet.Window);
        Assert.Equal(12, r.Packet.PayloadLength);
        Assert.False(r.Packet.IsSyn && r.Packet.Kind == TcpPacketKind.Segment);
    }

    [Fact]
    public void TryDecode_Rfc792MinimalQuote_FlagsUnknown()
    {
        var r = Decode.One(Frames.IcmpError(Frames.Syn(), 3, 1, quoteBytes: 28), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(TcpFlags.None, r.Packet.Flags);
        Assert.Equal(0u, r.Packet.Acknowledgment);
        Assert.Equal(0, r.Packet.PayloadLength);
    }

    [Theory]
    [InlineData(1, 4)] // port unreachable
    [InlineData(1, 1)] // administratively prohibited
    [InlineData(2, 0)] // packet too big
    [InlineData(3, 0)] // hop limit exceeded
    [InlineData(4, 0)] // parameter problem
    public void TryDecode_Icmpv6ErrorQuotingSyn_ReturnsQuotedTuple(byte type, byte code)
    {
        var r = Decode.One(Frames.IcmpError(Frames.Syn(v6: true), type, code), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(TcpPacketKind.IcmpErrorQuote, r.Packet.Kind);
        Assert.Equal(type, r.Packet.IcmpType);
        Assert.Equal(code, r.Packet.IcmpCode);
        Assert.Equal(Addr.Of(Addr.V6A), r.Packet.Source);
        Assert.Equal(Addr.Of(Addr.V6B), r.Packet.Destination);
        Assert.Equal(Frames.Isn, r.Packet.Sequence);
        Assert.Equal(6, r.Packet.IpVersion);
        Assert.Equal(1, r.Stats.IcmpTcpQuotes);
        Assert.Equal(1, r.Stats.Ipv6);
        Assert.Equal(0, r.Stats.Syn);
    }

    [Fact]
    public void TryDecode_Icmpv6QuoteWithExtensionHeaders_Followed()
    {
        var offending = Packets.Ipv6(Addr.V6A, Addr.V6B, 60, Frames.Tcp(Addr.V6A, Addr.V6B, Tf.Syn), 64,
            Packets.Ipv6Extension(44, 6), Packets.Ipv6Fragment(6, 0, false, 3));

        var r = Decode.One(Frames.IcmpError(offending, 1, 4), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(TcpPacketKind.IcmpErrorQuote, r.Packet.Kind);
        Assert.Equal(Frames.SourcePort, r.Packet.SourcePort);
    }

    [Fact]
    public void TryDecode_IcmpQuotingUdp_NonTcpIpCountedAsIcmp()
    {
        var udp = Packets.Ipv4(Addr.V4A, Addr.V4B, 17, new byte[16]);

        var r = Decode.One(Frames.IcmpError(udp, 3, 3), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonTcpIp);
        Assert.Equal(1, r.Stats.Icmp);
    }

    [Theory]
    [InlineData(false, 8)]   // echo request
    [InlineData(false, 0)]   // echo reply
    [InlineData(true, 128)]  // ICMPv6 echo request
    [InlineData(true, 135)]  // neighbour solicitation
    public void TryDecode_IcmpInformational_NonTcpIp(bool v6, byte type)
    {
        var ip = v6
            ? Packets.Ipv6(Addr.V6A, Addr.V6B, 58, Frames.Icmpv6(Addr.V6A, Addr.V6B, type, 0, new byte[24]))
            : Packets.Ipv4(Addr.V4A, Addr.V4B, 1, Frames.Icmp(type, 0, new byte[24]));

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.Icmp);
    }

    [Fact]
    public void TryDecode_QuoteWithFewerThan8TcpBytes_IcmpQuoteTruncated()
    {
        var r = Decode.One(Frames.IcmpError(Frames.Syn(), 3, 1, quoteBytes: 27), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IcmpQuoteTruncated, r.Event);
        Assert.Equal(0, r.Stats.IcmpTcpQuotes);
    }

    [Fact]
    public void TryDecode_QuotedIpHeaderCut_IcmpQuoteTruncated()
    {
        var r4 = Decode.One(Frames.IcmpError(Frames.Syn(), 3, 1, quoteBytes: 12), LinkType.Raw);
        var r6 = Decode.One(Frames.IcmpError(Frames.Syn(v6: true), 1, 4, quoteBytes: 30), LinkType.Raw);

        Assert.Equal(DecodeEvent.IcmpQuoteTruncated, r4.Event);
        Assert.Equal(DecodeEvent.IcmpQuoteTruncated, r6.Event);
    }

    [Fact]
    public void TryDecode_QuotedHeaderNotIpv4_IcmpQuoteMalformed()
    {
        var offending = Frames.Syn();
        offending[0] = 0x42;

        var r = Decode.One(Frames.IcmpError(offending, 3, 1), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IcmpQuoteMalformed, r.Event);
    }

    [Fact]
    public void TryDecode_ShorterThanIcmpHeader_IcmpTruncated()
    {
        var r = Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 1, [3, 1, 0, 0]), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IcmpTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_QuoteOfNonFirstFragment_NonTcpIp()
    {
        var fragment = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, new byte[16], dontFragment: false, fragmentOffset8: 4);

        var r = Decode.One(Frames.IcmpError(fragment, 11, 1), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.Icmp);
    }

    [Fact]
    public void TryDecode_IcmpInsideIpInIp_Decoded()
    {
        var icmp = Frames.IcmpError(Frames.Syn(), 3, 3, quoteBytes: 28);
        var r = Decode.One(Packets.Ipv4(IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), 4, icmp), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(TcpPacketKind.IcmpErrorQuote, r.Packet.Kind);
    }

    [Fact]
    public void IcmpDecoder_ErrorTypes_PerVersion()
    {
        byte[] message = [3, 1, 0x12, 0x34, 0, 0, 0, 0];

        Assert.True(IcmpDecoder.TryDecode(message, out var v4, out _));
        Assert.True(IcmpDecoder.TryDecodeV6(message, out var v6, out _));
        Assert.True(v4.IsError);
        Assert.True(v6.IsError);
        Assert.Equal(0x1234, v4.Checksum);

        message[0] = 128;
        Assert.True(IcmpDecoder.TryDecodeV6(message, out v6, out _));
        Assert.False(v6.IsError);
        message[0] = 8;
        Assert.True(IcmpDecoder.TryDecode(message, out v4, out _));
        Assert.False(v4.IsError);
    }

    [Fact]
    public void TryDecode_IcmpQuoteAfterSegment_NotCountedAsSyn()
    {
        var decoder = new PacketDecoder();
        var syn = Frames.Syn();
        var icmp = Frames.IcmpError(syn, 3, 3);
        Assert.True(decoder.TryDecode(new RawFrame(syn, 0, syn.Length, LinkType.Raw, 0, 1), out var a, out _));
        Assert.True(decoder.TryDecode(new RawFrame(icmp, 0, icmp.Length, LinkType.Raw, 0, 2), out var b, out _));

        Assert.Equal(TcpPacketKind.Segment, a.Kind);
        Assert.Equal(TcpPacketKind.IcmpErrorQuote, b.Kind);
        Assert.Equal(a.Source, b.Source);
        Assert.Equal(a.Sequence, b.Sequence);
        Assert.Equal(1, decoder.Statistics.Syn);
        Assert.Equal(1, decoder.Statistics.TcpSegments);
        Assert.Equal(1, decoder.Statistics.IcmpTcpQuotes);
    }
}
