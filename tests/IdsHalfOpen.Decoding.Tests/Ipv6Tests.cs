using System.Buffers.Binary;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.IPv6;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class Ipv6Tests
{
    private static byte[] SynTcp(IPAddress? dst = null, byte[]? payload = null) =>
        Frames.Tcp(Addr.V6A, dst ?? Addr.V6B, Tf.Syn, Packets.SynOptions(), payload);

    private static byte[] WithChain(byte firstHeader, byte[] tcp, params byte[][] extensions) =>
        Packets.Ipv6(Addr.V6A, Addr.V6B, firstHeader, tcp, 64, extensions);

    [Fact]
    public void TryDecode_HopByHopDestOptsRoutingChain_Decoded()
    {
        var ip = WithChain(0, SynTcp(), Packets.Ipv6Extension(60), Packets.Ipv6Extension(43, 14), Frames.RoutingHeader(6, 0, 4, Addr.V6B));

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(Frames.Isn, r.Packet.Sequence);
        Assert.Equal(0, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_AuthenticationHeader_SkippedBy4ByteUnits()
    {
        // AH: next header, payload length in 4-byte words minus 2 (here 24 bytes: 4 + 20 of SPI, sequence, ICV).
        var ah = new byte[24];
        ah[0] = 6;
        ah[1] = 24 / 4 - 2;
        var r = Decode.One(WithChain(51, SynTcp(), ah), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_RoutingHeaderWithSegmentsLeft_ChecksumUsesFinalDestination()
    {
        // Source-routed via V6B to the final destination; the TCP checksum covers the final destination (RFC 8200 §8.1).
        var final = IPAddress.Parse("2001:db8:2::99");
        var tcp = SynTcp(final);
        var type0 = Decode.One(WithChain(43, tcp, Frames.RoutingHeader(6, 1, 0, final)), LinkType.Raw);
        var srh = Decode.One(WithChain(43, tcp, Frames.RoutingHeader(6, 1, 4, final, Addr.V6B)), LinkType.Raw);

        Assert.True(type0.Ok);
        Assert.Equal(ChecksumState.Valid, type0.Packet.Checksum);
        Assert.Equal(Addr.Of(Addr.V6B), type0.Packet.Destination);
        Assert.True(srh.Ok);
        Assert.Equal(ChecksumState.Valid, srh.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_RoutingTypeWithUnknownFinalDestination_ChecksumNotVerified()
    {
        var r = Decode.One(WithChain(43, SynTcp(), Frames.RoutingHeader(6, 1, 3, Addr.V6B)), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_FirstFragmentWithTcpHeader_DecodedWithoutChecksum()
    {
        var tcp = SynTcp(payload: new byte[1000]);
        var ip = WithChain(44, tcp[..200], Packets.Ipv6Fragment(6, 0, true, 99));

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentFirst, r.Event);
        Assert.Equal(200 - 40, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_AtomicFragment_DecodedAsWhole()
    {
        var r = Decode.One(WithChain(44, SynTcp(), Packets.Ipv6Fragment(6, 0, false, 1)), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_NonFirstTcpFragment_IpFragmentNotFirst()
    {
        var r = Decode.One(WithChain(44, new byte[64], Packets.Ipv6Fragment(6, 100, false, 1)), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.IpFragmentNotFirst, r.Event);
    }

    [Fact]
    public void TryDecode_NonFirstUdpFragment_NonTcpIp()
    {
        var r = Decode.One(WithChain(44, new byte[64], Packets.Ipv6Fragment(17, 100, true, 1)), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.Udp);
    }

    [Fact]
    public void TryDecode_NoNextHeader_NonTcpIp()
    {
        var r = Decode.One(Packets.Ipv6(Addr.V6A, Addr.V6B, 59, []), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonTcpIp);
    }

    [Fact]
    public void TryDecode_Esp_NonTcpIp()
    {
        var r = Decode.One(Packets.Ipv6(Addr.V6A, Addr.V6B, 50, new byte[40]), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonTcpIp);
    }

    [Fact]
    public void TryDecode_ChainAtLimit_Decoded()
    {
        var chain = Enumerable.Range(0, Ipv6ExtensionChain.MaxHeaders)
            .Select(i => Packets.Ipv6Extension(i == Ipv6ExtensionChain.MaxHeaders - 1 ? (byte)6 : (byte)60)).ToArray();

        var r = Decode.One(WithChain(60, SynTcp(), chain), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_ChainBeyondLimit_Ipv6TooManyExtensionHeaders()
    {
        var chain = Enumerable.Range(0, Ipv6ExtensionChain.MaxHeaders + 1)
            .Select(i => Packets.Ipv6Extension(i == Ipv6ExtensionChain.MaxHeaders ? (byte)6 : (byte)60)).ToArray();

        var r = Decode.One(WithChain(60, SynTcp(), chain), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6TooManyExtensionHeaders, r.Event);
    }

    [Fact]
    public void TryDecode_ExtensionRunsPastPacket_Ipv6ExtensionTruncated()
    {
        var ext = Packets.Ipv6Extension(6);
        ext[1] = 20; // claims 168 bytes
        var r = Decode.One(WithChain(60, SynTcp(), ext), LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6ExtensionTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_HopByHopNotFirst_WarnedButDecoded()
    {
        var r = Decode.One(WithChain(60, SynTcp(), Packets.Ipv6Extension(0), Packets.Ipv6Extension(6)), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6HopByHopNotFirst, r.Event);
    }

    [Fact]
    public void TryDecode_ZeroPayloadLengthFromOffload_DecodedFromCapturedLength()
    {
        var ip = Packets.Ipv6(Addr.V6A, Addr.V6B, 6, Frames.Tcp(Addr.V6A, Addr.V6B, Tf.Ack, payload: new byte[2000]));
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), 0);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6ZeroPayloadLength, r.Event);
        Assert.Equal(2000, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_PayloadLengthBeyondUncutFrame_IpLengthBeyondFrame()
    {
        var ip = Frames.Syn(v6: true);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), 500);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.IpLengthBeyondFrame, r.Event);
        Assert.Equal(500 - 40, r.Packet.PayloadLength);
    }

    [Fact]
    public void TryDecode_TrailingBytesAfterPayloadLength_Ignored()
    {
        var r = Decode.One(Frames.Concat(Frames.Syn(v6: true), new byte[10]), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(0, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_ShorterThanFixedHeader_Ipv6Truncated()
    {
        var r = Decode.One(Frames.Syn(v6: true)[..39], LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.Ipv6Truncated, r.Event);
    }

    [Fact]
    public void Ipv6ExtensionChainDecoder_FragmentThenDestOpts_ReportsFragmentAndProtocol()
    {
        var data = Frames.Concat(Packets.Ipv6Fragment(60, 0, true, 5), Packets.Ipv6Extension(6, 14));

        Assert.True(Ipv6ExtensionChainDecoder.TryDecode(data, 44, out var chain, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(6, chain.Protocol);
        Assert.Equal(8 + 16, chain.Length);
        Assert.Equal(2, chain.HeaderCount);
        Assert.True(chain.Fragmented);
        Assert.True(chain.MoreFragments);
        Assert.Equal(0, chain.FragmentOffset);
    }

    [Fact]
    public void Ipv6Decoder_Header_ReadsFields()
    {
        var ip = Packets.Ipv6(Addr.V6A, Addr.V6B, 17, new byte[12], hopLimit: 3);

        Assert.True(Ipv6Decoder.TryDecode(ip, out var h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(Addr.Of(Addr.V6A), h.Source);
        Assert.Equal(Addr.Of(Addr.V6B), h.Destination);
        Assert.Equal(12, h.PayloadLength);
        Assert.Equal(17, h.NextHeader);
        Assert.Equal(3, h.HopLimit);
    }
}
