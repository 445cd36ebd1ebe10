using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tcp;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class TcpOptionsTests
{
    private static DecodeResult DecodeWithOptions(byte[] options) =>
        Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 6, Frames.Tcp(Addr.V4A, Addr.V4B, Tf.Syn, options)), LinkType.Raw);

    [Fact]
    public void TryDecode_LinuxSynOptions_AllParsed()
    {
        var r = DecodeWithOptions(Packets.SynOptions(mss: 1400, windowScale: 9, tsVal: 0x01020304, tsEcr: 0x0A0B0C0D));

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        var p = r.Packet;
        Assert.Equal(TcpOptionFlags.Mss | TcpOptionFlags.SackPermitted | TcpOptionFlags.Timestamps | TcpOptionFlags.WindowScale, p.Options);
        Assert.Equal(1400, p.Mss);
        Assert.Equal(9, p.WindowScale);
        Assert.Equal(0x01020304u, p.TsVal);
        Assert.Equal(0x0A0B0C0Du, p.TsEcr);
    }

    [Fact]
    public void TryDecode_SackBlocks_Parsed()
    {
        byte[] options = [1, 1, 5, 18, .. new byte[16]];

        Assert.True(TcpOptionsDecoder.TryDecode(options, out var o, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(TcpOptionFlags.Sack, o.Present);
        Assert.Equal(2, o.SackBlocks);
    }

    [Theory]
    [InlineData(new byte[] { 34, 2 })]                                  // cookie request
    [InlineData(new byte[] { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8 })]         // 8-byte cookie
    [InlineData(new byte[] { 254, 4, 0xF9, 0x89 })]                     // experimental form
    public void TryDecode_FastOpen_Recognised(byte[] option)
    {
        var r = DecodeWithOptions(option);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.None, r.Event);
        Assert.True((r.Packet.Options & TcpOptionFlags.FastOpen) != 0);
    }

    [Fact]
    public void TryDecode_OtherExperimentalOption_NotFastOpen()
    {
        Assert.True(TcpOptionsDecoder.TryDecode([254, 4, 0x12, 0x34], out var o, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(TcpOptionFlags.None, o.Present);
    }

    [Fact]
    public void TryDecode_KnownOptionWithWrongLength_SkippedAndLaterOptionsParsed()
    {
        // MSS with length 3, then window scale.
        var r = DecodeWithOptions([2, 3, 5, 3, 3, 7]);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpOptionBadLength, r.Event);
        Assert.Equal(TcpOptionFlags.WindowScale, r.Packet.Options);
        Assert.Equal(0, r.Packet.Mss);
        Assert.Equal(7, r.Packet.WindowScale);
    }

    [Fact]
    public void TryDecode_OptionLengthBelowTwo_WalkStopsHeaderKept()
    {
        var r = DecodeWithOptions([2, 4, 5, 0xB4, 8, 1, 3, 3, 7]);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpOptionBadLength, r.Event);
        Assert.Equal(TcpOptionFlags.Mss, r.Packet.Options);
        Assert.Equal(1460, r.Packet.Mss);
        Assert.Equal(1, r.Stats.Syn);
    }

    [Fact]
    public void TryDecode_OptionRunsPastHeader_TcpOptionTruncated()
    {
        var r = DecodeWithOptions([1, 1, 8, 10, 0, 0]);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpOptionTruncated, r.Event);
        Assert.Equal(TcpOptionFlags.None, r.Packet.Options);
    }

    [Fact]
    public void TryDecode_KindWithoutLengthByte_TcpOptionTruncated()
    {
        Assert.False(TcpOptionsDecoder.TryDecode([1, 1, 1, 2], out _, out var e));
        Assert.Equal(DecodeEvent.TcpOptionTruncated, e);
    }

    [Fact]
    public void TryDecode_WindowScaleAbove14_WarnedRawValueKept()
    {
        var r = DecodeWithOptions([3, 3, 15, 0]);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpWindowScaleTooLarge, r.Event);
        Assert.Equal(15, r.Packet.WindowScale);
    }

    [Fact]
    public void TryDecode_EndOfOptionList_StopsWalk()
    {
        Assert.True(TcpOptionsDecoder.TryDecode([0, 2, 4, 5, 0xB4], out var o, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(TcpOptionFlags.None, o.Present);
    }

    [Fact]
    public void TryDecode_UnknownOptionKinds_Skipped()
    {
        Assert.True(TcpOptionsDecoder.TryDecode([30, 4, 0, 0, 19, 18, .. new byte[16], 2, 4, 1, 0], out var o, out var e));
        Assert.Equal(DecodeEvent.None, e);
        Assert.Equal(TcpOptionFlags.Mss, o.Present);
        Assert.Equal(256, o.Mss);
    }
}
