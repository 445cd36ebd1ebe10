using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

public sealed class FormatDetectionTests
{
    public static TheoryData<string, string> Lies => new()
    {
        { "pcapng", "capture.pcap" },
        { "pcap", "capture.pcapng" },
        { "pcap", "capture.txt" },
        { "pcapng", "noextension" },
        { "pcap-gz", "capture.pcap" },
        { "pcapng-gz", "capture.pcapng" },
        { "pcap", "capture.pcap.gz" },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public void Open_NameDisagreesWithContent_FormatFollowsMagicNumber(string content, string fileName)
    {
        var built = content.StartsWith("pcapng", StringComparison.Ordinal) ? CaptureFiles.MixedPcapng() : CaptureFiles.Pcap(12, bigEndian: true, nanoseconds: true);
        var bytes = content.EndsWith("-gz", StringComparison.Ordinal) ? CaptureFiles.Gzip(built.Bytes) : built.Bytes;
        using var dir = new TempDir();
        string path = dir.Write(fileName, bytes);

        using var source = OfflineSource.Open(path);
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Open_GzipStream_ReadsTransparently(bool pcapng)
    {
        var built = pcapng ? CaptureFiles.MixedPcapng() : CaptureFiles.Pcap(40);
        // A stream that cannot seek, handing out a few bytes at a time, like a pipe.
        using var stream = new TrickleStream(CaptureFiles.Gzip(built.Bytes), 7);

        using var source = OfflineSource.Open(stream, "piped.gz");
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Open_ConcatenatedGzipMembers_ReadsAllOfThem()
    {
        // gzip -c a >x; gzip -c b >>x is a valid gzip file whose content is a then b.
        var built = CaptureFiles.Pcap(30);
        int split = (int)built.Pieces[15].Start;
        var bytes = CaptureFiles.Gzip(built.Bytes[..split]).Concat(CaptureFiles.Gzip(built.Bytes[split..])).ToArray();
        using var dir = new TempDir();

        using var source = OfflineSource.Open(dir.Write("two-members.pcap.gz", bytes));
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.Null(problem);
        CaptureFiles.AssertFrames(built.Frames, frames);
    }

    [Fact]
    public void Read_TruncatedGzip_TruncatedRecordWithDecompressedOffset()
    {
        var built = CaptureFiles.Pcap(200);
        var gz = CaptureFiles.Gzip(built.Bytes);
        using var dir = new TempDir();
        string path = dir.Write("cut.pcap.gz", gz[..(gz.Length / 2)]);

        using var source = OfflineSource.Open(path);
        var (frames, problem) = CaptureFiles.ReadAll(source);

        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.TruncatedRecord, problem.Kind);
        Assert.Contains("decompressed", problem.Message);
        Assert.Equal(path, problem.Source);
        // The offset is a record start in the decompressed file, right after the last record delivered.
        Assert.Equal(built.Pieces[frames.Count + 1].Start, problem.Offset);
        CaptureFiles.AssertFrames(built.Frames.Take(frames.Count), frames);
    }

    [Fact]
    public void Read_CorruptGzipData_ProblemInsteadOfException()
    {
        var built = CaptureFiles.Pcap(300);
        var gz = CaptureFiles.Gzip(built.Bytes);
        // Wreck the middle of the deflate stream.
        for (int i = gz.Length / 2; i < gz.Length / 2 + 64; i++) gz[i] = 0xFF;

        var (frames, problem) = CaptureFiles.ReadAll(gz, "wrecked.pcap.gz");

        Assert.NotNull(problem);
        Assert.Contains("decompressed", problem.Message);
        Assert.True(frames.Count < 300);
    }

    [Fact]
    public void Read_StreamFailsMidway_IoErrorAfterEarlierRecords()
    {
        var built = CaptureFiles.Pcap(10);
        long failAt = built.Pieces[6].Start + 5;
        using var stream = new FailingStream(built.Bytes, failAt);

        using var source = OfflineSource.Open(stream, "failing");
        var (frames, problem) = CaptureFiles.ReadAll(source);

        CaptureFiles.AssertFrames(built.Frames.Take(5), frames);
        Assert.NotNull(problem);
        Assert.Equal(CaptureProblemKind.IoError, problem.Kind);
        Assert.Equal(built.Pieces[6].Start, problem.Offset);
        Assert.Contains("disk on fire", problem.Message);
    }

    [Fact]
    public void Open_GzipOfNonCapture_ThrowsSayingDecompressed()
    {
        var gz = CaptureFiles.Gzip("hello, this is not a capture"u8.ToArray());
        using var dir = new TempDir();
        string path = dir.Write("text.gz", gz);

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("68656C6C", e.Message); // "hell"
        Assert.Contains("decompressed", e.Message);
    }

    [Fact]
    public void Open_UnknownMagic_ThrowsListingTheBytesSeen()
    {
        using var dir = new TempDir();
        string path = dir.Write("program.pcap", [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("7F454C46", e.Message);
        Assert.Contains("offset 0", e.Message);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        string path = dir.Write("empty.pcap", []);

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("empty", e.Message);
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void Open_MissingFile_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "missing.pcap");

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("offset", e.Message);
    }

    [Fact]
    public void Open_Directory_ThrowsCaptureException()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<CaptureException>(() => OfflineSource.Open(dir.Path));

        Assert.Contains(dir.Path, e.Message);
    }

    [RequiresToolsFact("mkfifo")]
    public void Open_NamedPipe_ReadsAsStream()
    {
        ToolGuard.Require("mkfifo");
        var built = CaptureFiles.MixedPcapng();
        using var dir = new TempDir();
        string fifo = Path.Combine(dir.Path, "pipe.pcapng");
        var (code, _, err) = TestEnvironment.Run("mkfifo", [fifo]);
        Assert.True(code == 0, err);
        var writer = Task.Run(() => File.WriteAllBytes(fifo, built.Bytes));

        using (var source = OfflineSource.Open(fifo))
        {
            var (frames, problem) = CaptureFiles.ReadAll(source);
            Assert.Null(problem);
            CaptureFiles.AssertFrames(built.Frames, frames);
        }

        Assert.True(writer.Wait(TimeSpan.FromSeconds(10)));
    }
}

/// <summary>A non-seekable stream returning at most <c>chunk</c> bytes per read.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Serves its bytes up to <c>failAt</c>, then throws as a failing disk would.</summary>
internal sealed class FailingStream(byte[] data, long failAt) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= failAt) throw new IOException("disk on fire");
        int n = (int)Math.Min(Math.Min(count, failAt - _position), data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
