using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Mpls;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class MplsTests
{
    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    [InlineData(true, 4)]
    public void TryDecode_LabelStack_PicksIpByVersionNibble(bool v6, int labels)
    {
        var stack = Enumerable.Range(0, labels).Select(i => (uint)(1000 + i)).ToArray();
        var r = Decode.One(Packets.Ethernet(Frames.Syn(v6), 0, mplsLabels: stack), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_MulticastEtherType8848_Followed()
    {
        var r = Decode.One(Frames.EthernetRaw(0x8848, Frames.Concat(Frames.MplsStack(20, 21), Frames.Syn())), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(4, r.Packet.IpVersion);
    }

    [Fact]
    public void TryDecode_VlanThenMpls_KeepsVlan()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), 0, vlans: [77], mplsLabels: [5]), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(77, r.Packet.OuterVlan);
    }

    [Fact]
    public void TryDecode_NoBottomOfStack_MplsTruncated()
    {
        // Two entries, neither with the S bit.
        var r = Decode.One(Frames.EthernetRaw(0x8847, [0, 0x01, 0x40, 64, 0, 0x02, 0x00, 64]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.MplsTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_MoreThanMaxLabels_MplsTooManyLabels()
    {
        var labels = Enumerable.Range(0, MplsStack.MaxLabels + 1).Select(i => (uint)i + 16).ToArray();
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), 0, mplsLabels: labels), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.MplsTooManyLabels, r.Event);
    }

    [Fact]
    public void TryDecode_MaxLabels_Decoded()
    {
        var labels = Enumerable.Range(0, MplsStack.MaxLabels).Select(i => (uint)i + 16).ToArray();
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), 0, mplsLabels: labels), LinkType.Ethernet);

        Assert.True(r.Ok);
    }

    [Fact]
    public void TryDecode_PseudowirePayload_NonIp()
    {
        // Control word (first nibble 0) and an Ethernet frame: a pseudowire, not IP.
        var payload = Frames.Concat(new byte[4], Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4));
        var r = Decode.One(Frames.EthernetRaw(0x8847, Frames.Concat(Frames.MplsStack(30), payload)), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
    }

    [Fact]
    public void TryDecode_NothingAfterBottomLabel_IpEmpty()
    {
        var r = Decode.One(Frames.EthernetRaw(0x8847, Frames.MplsStack(30)), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpEmpty, r.Event);
    }

    [Fact]
    public void MplsDecoder_Stack_ReadsLabelsAndLength()
    {
        Assert.True(MplsDecoder.TryDecode(Frames.Concat(Frames.MplsStack(1000, 2000, 3000), [0x45]), out var stack, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(3, stack.LabelCount);
        Assert.Equal(12, stack.Length);
        Assert.Equal(1000u, stack.TopLabel);
        Assert.Equal(3000u, stack.BottomLabel);
    }
}
