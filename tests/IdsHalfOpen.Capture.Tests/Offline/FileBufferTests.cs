using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>
/// Plain files are read from disk through a buffer refilled from the file. Files many times larger than the buffer must
/// read exactly as the same bytes from memory: records and blocks straddling a refill, a record larger than the buffer,
/// skipped pcapng blocks that jump past it, and truncation at the very end.
/// </summary>
public sealed class FileBufferTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("idshalfopen-filebuffer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void LargerThanBuffer_SameFramesAsMemory(bool pcapng, bool truncated)
    {
        byte[] bytes = Build(pcapng, out int frames);
        if (truncated) bytes = bytes[..^7];
        Assert.True(bytes.Length > 2 * Span);
        string path = Path.Combine(_dir, "big.cap");
        File.WriteAllBytes(path, bytes);

        using var file = OfflineSource.Open(path);
        using var streamed = OfflineSource.Open(new MemoryStream(bytes), path);
        int n = 0;
        while (true)
        {
            var a = file.Read(out RawFrame fa);
            var ra = a == ReadResult.Packet ? FrameRecord.From(in fa) : null;
            var b = streamed.Read(out RawFrame fb);
            var rb = b == ReadResult.Packet ? FrameRecord.From(in fb) : null;
            Assert.Equal(b, a);
            if (a != ReadResult.Packet) break;
            Assert.True(ra!.SameAs(rb!), $"frame {n + 1} differs");
            n++;
        }

        Assert.Equal(truncated ? frames - 1 : frames, n);
        Assert.Equal(streamed.Problem?.ToString(), file.Problem?.ToString());
    }

    /// <summary>Well past the buffer, and past the 12 MiB record it grows to for the one big frame.</summary>
    private const long Span = 32L << 20;

    /// <summary>About 2.5 spans of frames of every size up to 64 KiB, one 12 MiB frame, and (pcapng) skipped custom blocks.</summary>
    private static byte[] Build(bool pcapng, out int frames)
    {
        var rng = new Random(7);
        using var ms = new MemoryStream();
        PcapWriter? pcap = pcapng ? null : new PcapWriter(ms, LinkType.Ethernet, snapLength: 16 << 20);
        PcapngWriter? ng = pcapng ? new PcapngWriter(ms) : null;
        ng?.AddInterface(LinkType.Ethernet, snapLength: 16 << 20);
        frames = 0;
        long ts = 1_700_000_000_000_000_000;
        while (ms.Length < 2.5 * Span)
        {
            int size = frames == 300 ? 12 << 20 : rng.Next(1, 65536);
            var data = new byte[size];
            rng.NextBytes(data.AsSpan(0, Math.Min(size, 4096)));
            ts += 1_000;
            if (ng is not null)
            {
                ng.WriteEnhanced(0, ts, data);
                if (frames % 50 == 0) ng.WriteBlock(0x00000BAD, new byte[rng.Next(0, 200_000) & ~3]);
            }
            else
            {
                pcap!.Write(ts, data);
            }

            frames++;
        }

        return ms.ToArray();
    }
}
