using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Null;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class NullTests
{
    [Theory]
    [InlineData(2u, false, false)]
    [InlineData(2u, true, false)]
    [InlineData(24u, false, true)]
    [InlineData(28u, true, true)]
    [InlineData(30u, false, true)]
    [InlineData(30u, true, true)]
    public void TryDecode_NullFamilyInEitherByteOrder_Decoded(uint family, bool bigEndian, bool v6)
    {
        var r = Decode.One(Packets.Null(Frames.Syn(v6), family, bigEndian), LinkType.Null);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
    }

    [Theory]
    [InlineData(2u, false)]
    [InlineData(24u, true)]
    public void TryDecode_LoopNetworkOrder_Decoded(uint family, bool v6)
    {
        var r = Decode.One(Packets.Null(Frames.Syn(v6), family, bigEndian: true), LinkType.Loop);

        Assert.True(r.Ok);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
    }

    [Fact]
    public void TryDecode_LoopInHostOrder_NotIp()
    {
        // LINKTYPE_LOOP is always network order: a little-endian 2 is family 0x02000000.
        var r = Decode.One(Packets.Null(Frames.Syn(), 2, bigEndian: false), LinkType.Loop);

        Assert.False(r.Ok);
        Assert.Equal(1, r.Stats.NonIp);
    }

    [Fact]
    public void TryDecode_UnknownFamily_NonIp()
    {
        var r = Decode.One(Packets.Null(new byte[40], 17), LinkType.Null);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
    }

    [Fact]
    public void TryDecode_FamilySaysIpv6ButIpv4Inside_Ipv6BadVersion()
    {
        var r = Decode.One(Packets.Null(Frames.Syn(), 30), LinkType.Null);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6BadVersion, r.Event);
    }

    [Theory]
    [InlineData(LinkType.Null)]
    [InlineData(LinkType.Loop)]
    public void TryDecode_ShorterThanFamily_NullTruncated(LinkType linkType)
    {
        var r = Decode.One([2, 0, 0], linkType);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.NullTruncated, r.Event);
    }

    [Fact]
    public void NullDecoder_BigEndianFamily_Detected()
    {
        Assert.True(NullDecoder.TryDecode([0, 0, 0, 28], out var h, out _));
        Assert.Equal(28u, h.Family);
        Assert.Equal(6, h.IpVersion);
    }
}
