using System.Buffers.Binary;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Nflog;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class NflogTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryDecode_NflogPacketTlv_Decoded(bool v6)
    {
        var r = Decode.One(Packets.Nflog(Frames.Syn(v6), v6 ? (byte)10 : (byte)2), LinkType.Nflog);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(v6 ? 6 : 4, r.Packet.IpVersion);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_BigEndianTlvs_Decoded()
    {
        var r = Decode.One(SwapTlvs(Packets.Nflog(Frames.Syn())), LinkType.Nflog);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.True(r.Packet.IsSyn);
    }

    [Fact]
    public void TryDecode_SameBytesAsZeekTrace_Decoded()
    {
        // Frame 1 of zeek's nflog-http.pcap: TLVs 1, 10, 5, 11, 14, then 9 with a 60-byte IPv4 SYN.
        byte[] frame = Convert.FromHexString(
            "0200002a080001000000030005000a00" +
            "00000000080005000000000208000b00" +
            "0000000008000e000000000040000900" +
            "4500003ce8ef400040060fe30a00020f" +
            "5db8d822c26200503f32bad100000000" +
            "a002721042180000020405b40402080a" +
            "0027523e0000000001030307");

        var r = Decode.One(frame, LinkType.Nflog);

        Assert.True(r.Ok);
        Assert.Equal(Addr.Of("10.0.2.15"), r.Packet.Source);
        Assert.Equal(Addr.Of("93.184.216.34"), r.Packet.Destination);
        Assert.Equal(80, r.Packet.DestinationPort);
        Assert.True(r.Packet.IsSyn);
        Assert.Equal(1460, r.Packet.Mss);
        // Logged on the sending host before checksum offload: tshark also calls it bad (should be 0x84ea).
        Assert.Equal(ChecksumState.Invalid, r.Packet.Checksum);
        Assert.Equal(DecodeEvent.TcpBadChecksum, r.Event);
    }

    [Fact]
    public void TryDecode_NoPacketTlv_NonIp()
    {
        var frame = Packets.Nflog(Frames.Syn());
        // Turn the payload TLV (the last one) into an unknown type.
        int payloadTlv = frame.Length - Frames.Syn().Length - 4;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(payloadTlv + 2), 99);

        var r = Decode.One(frame, LinkType.Nflog);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
    }

    [Fact]
    public void TryDecode_TlvLengthBelowHeader_NflogBadTlv()
    {
        var frame = Packets.Nflog(Frames.Syn());
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), 3);

        var r = Decode.One(frame, LinkType.Nflog);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.NflogBadTlv, r.Event);
    }

    [Fact]
    public void TryDecode_TlvRunsPastFrame_NflogTruncated()
    {
        var frame = Packets.Nflog(Frames.Syn());
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(4), 2000);

        var r = Decode.One(frame, LinkType.Nflog);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.NflogTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_ShorterThanHeader_NflogTruncated()
    {
        var r = Decode.One([2, 0, 0], LinkType.Nflog);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.NflogTruncated, r.Event);
    }

    [Fact]
    public void TryDecode_PacketTlvCutBySnapLength_HeaderStillDecoded()
    {
        var full = Packets.Nflog(Frames.Syn(payload: new byte[200]));
        var r = Decode.Prefix(full, full.Length - 150, LinkType.Nflog);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(200, r.Packet.PayloadLength);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
    }

    [Fact]
    public void TryDecode_UnknownFamily_NonIp()
    {
        var r = Decode.One(Packets.Nflog(Frames.Syn(), family: 7), LinkType.Nflog);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.Equal(1, r.Stats.NonIp);
    }

    [Fact]
    public void NflogDecoder_Header_FindsPayload()
    {
        var ip = Frames.Syn();
        var frame = Packets.Nflog(ip);

        Assert.True(NflogDecoder.TryDecode(frame, out var h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(2, h.Family);
        Assert.True(h.HasPayload);
        Assert.Equal(ip.Length, h.PayloadLength);
        Assert.Equal(ip, frame.AsSpan(h.PayloadOffset, h.PayloadLength).ToArray());
    }

    /// <summary>Rewrites the TLV length/type fields in big-endian, as a big-endian host writes them.</summary>
    private static byte[] SwapTlvs(byte[] frame)
    {
        var f = (byte[])frame.Clone();
        int o = 4;
        while (o + 4 <= f.Length)
        {
            ushort len = BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(o));
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(o + 2));
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), len);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o + 2), type);
            o += (len + 3) & ~3;
        }

        return f;
    }
}
