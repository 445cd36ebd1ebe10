using System.Buffers.Binary;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

public sealed class PcapngReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_MixedPcapngFromFile_ReturnsEveryPacketBlockExactly(bool byPath)
    {
        var built = CaptureFiles.MixedPcapng();
        using var dir = new TempDir();
        string path = dir.Write("mixed.pcapng", built.Bytes);

        using var source = byPath ? OfflineSource.Open(path) : OfflineSource.Open(File.OpenRead(path), path);
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Read_InterfacesWithDifferentLinkTypesAndResolutions_EachFrameCarriesItsInterface()
    {
        var b = new PcapngBuild();
        int micro = b.Interface(LinkType.Ethernet);                 // default 10^-6
        int nano = b.Interface(LinkType.Raw, tsResol: 9);           // 10^-9
        int milli = b.Interface(LinkType.Null, tsResol: 3);         // 10^-3
        int bin10 = b.Interface(LinkType.LinuxSll2, tsResol: 0x80 | 10); // 2^-10 s
        int bin30 = b.Interface(LinkType.Ipv4, tsResol: 0x80 | 30);  // 2^-30 s
        // Each timestamp is exactly representable in its interface's unit.
        b.Enhanced(micro, 1_700_000_000_123_456_000, CaptureFiles.EthernetSyn(1));
        b.Enhanced(nano, 1_700_000_000_123_456_789, CaptureFiles.RawSyn(2));
        b.Enhanced(milli, 1_700_000_000_123_000_000, Packets.Null(CaptureFiles.RawSyn(3), 30));
        b.Enhanced(bin10, 1_700_000_000_000_000_000 + 3 * 1_953_125, Packets.LinuxSll2(CaptureFiles.RawSyn(4), Packets.EtherTypeIpv6)); // 6/1024 s
        b.Enhanced(bin30, 1_700_000_000_000_000_000 + 1_000_000_000 / 8, CaptureFiles.RawSyn(5)); // 2^27 ticks of 2^-30 s
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes, "interfaces.pcapng");

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
        Assert.Equal([0, 1, 2, 3, 4], frames.Select(f => f.InterfaceId));
        Assert.Equal([LinkType.Ethernet, LinkType.Raw, LinkType.Null, LinkType.LinuxSll2, LinkType.Ipv4], frames.Select(f => f.LinkType));
    }

    [Fact]
    public void Read_TicksInBinaryAndDecimalUnits_ConvertedIndependentlyOfWriter()
    {
        var b = new PcapngBuild(bigEndian: true);
        int bin20 = b.InterfaceWithOffset(LinkType.Raw, 0x80 | 20, 0);
        int pico = b.InterfaceWithOffset(LinkType.Raw, 12, 0);
        int tenths = b.InterfaceWithOffset(LinkType.Raw, 1, 0);
        // 5 s + 2^19 ticks of 2^-20 s = 5.5 s; 7 s + 250 ps... truncated to whole ns; 123.4 s.
        b.EnhancedTicks(bin20, (5UL << 20) + (1UL << 19), CaptureFiles.RawSyn(0), 5_500_000_000);
        b.EnhancedTicks(pico, 7_000_000_000_250UL + 999, CaptureFiles.RawSyn(1), 7_000_000_001);
        b.EnhancedTicks(tenths, 1234, CaptureFiles.RawSyn(2), 123_400_000_000);
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        Assert.Equal([5_500_000_000L, 7_000_000_001L, 123_400_000_000L], frames.Select(f => f.TimestampNs));
    }

    [Fact]
    public void Read_InterfaceWithTsOffset_AddsOffsetSeconds()
    {
        var b = new PcapngBuild();
        int plain = b.Interface(LinkType.Raw, tsResol: 9);
        int shifted = b.InterfaceWithOffset(LinkType.Raw, 9, 1_600_000_000);
        int negative = b.InterfaceWithOffset(LinkType.Raw, 6, -100);
        b.Enhanced(plain, 42, CaptureFiles.RawSyn(0));
        b.EnhancedTicks(shifted, 123_456_789, CaptureFiles.RawSyn(1), 1_600_000_000_123_456_789);
        b.EnhancedTicks(negative, 1_000_000_000, CaptureFiles.RawSyn(2), 900_000_000_000);
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Read_SimplePacketBlocks_UseInterfaceZeroAndPreviousTimestamp()
    {
        var b = new PcapngBuild();
        b.Interface(LinkType.Ethernet, tsResol: 9);
        int raw = b.Interface(LinkType.Raw, tsResol: 9);
        b.Simple(CaptureFiles.EthernetSyn(0, 3));                 // no packet before it: timestamp 0
        b.Enhanced(raw, 1_700_000_000_000_000_007, CaptureFiles.RawSyn(1));
        b.Simple(CaptureFiles.EthernetSyn(2, 1));                 // inherits ...007 although it is on interface 0
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        Assert.Equal([0L, 1_700_000_000_000_000_007L, 1_700_000_000_000_000_007L], frames.Select(f => f.TimestampNs));
        Assert.Equal([LinkType.Ethernet, LinkType.Raw, LinkType.Ethernet], frames.Select(f => f.LinkType));
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Read_SimplePacketBlockLongerThanSnapLength_CutToSnapLength()
    {
        var b = new PcapngBuild();
        b.Interface(LinkType.Ethernet, snapLength: 60);
        var frame = CaptureFiles.EthernetSyn(0, 100);
        // Written in full (a writer ignoring the snaplen): the reader still honours min(original, snaplen).
        b.Simple(frame);

        var (frames, problem) = CaptureFiles.ReadAll(b.Build().Bytes);

        Assert.Null(problem);
        var f = Assert.Single(frames);
        Assert.Equal(frame.AsSpan(0, 60).ToArray(), f.Data);
        Assert.Equal(frame.Length, f.OriginalLength);
    }

    [Fact]
    public void Read_ObsoletePacketBlock_ReturnsPacketWithItsInterface()
    {
        var b = new PcapngBuild(bigEndian: true);
        b.Interface(LinkType.Ethernet);
        int raw = b.Interface(LinkType.Raw);
        b.Obsolete(raw, 1_700_000_000_000_001UL, CaptureFiles.RawSyn(0), 1_700_000_000_000_001_000);
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
        Assert.Equal(1, frames[0].InterfaceId);
    }

    [Fact]
    public void Read_EnhancedPacketWithOptions_DataEndsAtCapturedLength()
    {
        var b = new PcapngBuild(bigEndian: true);
        b.Interface(LinkType.Raw, tsResol: 9);
        var data = CaptureFiles.RawSyn(0)[..41];
        // epb_flags (2) = inbound, a comment (1), end of options.
        var body = new BodyBuilder(true).U32(0).U32(0).U32(77).U32(41).U32(60).Bytes(data).Pad()
            .U16(2).U16(4).U32(1).U16(1).U16(5).Bytes("hello"u8.ToArray()).Pad().U16(0).U16(0).ToArray();
        b.Block(6, body);

        var (frames, problem) = CaptureFiles.ReadAll(b.Build().Bytes);

        Assert.Null(problem);
        var f = Assert.Single(frames);
        Assert.Equal(data, f.Data);
        Assert.Equal(60, f.OriginalLength);
        Assert.Equal(77, f.TimestampNs);
    }

    [Fact]
    public void Read_UnknownAndOtherBlocks_SkippedAndNotCounted()
    {
        var b = new PcapngBuild();
        b.Block(4, [0, 0, 0, 0]);                                  // name resolution before any interface
        int eth = b.Interface(LinkType.Ethernet);
        b.Block(0x00000BAD, new byte[37]);                         // custom block, odd body padded
        b.Enhanced(eth, 1_000_000, CaptureFiles.EthernetSyn(0));
        b.Block(5, new byte[20]);                                  // interface statistics
        b.Block(0x0000000A, new byte[64]);                         // decryption secrets
        b.Block(0x12345678, []);                                   // minimum-size (12-byte) block
        b.Enhanced(eth, 2_000_000, CaptureFiles.EthernetSyn(1));
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
        Assert.Equal([1L, 2L], frames.Select(f => f.FrameNumber));
    }

    [Fact]
    public void Read_SectionsInBothByteOrders_ResetInterfacesAndKeepNumbering()
    {
        var b = new PcapngBuild(bigEndian: true);
        b.Interface(LinkType.Raw);
        b.Interface(LinkType.Ethernet);
        b.Enhanced(1, 1_000_000, CaptureFiles.EthernetSyn(0));
        b.Section(bigEndian: false);
        b.Interface(LinkType.LinuxSll, tsResol: 9);
        b.Enhanced(0, 2_000_000_001, Packets.LinuxSll(CaptureFiles.RawSyn(1), Packets.EtherTypeIpv6));
        b.Section(bigEndian: true);
        b.Interface(LinkType.Ethernet);
        b.Enhanced(0, 3_000_000, CaptureFiles.EthernetSyn(2));
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
        Assert.Equal([1, 0, 0], frames.Select(f => f.InterfaceId));
        Assert.Equal([LinkType.Ethernet, LinkType.LinuxSll, LinkType.Ethernet], frames.Select(f => f.LinkType));
    }

    [Fact]
    public void Read_PacketForInterfaceOfEarlierSection_CorruptRecord()
    {
        var b = new PcapngBuild();
        b.Interface(LinkType.Raw);
        b.Interface(LinkType.Raw);
        b.Enhanced(1, 0, CaptureFiles.RawSyn(0));
        b.Section(bigEndian: false);
        b.Interface(LinkType.Raw);
        var built = b.Build();
        // Interface 1 existed only in the first section.
        var extra = new BodyBuilder(false).U32(1).U32(0).U32(0).U32(4).U32(4).Bytes([1, 2, 3, 4]).ToArray();
        var bytes = built.Bytes.Concat(Block(false, 6, extra)).ToArray();

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Single(frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Equal(built.Bytes.Length, problem.Offset);
        Assert.Contains("interface 1", problem.Message);
    }

    [Fact]
    public void Read_SnapLengthShorterThanFrame_DataCutAndOriginalLengthKept()
    {
        var b = new PcapngBuild();
        int eth = b.Interface(LinkType.Ethernet, snapLength: 54);
        for (int i = 0; i < 3; i++) b.Enhanced(eth, i * 1000, CaptureFiles.EthernetSyn(i, 200), snapLength: 54);
        var built = b.Build();

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        Assert.All(frames, f => Assert.Equal(54, f.Data.Length));
        Assert.All(frames, f => Assert.Equal(CaptureFiles.EthernetSyn(0, 200).Length, f.OriginalLength));
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Theory]
    [InlineData(2, "multiple of 4")]   // length 2 more than real, not a multiple of 4
    [InlineData(-8, "cannot hold")]    // too short for the captured bytes
    [InlineData(4, "trailing")]        // leading and trailing lengths disagree
    public void Read_BadBlockLength_CorruptRecordAtBlockStart(int delta, string expected)
    {
        var b = new PcapngBuild();
        int eth = b.Interface(LinkType.Ethernet);
        b.Enhanced(eth, 1000, CaptureFiles.EthernetSyn(0));
        b.Enhanced(eth, 2000, CaptureFiles.EthernetSyn(1, 40));
        b.Enhanced(eth, 3000, CaptureFiles.EthernetSyn(2));
        var built = b.Build();
        var second = built.Pieces.Where(p => p.Frame is not null).ElementAt(1);
        var bytes = (byte[])built.Bytes.Clone();
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)second.Start + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)second.Start + 4), (uint)(length + delta));

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        CaptureFiles.AssertFrames(built.Frames.Take(1), frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Equal(second.Start, problem.Offset);
        Assert.Contains(expected, problem.Message);
    }

    [Theory]
    [InlineData(8u)]
    [InlineData(0u)]
    public void Read_BlockShorterThanMinimum_CorruptRecord(uint length)
    {
        var built = CaptureFiles.MixedPcapng();
        // The last section of the mixed file is big-endian.
        var bytes = built.Bytes.Concat(new BodyBuilder(true).U32(0xBAD).U32(length).U32(length).ToArray()).ToArray();

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Equal(built.Frames.Count(), frames.Count);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Equal(built.Bytes.Length, problem.Offset);
    }

    [Fact]
    public void Read_CapturedLengthAboveInterfaceLimit_CorruptRecord()
    {
        var b = new PcapngBuild();
        b.Interface(LinkType.Ethernet, snapLength: 1500);
        var built = b.Build();
        var body = new BodyBuilder(false).U32(0).U32(0).U32(0).U32(262145).U32(262145).Bytes(new byte[262148]).ToArray();
        var bytes = built.Bytes.Concat(Block(false, 6, body)).ToArray();

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Empty(frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Contains("262145", problem.Message);
    }

    [Fact]
    public void Read_LaterSectionHeaderCorrupt_CorruptRecordKeepsEarlierPackets()
    {
        var b = new PcapngBuild();
        int eth = b.Interface(LinkType.Ethernet);
        b.Enhanced(eth, 1000, CaptureFiles.EthernetSyn(0));
        b.Section(bigEndian: true);
        var built = b.Build();
        var bytes = (byte[])built.Bytes.Clone();
        long sectionStart = built.Pieces[^1].Start;
        bytes[sectionStart + 8] ^= 0xFF; // byte-order magic

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Single(frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Equal(sectionStart + 8, problem.Offset);
    }

    [Theory]
    [InlineData(8, "byte-order magic")]
    [InlineData(12, "version")]
    [InlineData(4, "total length")]
    public void Open_FirstSectionHeaderCorrupt_ThrowsNamingFileAndOffset(int offset, string expected)
    {
        var bytes = (byte[])CaptureFiles.MixedPcapng().Bytes.Clone();
        bytes[offset] ^= 0x03;
        using var dir = new TempDir();
        string path = dir.Write("corrupt-header.pcapng", bytes);

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains($"offset {offset}", e.Message);
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A whole pcapng block around <paramref name="body"/> (body length must be a multiple of 4).</summary>
    internal static byte[] Block(bool bigEndian, uint type, byte[] body)
    {
        uint total = (uint)(12 + body.Length);
        return new BodyBuilder(bigEndian).U32(type).U32(total).Bytes(body).U32(total).ToArray();
    }
}
