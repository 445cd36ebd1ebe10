using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.FabricPath;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class FabricPathTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryDecode_FabricPathFrame_DecodesInnerIp(bool v6)
    {
        var inner = Packets.Ethernet(Frames.Syn(v6), v6 ? Packets.EtherTypeIpv6 : Packets.EtherTypeIpv4);
        var r = Decode.One(Frames.FabricPath(inner), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
        Assert.True(r.Packet.IsSyn);
    }

    [Fact]
    public void TryDecode_SameBytesAsZeekTrace_Decoded()
    {
        // Frame 34 of zeek's cisco-fabric-path.pcap: outer 0x8903, FTag/TTL 0x0000, inner Ethernet, IPv4 SYN 1.1.1.6 -> 2.2.2.2.
        byte[] frame = Convert.FromHexString(
            "15e9fd9c8100424fcb82ac6a89030000" +
            "9998cf7389eb829070bf47a708004500" +
            "002800010000400674c5010101060202" +
            "0202deadbeef00000000000000005002" +
            "2000ec3a0000");

        var r = Decode.One(frame, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(Addr.Of("1.1.1.6"), r.Packet.Source);
        Assert.Equal(Addr.Of("2.2.2.2"), r.Packet.Destination);
        Assert.Equal(57005, r.Packet.SourcePort);
        Assert.Equal(48879, r.Packet.DestinationPort);
        Assert.True(r.Packet.IsSyn);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_VlanInsideFabricPath_RecordsVlan()
    {
        var inner = Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4, vlans: [12]);
        var r = Decode.One(Frames.FabricPath(inner), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(12, r.Packet.OuterVlan);
    }

    [Fact]
    public void TryDecode_TagCutShort_FabricPathTruncated()
    {
        var r = Decode.One(Frames.EthernetRaw(0x8903, [0x00]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.FabricPathTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_InnerEthernetCutShort_EthernetTruncated()
    {
        var r = Decode.One(Frames.EthernetRaw(0x8903, new byte[2 + 13]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.EthernetTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_FabricPathInsideFabricPath_FabricPathNested()
    {
        var r = Decode.One(Frames.FabricPath(Frames.FabricPath(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4))), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.FabricPathNested, r.Event);
    }

    [Fact]
    public void FabricPathDecoder_Tag_SplitsFTagAndTtl()
    {
        Assert.True(FabricPathDecoder.TryDecode([0x01, 0x5F], out var tag, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(5, tag.FTag);
        Assert.Equal(0x1F, tag.Ttl);
    }
}
