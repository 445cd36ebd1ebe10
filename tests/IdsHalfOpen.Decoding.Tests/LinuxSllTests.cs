using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.LinuxSll;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class LinuxSllTests
{
    [Theory]
    [InlineData(LinkType.LinuxSll, false)]
    [InlineData(LinkType.LinuxSll, true)]
    [InlineData(LinkType.LinuxSll2, false)]
    [InlineData(LinkType.LinuxSll2, true)]
    public void TryDecode_CookedIp_Decoded(LinkType linkType, bool v6)
    {
        var r = Decode.One(Frames.Wrap(linkType, Frames.Syn(v6)), linkType);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
        Assert.True(r.Packet.IsSyn);
    }

    [Fact]
    public void TryDecode_CookedV1WithReinsertedVlanTag_RecordsVlan()
    {
        // libpcap puts the stripped tag back after the cooked header and sets the protocol to 0x8100.
        var r = Decode.One(Packets.LinuxSll(Frames.Concat([0x00, 0x2A, 0x86, 0xDD], Frames.Syn(v6: true)), 0x8100), LinkType.LinuxSll);

        Assert.True(r.Ok);
        Assert.Equal(42, r.Packet.OuterVlan);
        Assert.Equal(6, r.Packet.IpVersion);
    }

    [Theory]
    [InlineData(LinkType.LinuxSll, 15)]
    [InlineData(LinkType.LinuxSll2, 19)]
    public void TryDecode_ShorterThanCookedHeader_LinuxSllTruncated(LinkType linkType, int length)
    {
        var r = Decode.One(new byte[length], linkType);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.LinuxSllTruncated, r.Event);
    }

    [Theory]
    [InlineData(LinkType.LinuxSll)]
    [InlineData(LinkType.LinuxSll2)]
    public void TryDecode_CookedNetlinkOrArp_NonIp(LinkType linkType)
    {
        var arp = linkType == LinkType.LinuxSll ? Packets.LinuxSll(new byte[28], 0x0806) : Packets.LinuxSll2(new byte[28], 0x0806);
        var llc = linkType == LinkType.LinuxSll ? Packets.LinuxSll(new byte[28], 0x0004) : Packets.LinuxSll2(new byte[28], 0x0004);

        var a = Decode.One(arp, linkType);
        var l = Decode.One(llc, linkType);

        Assert.False(a.Ok);
        Assert.Equal(1, a.Stats.Arp);
        Assert.False(l.Ok);
        Assert.Equal(DecodeEvent.None, l.Event);
        Assert.Equal(1, l.Stats.NonIp);
    }

    [Fact]
    public void LinuxSllDecoder_V1Header_ReadsFields()
    {
        var frame = Packets.LinuxSll([0x45], 0x0800, packetType: 4);

        Assert.True(LinuxSllDecoder.TryDecode(frame, out LinuxSllHeader h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(4, h.PacketType);
        Assert.Equal(1, h.ArphrdType);
        Assert.Equal(0x0800, h.Protocol);
    }

    [Fact]
    public void LinuxSllDecoder_V2Header_ReadsFields()
    {
        var frame = Packets.LinuxSll2([0x60], 0x86DD, interfaceIndex: 7, packetType: 3);

        Assert.True(LinuxSllDecoder.TryDecode(frame, out LinuxSll2Header h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(0x86DD, h.Protocol);
        Assert.Equal(7u, h.InterfaceIndex);
        Assert.Equal(1, h.ArphrdType);
        Assert.Equal(3, h.PacketType);
    }
}
