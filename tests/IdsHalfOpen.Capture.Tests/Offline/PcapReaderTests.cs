using System.Buffers.Binary;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

public sealed class PcapReaderTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Read_ClassicPcapEitherByteOrderAndResolution_ReturnsEveryRecordExactly(bool bigEndian, bool nanoseconds)
    {
        var built = CaptureFiles.Pcap(25, bigEndian, nanoseconds);
        using var dir = new TempDir();
        string path = dir.Write("capture.pcap", built.Bytes);

        using var source = OfflineSource.Open(path);
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        Assert.Equal(path, source.Name);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Read_NanosecondPcap_KeepsAllNineDigits()
    {
        // 1.000000001 s and 4294967295.999999999 s: the first and last nanosecond a 32-bit seconds field can hold.
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Raw, nanoseconds: true, bigEndian: true);
        w.Write(1_000_000_001, CaptureFiles.RawSyn(0));
        w.Write(4_294_967_295_999_999_999, CaptureFiles.RawSyn(1));

        var (frames, problem) = CaptureFiles.ReadAll(ms.ToArray());

        Assert.Null(problem);
        Assert.Equal([1_000_000_001L, 4_294_967_295_999_999_999L], frames.Select(f => f.TimestampNs));
    }

    [Fact]
    public void Read_MicrosecondPcap_ScalesFractionToNanoseconds()
    {
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Ethernet);
        w.Write(1_234_567_890_654_321_000, CaptureFiles.EthernetSyn(0));

        var (frames, _) = CaptureFiles.ReadAll(ms.ToArray());

        Assert.Equal(1_234_567_890_654_321_000, Assert.Single(frames).TimestampNs);
    }

    [Fact]
    public void Read_SnapLengthShorterThanFrame_DataCutAndOriginalLengthKept()
    {
        var built = CaptureFiles.Pcap(10, snapLength: 68);

        var (frames, problem) = CaptureFiles.ReadAll(built.Bytes);

        Assert.Null(problem);
        Assert.All(frames, f => Assert.Equal(68, f.Data.Length));
        Assert.All(frames, f => Assert.True(f.OriginalLength > 68));
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Open_LinkTypeWithFcsBits_ReportsPlainLinkType()
    {
        var built = CaptureFiles.Pcap(3, link: LinkType.Raw);
        var bytes = (byte[])built.Bytes.Clone();
        // FCS length 4 (bits 28-31 = 2 sixteen-bit words) and the 'P' bit (26) set on top of LINKTYPE_RAW.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), 0x2400_0000u | (uint)LinkType.Raw);

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Null(problem);
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Equal(LinkType.Raw, f.LinkType));
    }

    [Fact]
    public void Read_CapturedLengthAboveLimit_CorruptRecordAtItsOffsetAfterEarlierRecords()
    {
        var built = CaptureFiles.Pcap(5, snapLength: 65535);
        var bytes = (byte[])built.Bytes.Clone();
        var third = built.Pieces[3];
        // max(snaplen, 262144) + 1: the smallest impossible captured length.
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)third.Start + 8), 262145);

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        CaptureFiles.AssertFrames(built.Frames.Take(2), frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem.Kind);
        Assert.Equal(third.Start, problem.Offset);
        Assert.Contains("262145", problem.Message);
    }

    [Fact]
    public void Read_CapturedLengthAtLimit_IsAccepted()
    {
        // A 262144-byte record is legal even when the header's snaplen is smaller (libpcap's own maximum).
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Ethernet, snapLength: 262144);
        w.Write(CaptureFiles.BaseNs - CaptureFiles.BaseNs % 1000, new byte[262144]);
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), 1500);

        var (frames, problem) = CaptureFiles.ReadAll(bytes);

        Assert.Null(problem);
        Assert.Equal(262144, Assert.Single(frames).Data.Length);
    }

    [Fact]
    public void Read_HugeSnapLengthInHeader_RecordsUpToItAreLegal()
    {
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Ethernet, snapLength: 1 << 20);
        w.Write(0, new byte[300_000]);

        var (frames, problem) = CaptureFiles.ReadAll(ms.ToArray());

        Assert.Null(problem);
        Assert.Equal(300_000, Assert.Single(frames).Data.Length);
    }

    [Fact]
    public void Read_OriginalLengthBelowCapturedLength_ReportsCapturedLengthAsWireLength()
    {
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Raw);
        w.Write(0, CaptureFiles.RawSyn(0), originalLength: 10);

        var (frames, problem) = CaptureFiles.ReadAll(ms.ToArray());

        Assert.Null(problem);
        var f = Assert.Single(frames);
        Assert.Equal(f.Data.Length, f.OriginalLength);
    }

    [Fact]
    public void Read_AfterEnd_KeepsReturningEndOfStream()
    {
        var built = CaptureFiles.Pcap(2);
        using var source = OfflineSource.Open(new MemoryStream(built.Bytes), "x.pcap");
        CaptureFiles.ReadAll(source);

        Assert.Equal(ReadResult.EndOfStream, source.Read(out _));
        Assert.Equal(ReadResult.EndOfStream, source.Read(out _));
        Assert.Null(source.Problem);
    }

    [Fact]
    public void Read_AfterDispose_Throws()
    {
        var built = CaptureFiles.Pcap(2);
        using var dir = new TempDir();
        var source = OfflineSource.Open(dir.Write("a.pcap", built.Bytes));
        source.Dispose();

        Assert.Throws<ObjectDisposedException>(() => source.Read(out _));
    }

    [Fact]
    public void Open_UnsupportedVersion_ThrowsNamingFileAndOffset()
    {
        var bytes = (byte[])CaptureFiles.Pcap(1).Bytes.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 3);
        using var dir = new TempDir();
        string path = dir.Write("version.pcap", bytes);

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("offset 4", e.Message);
        Assert.Contains("3.4", e.Message);
    }
}
