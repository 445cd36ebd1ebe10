using System.Buffers.Binary;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.IPv4;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class Ipv4Tests
{
    private static byte[] SynTcp(byte[]? payload = null) => Frames.Tcp(Addr.V4A, Addr.V4B, Tf.Syn, Packets.SynOptions(), payload);

    [Fact]
    public void TryDecode_HeaderWithOptions_SkippedByIhl()
    {
        // Record route (7) with room for 2 addresses, then end of options: IHL 8.
        byte[] options = [7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp(), options: options);
        Assert.Equal(0x48, ip[0]);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(Frames.SourcePort, r.Packet.SourcePort);
        Assert.Equal(1460, r.Packet.Mss);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_PayloadLength_FromIpLengths()
    {
        var r = Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 6, Frames.Tcp(Addr.V4A, Addr.V4B, Tf.Ack | Tf.Psh, payload: new byte[321])), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(321, r.Packet.PayloadLength);
    }

    [Fact]
    public void TryDecode_NonFirstTcpFragment_IpFragmentNotFirst()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, new byte[64], dontFragment: false, fragmentOffset8: 3);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentNotFirst, r.Event);
        Assert.Equal(0, r.Stats.TcpSegments);
        Assert.Equal(1, r.Stats.Ipv4);
    }

    [Fact]
    public void TryDecode_NonFirstUdpFragment_NonTcpIpWithoutEvent()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 17, new byte[64], dontFragment: false, fragmentOffset8: 185);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonTcpIp);
        Assert.Equal(1, r.Stats.Udp);
    }

    [Fact]
    public void TryDecode_FirstFragmentWithWholeTcpHeader_DecodedWithoutChecksum()
    {
        // The first 8-byte multiple of a 1000-byte-payload SYN: the header and part of the data.
        var tcp = SynTcp(new byte[1000]);
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, tcp[..96], dontFragment: false, moreFragments: true);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentFirst, r.Event);
        Assert.True(r.Packet.IsSyn);
        Assert.Equal(1460, r.Packet.Mss);
        Assert.Equal(96 - 40, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
        Assert.Equal(1, r.Stats.Syn);
    }

    [Fact]
    public void TryDecode_FirstFragmentTooShortForTcpHeader_IpFragmentTooShort()
    {
        // RFC 1858 tiny fragment: 16 bytes of TCP header in the first fragment.
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp()[..16], dontFragment: false, moreFragments: true);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentTooShort, r.Event);
    }

    [Fact]
    public void TryDecode_FirstFragmentCutInsideOptions_IpFragmentTooShort()
    {
        // 24 bytes: the fixed header is there but the data offset (10 words) reaches into the next fragment.
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp()[..24], dontFragment: false, moreFragments: true);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentTooShort, r.Event);
    }

    [Fact]
    public void TryDecode_ZeroTotalLengthFromOffload_DecodedFromCapturedLength()
    {
        var tcp = Frames.Tcp(Addr.V4A, Addr.V4B, Tf.Ack, payload: new byte[3000]);
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, tcp, totalLengthOverride: 0);

        var r = Decode.One(Packets.Ethernet(ip, Packets.EtherTypeIpv4), LinkType.Ethernet, checksums: ChecksumPolicy.All);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4ZeroTotalLength, r.Event);
        Assert.Equal(3000, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
        Assert.Equal(0, r.Stats[DecodeEvent.Ipv4BadHeaderChecksum]);
    }

    [Fact]
    public void TryDecode_CutBySnapLength_HeaderDecodedPayloadFromIpLength()
    {
        var frame = Packets.Ethernet(Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp(new byte[1200])), Packets.EtherTypeIpv4);

        var r = Decode.Prefix(frame, 96, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1200, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
        Assert.Equal(0, r.Stats.ChecksumsVerified);
    }

    [Fact]
    public void TryDecode_CutBySnapLengthInsideOptions_KeepsOptionsBeforeCut()
    {
        var frame = Packets.Ethernet(Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp()), Packets.EtherTypeIpv4);

        // Ethernet 14 + IP 20 + TCP 20 + MSS 4 + SACK-permitted 2 + 3 bytes of the timestamps option.
        var r = Decode.Prefix(frame, 14 + 20 + 20 + 4 + 2 + 3, LinkType.Ethernet);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1460, r.Packet.Mss);
        Assert.Equal(TcpOptionFlags.Mss | TcpOptionFlags.SackPermitted, r.Packet.Options);
    }

    [Fact]
    public void TryDecode_IpLengthBeyondUncutFrame_IpLengthBeyondFrameButDecoded()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp(), totalLengthOverride: 400);
        // Fix the header checksum for the overridden length so that only the length is wrong.
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Packets.Checksum(ip.AsSpan(0, 20)));

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.IpLengthBeyondFrame, r.Event);
        Assert.Equal(400 - 20 - 40, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_IhlBelowFive_Ipv4BadHeaderLength()
    {
        var ip = Frames.Syn();
        ip[0] = 0x44;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4BadHeaderLength, r.Event);
    }

    [Fact]
    public void TryDecode_IhlBeyondData_Ipv4Truncated()
    {
        var ip = Frames.Syn()[..30];
        ip[0] = 0x4F;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4Truncated, r.Event);
    }

    [Fact]
    public void TryDecode_TotalLengthBelowHeader_Ipv4BadTotalLength()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, SynTcp(), totalLengthOverride: 19);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4BadTotalLength, r.Event);
    }

    [Fact]
    public void TryDecode_BadHeaderChecksum_CountedPacketStillReturned()
    {
        var ip = Frames.Syn();
        ip[10] ^= 0xFF;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.Ipv4BadHeaderChecksum, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.Ipv4BadHeaderChecksum]);
    }

    [Fact]
    public void TryDecode_BadHeaderChecksumWithPolicyNone_NotChecked()
    {
        var ip = Frames.Syn();
        ip[10] ^= 0xFF;

        var r = Decode.One(ip, LinkType.Raw, checksums: ChecksumPolicy.None);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
    }

    [Fact]
    public void TryDecode_Udp_NonTcpIpWithoutEvent()
    {
        var r = Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 17, new byte[20]), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonTcpIp);
        Assert.Equal(1, r.Stats.Udp);
        Assert.Equal(1, r.Stats.Ipv4);
    }

    [Fact]
    public void TryDecode_OtherProtocol_NonTcpIp()
    {
        var r = Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 103, new byte[20]), LinkType.Raw); // PIM

        Assert.False(r.Ok);
        Assert.Equal(1, r.Stats.NonTcpIp);
        Assert.Equal(0, r.Stats.Udp);
    }

    [Fact]
    public void Ipv4Decoder_Header_ReadsFields()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, new byte[20], ttl: 9, id: 0xBEEF, dontFragment: false, moreFragments: true, fragmentOffset8: 2);

        Assert.True(Ipv4Decoder.TryDecode(ip, out var h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(0xC000020Au, h.Source);
        Assert.Equal(40, h.TotalLength);
        Assert.Equal(0xBEEF, h.Identification);
        Assert.True(h.MoreFragments);
        Assert.False(h.DontFragment);
        Assert.Equal(16, h.FragmentOffset);
        Assert.Equal(9, h.Ttl);
        Assert.Equal(6, h.Protocol);
        Assert.Equal(Addr.Of("192.0.2.10"), Ipv4Header.ToMapped(h.Source));
    }
}
