using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;

namespace IdsHalfOpen.Decoding.Tests;

public class RawIpTests
{
    [Theory]
    [InlineData(LinkType.Raw, false)]
    [InlineData(LinkType.Raw, true)]
    [InlineData(LinkType.RawDlt12, false)]
    [InlineData(LinkType.RawDlt12, true)]
    [InlineData(LinkType.RawDlt14, false)]
    [InlineData(LinkType.RawDlt14, true)]
    [InlineData(LinkType.Ipv4, false)]
    [InlineData(LinkType.Ipv6, true)]
    public void TryDecode_RawIp_Decoded(LinkType linkType, bool v6)
    {
        var r = Decode.One(Frames.Syn(v6), linkType);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
    }

    [Fact]
    public void TryDecode_RawVersionNeither4Nor6_IpVersionUnknown()
    {
        var ip = Frames.Syn();
        ip[0] = 0x55;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpVersionUnknown, r.Event);
    }

    [Fact]
    public void TryDecode_RawEmpty_IpEmpty()
    {
        var r = Decode.One([], LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpEmpty, r.Event);
    }

    [Theory]
    [InlineData(LinkType.Ipv4, true, DecodeEvent.Ipv4BadVersion)]
    [InlineData(LinkType.Ipv6, false, DecodeEvent.Ipv6BadVersion)]
    public void TryDecode_LinkTypeVersionMismatch_BadVersion(LinkType linkType, bool v6, DecodeEvent expected)
    {
        var r = Decode.One(Frames.Syn(v6), linkType);

        Assert.False(r.Ok);
        Assert.Equal(expected, r.Event);
    }
}
