using IdsHalfOpen.Capture.Offline;

namespace IdsHalfOpen.Capture.Tests.Offline;

public sealed class ReadProgressTests
{
    [Theory]
    [InlineData("handshakes-clean.pcap")]
    [InlineData("handshakes-clean.pcap.gz")]
    [InlineData("multi-section.pcapng")]
    public void BytesRead_WholeFile_GrowsToTheFileSize(string sample)
    {
        string path = Path.Combine(IdsHalfOpen.TestKit.RepoPaths.Samples, sample);
        long size = new FileInfo(path).Length;
        using var source = OfflineSource.Open(path);
        var progress = Assert.IsAssignableFrom<IReadProgress>(source);
        Assert.Equal(size, progress.TotalBytes);
        long last = 0;
        while (source.Read(out _) == ReadResult.Packet)
        {
            Assert.InRange(progress.BytesRead, last, size);
            last = progress.BytesRead;
        }

        Assert.Equal(size, progress.BytesRead);
    }

    [Fact]
    public void TotalBytes_Stream_Unknown()
    {
        using var stream = File.OpenRead(Path.Combine(IdsHalfOpen.TestKit.RepoPaths.Samples, "handshakes-clean.pcap"));
        using var source = OfflineSource.Open(stream, "stream", leaveOpen: true);
        Assert.Equal(-1, Assert.IsAssignableFrom<IReadProgress>(source).TotalBytes);
    }
}
