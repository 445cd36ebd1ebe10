using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class IpTunnelTests
{
    private static readonly IPAddress OuterA = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress OuterB = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void TryDecode_IpInIp_ReturnsInnerSegment()
    {
        var frame = Packets.Ethernet(Packets.Ipv4(OuterA, OuterB, 4, Frames.Syn(ttl: 50), ttl: 200), Packets.EtherTypeIpv4);

        var r = Decode.One(frame, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(Addr.Of(Addr.V4A), r.Packet.Source);
        Assert.Equal(Addr.Of(Addr.V4B), r.Packet.Destination);
        Assert.Equal(50, r.Packet.Ttl);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
        Assert.Equal(1, r.Stats.Tunneled);
        Assert.Equal(1, r.Stats.Ipv4);
    }

    [Fact]
    public void TryDecode_Ipv6InIpv4_ReturnsInnerIpv6Segment()
    {
        var r = Decode.One(Packets.Ipv4(OuterA, OuterB, 41, Frames.Syn(v6: true)), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(6, r.Packet.IpVersion);
        Assert.Equal(Addr.Of(Addr.V6A), r.Packet.Source);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
        Assert.Equal(1, r.Stats.Ipv4);
        Assert.Equal(0, r.Stats.Ipv6);
    }

    [Fact]
    public void TryDecode_Ipv4InIpv6_ReturnsInnerIpv4Segment()
    {
        var r = Decode.One(Packets.Ipv6(IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2"), 4, Frames.Syn()), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(4, r.Packet.IpVersion);
        Assert.Equal(Addr.Of(Addr.V4A), r.Packet.Source);
    }

    [Fact]
    public void TryDecode_TunnelInTunnel_IpTunnelTooDeep()
    {
        var inner = Packets.Ipv4(OuterA, OuterB, 4, Frames.Syn());
        var r = Decode.One(Packets.Ipv4(OuterA, OuterB, 4, inner), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpTunnelTooDeep, r.Event);
    }

    [Fact]
    public void TryDecode_InnerPacketLongerThanOuter_IpLengthBeyondFrame()
    {
        var inner = Frames.Syn();
        var r = Decode.One(Packets.Ipv4(OuterA, OuterB, 4, inner[..^4]), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.IpLengthBeyondFrame, r.Event);
    }

    [Fact]
    public void TryDecode_OuterCutBySnapLength_InnerHeaderStillDecoded()
    {
        var frame = Packets.Ipv4(OuterA, OuterB, 4, Frames.Syn(payload: new byte[500]));

        var r = Decode.Prefix(frame, 20 + 20 + 40, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(500, r.Packet.PayloadLength);
    }

    [Fact]
    public void TryDecode_NonFirstFragmentOfTunnel_IpFragmentNotFirst()
    {
        var r = Decode.One(Packets.Ipv4(OuterA, OuterB, 41, new byte[80], dontFragment: false, fragmentOffset8: 10), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentNotFirst, r.Event);
    }
}
