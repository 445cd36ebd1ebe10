using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.Decoding.Vlan;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class VlanTests
{
    [Fact]
    public void TryDecode_SingleTag_RecordsOuterVlan()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4, vlans: [0x0123]), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(0x123, r.Packet.OuterVlan);
        Assert.Equal(0, r.Packet.InnerVlan);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_QinQ88A8_RecordsOuterAndInner()
    {
        var frame = Packets.Ethernet(Frames.Syn(v6: true), Packets.EtherTypeIpv6, vlans: [100, 200], qinq: true);
        Assert.Equal(0x88, frame[12]); // the builder put an 802.1ad outer tag

        var r = Decode.One(frame, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(100, r.Packet.OuterVlan);
        Assert.Equal(200, r.Packet.InnerVlan);
        Assert.Equal(6, r.Packet.IpVersion);
    }

    [Fact]
    public void TryDecode_Legacy9100OuterTag_Followed()
    {
        // 0x9100 (vlan 30, priority 5) then 0x8100 (vlan 40) then IPv4.
        var body = Frames.Concat([0xA0, 30, 0x81, 0x00, 0x00, 40, 0x08, 0x00], Frames.Syn());
        var r = Decode.One(Frames.EthernetRaw(0x9100, body), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(30, r.Packet.OuterVlan);
        Assert.Equal(40, r.Packet.InnerVlan);
    }

    [Fact]
    public void TryDecode_ThreeTags_KeepsOutermostTwo()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4, vlans: [1, 2, 3]), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(1, r.Packet.OuterVlan);
        Assert.Equal(2, r.Packet.InnerVlan);
    }

    [Fact]
    public void TryDecode_MaxTags_Decoded()
    {
        var vlans = Enumerable.Range(1, VlanTag.MaxTags).Select(i => (ushort)i).ToArray();
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4, vlans: vlans), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
    }

    [Fact]
    public void TryDecode_MoreThanMaxTags_VlanTooManyTags()
    {
        var vlans = Enumerable.Range(1, VlanTag.MaxTags + 1).Select(i => (ushort)i).ToArray();
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4, vlans: vlans), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.VlanTooManyTags, r.Event);
    }

    [Fact]
    public void TryDecode_TagCutShort_VlanTruncated()
    {
        var r = Decode.One(Frames.EthernetRaw(0x8100, [0x00, 0x05, 0x08]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.VlanTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_TaggedArp_NonIp()
    {
        var r = Decode.One(Packets.Ethernet(new byte[28], Packets.EtherTypeArp, vlans: [9]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.Arp);
    }

    [Fact]
    public void VlanDecoder_Tci_SplitsPriorityAndId()
    {
        Assert.True(VlanDecoder.TryDecode([0xBF, 0xFE, 0x86, 0xDD], out var tag, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(5, tag.Priority);
        Assert.Equal(0xFFE, tag.VlanId);
        Assert.Equal(0x86DD, tag.EtherType);
    }
}
