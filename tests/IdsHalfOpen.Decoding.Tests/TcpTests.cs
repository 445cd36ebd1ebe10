using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tcp;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class TcpTests
{
    private static DecodeResult DecodeFlags(Tf flags, byte[]? payload = null, bool ns = false)
    {
        var ip = Packets.IpTcp(Addr.V4A, Addr.V4B, Frames.SourcePort, Frames.DestinationPort, flags, 100, 200, payload: payload);
        if (ns)
        {
            ip[20 + 12] |= 1;
            FixTcpChecksum(ip);
        }

        return Decode.One(ip, LinkType.Raw);
    }

    /// <summary>Recomputes the TCP checksum of a 20-byte-header IPv4 packet after editing its TCP header.</summary>
    private static void FixTcpChecksum(byte[] ip)
    {
        ip[36] = 0;
        ip[37] = 0;
        ushort sum = Packets.TransportChecksum(Addr.V4A, Addr.V4B, 6, ip.AsSpan(20));
        ip[36] = (byte)(sum >> 8);
        ip[37] = (byte)sum;
    }

    [Fact]
    public void TryDecode_SynWithEceCwr_CountsAsSyn()
    {
        var r = DecodeFlags(Tf.Syn | Tf.Ece | Tf.Cwr);

        Assert.True(r.Ok);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, r.Packet.Flags);
        Assert.True(r.Packet.IsSyn);
        Assert.Equal(1, r.Stats.Syn);
        Assert.Equal(0, r.Stats.SynAck);
    }

    [Fact]
    public void TryDecode_SynWithPayload_CountsAsSyn()
    {
        var r = DecodeFlags(Tf.Syn, payload: new byte[30]);

        Assert.True(r.Ok);
        Assert.Equal(30, r.Packet.PayloadLength);
        Assert.Equal(1, r.Stats.Syn);
    }

    [Fact]
    public void TryDecode_SynAck_CountsAsSynAckNotSyn()
    {
        var r = DecodeFlags(Tf.Syn | Tf.Ack | Tf.Ece);

        Assert.True(r.Packet.IsSynAck);
        Assert.False(r.Packet.IsSyn);
        Assert.Equal(0, r.Stats.Syn);
        Assert.Equal(1, r.Stats.SynAck);
        Assert.Equal(200u, r.Packet.Acknowledgment);
    }

    [Fact]
    public void TryDecode_RstAckAndFinAck_Counted()
    {
        var decoder = new PacketDecoder();
        foreach (var flags in new[] { Tf.Rst | Tf.Ack, Tf.Fin | Tf.Ack, Tf.Fin | Tf.Psh | Tf.Ack, Tf.Ack })
        {
            var ip = Packets.IpTcp(Addr.V4A, Addr.V4B, 1, 2, flags, 1, 1);
            Assert.True(decoder.TryDecode(new RawFrame(ip, 0, ip.Length, LinkType.Raw, 0, 1), out _, out _));
        }

        Assert.Equal(1, decoder.Statistics.Rst);
        Assert.Equal(2, decoder.Statistics.Fin);
        Assert.Equal(4, decoder.Statistics.TcpSegments);
        Assert.Equal(0, decoder.Statistics.Syn);
    }

    [Fact]
    public void TryDecode_NsBit_InFlags()
    {
        var r = DecodeFlags(Tf.Ack, ns: true);

        Assert.True(r.Ok);
        Assert.Equal(TcpFlags.Ack | TcpFlags.Ns, r.Packet.Flags);
        Assert.Equal(ChecksumState.Valid, r.Packet.Checksum);
    }

    [Theory]
    [InlineData(Tf.Syn | Tf.Fin, DecodeEvent.TcpSynWithFin)]
    [InlineData(Tf.Syn | Tf.Rst, DecodeEvent.TcpSynWithRst)]
    [InlineData((Tf)0, DecodeEvent.TcpNoFlags)]
    public void TryDecode_ImpossibleFlags_WarnedButDecoded(Tf flags, DecodeEvent expected)
    {
        var r = DecodeFlags(flags);

        Assert.True(r.Ok);
        Assert.Equal(expected, r.Event);
        Assert.Equal(1, r.Stats[expected]);
    }

    [Fact]
    public void TryDecode_PortZero_TcpZeroPort()
    {
        var ip = Packets.IpTcp(Addr.V4A, Addr.V4B, 0, 80, Tf.Syn, 1, 0);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpZeroPort, r.Event);
    }

    [Fact]
    public void TryDecode_DataOffsetBelowFive_TcpBadDataOffset()
    {
        var ip = Frames.Syn();
        ip[20 + 12] = 0x40;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.TcpBadDataOffset, r.Event);
    }

    [Fact]
    public void TryDecode_DataOffsetBeyondIpPayload_TcpBadDataOffset()
    {
        var ip = Packets.IpTcp(Addr.V4A, Addr.V4B, 1, 2, Tf.Syn, 1, 0);
        ip[20 + 12] = 0xF0; // 60-byte header in a 20-byte segment

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.TcpBadDataOffset, r.Event);
    }

    [Fact]
    public void TryDecode_DataOffsetBeyondIpPayloadEvenWhenCut_TcpBadDataOffset()
    {
        // 40 TCP bytes by the IP length, a 60-byte data offset, and the capture cut after the fixed header.
        var full = Packets.IpTcp(Addr.V4A, Addr.V4B, 1, 2, Tf.Syn, 1, 0, payload: new byte[20]);
        full[20 + 12] = 0xF0;

        var r = Decode.Prefix(full, 40, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.TcpBadDataOffset, r.Event);
    }

    [Fact]
    public void TryDecode_FewerThan20TcpBytes_TcpTruncated()
    {
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, Frames.Tcp(Addr.V4A, Addr.V4B, Tf.Syn)[..12]);

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.TcpTruncated, r.Event);
    }

    [Fact]
    public void TcpDecoder_Header_ReadsEveryField()
    {
        var tcp = Packets.Tcp(Addr.V4A, Addr.V4B, 1234, 80, Tf.Psh | Tf.Ack | Tf.Urg, 0xDEADBEEF, 0xCAFEBABE, window: 513, options: [1, 1, 1, 1]);

        Assert.True(TcpDecoder.TryDecode(tcp, out var h, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(1234, h.SourcePort);
        Assert.Equal(80, h.DestinationPort);
        Assert.Equal(0xDEADBEEFu, h.Sequence);
        Assert.Equal(0xCAFEBABEu, h.Acknowledgment);
        Assert.Equal(24, h.HeaderLength);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg, h.Flags);
        Assert.Equal(513, h.Window);
        Assert.Equal((tcp[16] << 8) | tcp[17], h.Checksum);
    }
}
