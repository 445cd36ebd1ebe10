using System.Buffers.Binary;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>Stream (gzip) buffers grow for records that really are large, never for lengths a corrupt header merely claims.</summary>
public sealed class BufferBoundTests
{
    [Fact]
    public void Read_GzipRecordClaimingHugeLength_BufferDoesNotGrow()
    {
        // snaplen 16 MiB makes a 15 MiB record legal, but only 100 bytes of it exist.
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Raw, snapLength: 16 << 20);
        w.Write(0, CaptureFiles.RawSyn(0));
        long claimAt = ms.Position;
        w.Write(0, new byte[100]);
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)claimAt + 8), 15 << 20);

        using var source = (OfflineReader)OfflineSource.Open(new MemoryStream(CaptureFiles.Gzip(bytes)), "claim.gz");
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Single(frames);
        Assert.Equal(CaptureProblemKind.TruncatedRecord, problem?.Kind);
        Assert.Equal(claimAt, problem?.Offset);
        Assert.Equal(CaptureBuffer.InitialStreamBuffer, source.BufferCapacity);
    }

    [Fact]
    public void Read_GzipRecordLargerThanBuffer_BufferGrowsToHoldIt()
    {
        var big = new byte[3 << 20];
        new Random(5).NextBytes(big);
        var ms = new MemoryStream();
        var w = new PcapWriter(ms, LinkType.Raw, snapLength: 4 << 20);
        w.Write(1000, CaptureFiles.RawSyn(0));
        w.Write(2000, big);
        w.Write(3000, CaptureFiles.RawSyn(1));

        using var source = (OfflineReader)OfflineSource.Open(new MemoryStream(CaptureFiles.Gzip(ms.ToArray())), "big.gz");
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        Assert.Equal(3, frames.Count);
        Assert.Equal(big, frames[1].Data);
        Assert.InRange(source.BufferCapacity, big.Length + 16, 2 * (big.Length + 16));
    }

    [Fact]
    public void Read_PlainFile_KeepsInitialBuffer()
    {
        using var dir = new TempDir();
        using var source = (OfflineReader)OfflineSource.Open(dir.Write("m.pcap", CaptureFiles.Pcap(3).Bytes));

        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        Assert.Equal(3, frames.Count);
        Assert.Equal(CaptureBuffer.InitialStreamBuffer, source.BufferCapacity);
    }

    [Fact]
    public void Read_PcapngBlockClaimingHugeOptions_CorruptWithoutGrowing()
    {
        var b = new PcapngBuild();
        b.Interface(LinkType.Raw);
        var built = b.Build();
        var data = CaptureFiles.RawSyn(0);
        var body = new BodyBuilder(false).U32(0).U32(0).U32(0).U32((uint)data.Length).U32((uint)data.Length).Bytes(data).Pad().ToArray();
        uint claimed = (uint)(12 + body.Length + (8 << 20)); // 8 MiB of "options"
        var block = new BodyBuilder(false).U32(6).U32(claimed).Bytes(body).U32(claimed).ToArray();

        using var source = (OfflineReader)OfflineSource.Open(new MemoryStream(CaptureFiles.Gzip([.. built.Bytes, .. block])), "options.gz");
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Empty(frames);
        Assert.Equal(CaptureProblemKind.CorruptRecord, problem?.Kind);
        Assert.Contains("options", problem?.Message);
        Assert.Equal(CaptureBuffer.InitialStreamBuffer, source.BufferCapacity);
    }
}
