using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Ethernet;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class EthernetTests
{
    [Fact]
    public void TryDecode_EthernetIpv4Syn_FillsEveryField()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(ttl: 57), Packets.EtherTypeIpv4), LinkType.Ethernet, timestampNs: 42, interfaceId: 3);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        var p = r.Packet;
        Assert.Equal(TcpPacketKind.Segment, p.Kind);
        Assert.Equal(42, p.TimestampNs);
        Assert.Equal(3, p.InterfaceId);
        Assert.Equal(Addr.Of(Addr.V4A), p.Source);
        Assert.Equal(Addr.Of(Addr.V4B), p.Destination);
        Assert.Equal(Addr.Of("::ffff:192.0.2.10"), p.Source);
        Assert.Equal(Frames.SourcePort, p.SourcePort);
        Assert.Equal(Frames.DestinationPort, p.DestinationPort);
        Assert.Equal(Frames.Isn, p.Sequence);
        Assert.Equal(0u, p.Acknowledgment);
        Assert.Equal(TcpFlags.Syn, p.Flags);
        Assert.Equal(64240, p.Window);
        Assert.Equal(57, p.Ttl);
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(0, p.PayloadLength);
        Assert.Equal(0, p.OuterVlan);
        Assert.Equal(0, p.InnerVlan);
        Assert.Equal(ChecksumState.Valid, p.Checksum);
        Assert.True(p.IsSyn);
    }

    [Fact]
    public void TryDecode_EthernetIpv6Syn_FillsAddressesAndHopLimit()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(v6: true, ttl: 33), Packets.EtherTypeIpv6), LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(Addr.Of(Addr.V6A), r.Packet.Source);
        Assert.Equal(Addr.Of(Addr.V6B), r.Packet.Destination);
        Assert.Equal(6, r.Packet.IpVersion);
        Assert.Equal(33, r.Packet.Ttl);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
        Assert.Equal(1, r.Stats.Ipv6);
        Assert.Equal(0, r.Stats.Ipv4);
    }

    [Fact]
    public void TryDecode_EthernetPaddingAfterIpPacket_IsIgnored()
    {
        // A 54-byte SYN-ACK padded to the 60-byte Ethernet minimum: the padding is neither payload nor checksummed.
        var ip = Packets.IpTcp(Addr.V4B, Addr.V4A, 443, 40000, Tf.Syn | Tf.Ack, 9, 10);
        var frame = Frames.Concat(Packets.Ethernet(ip, Packets.EtherTypeIpv4), [0xde, 0xad, 0xbe, 0xef, 0x55, 0x66]);

        var r = Decode.One(frame, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(0, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
        Assert.True(r.Packet.IsSynAck);
    }

    [Fact]
    public void TryDecode_ShorterThanEthernetHeader_EthernetTruncated()
    {
        var r = Decode.One(new byte[13], LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.EthernetTruncated, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.EthernetTruncated]);
        Assert.Equal(1, r.Stats.Malformed);
    }

    [Fact]
    public void TryDecode_Arp_NonIpWithoutEvent()
    {
        var r = Decode.One(Packets.Ethernet(new byte[28], Packets.EtherTypeArp), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
        Assert.Equal(1, r.Stats.Arp);
        Assert.Equal(0, r.Stats.TotalEvents);
    }

    [Theory]
    [InlineData(0x88CC)] // LLDP
    [InlineData(0x0026)] // 802.3 length: LLC follows
    [InlineData(0x9999)]
    public void TryDecode_OtherEtherType_NonIpWithoutEvent(int etherType)
    {
        var r = Decode.One(Frames.EthernetRaw((ushort)etherType, new byte[46]), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
        Assert.Equal(0, r.Stats.Arp);
    }

    [Fact]
    public void TryDecode_EtherTypeIpv4ButIpv6Inside_Ipv4BadVersion()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(v6: true), Packets.EtherTypeIpv4), LinkType.Ethernet);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4BadVersion, r.Event);
    }

    [Fact]
    public void EthernetDecoder_ValidHeader_ReadsEtherType()
    {
        var frame = Frames.EthernetRaw(0x86DD, [1, 2, 3]);

        Assert.True(EthernetDecoder.TryDecode(frame, out var header, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(0x86DD, header.EtherType);
    }

    [Fact]
    public void TryDecode_UnknownLinkType_UnknownLinkTypeEvent()
    {
        var r = Decode.One(Packets.Ethernet(Frames.Syn(), Packets.EtherTypeIpv4), (LinkType)147);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.UnknownLinkType, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.UnknownLinkType]);
    }
}
