using IdsHalfOpen.Capture.Offline;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>
/// Every prefix of a valid file: inside the file header it must not open; after it, every complete record before the
/// cut is delivered, then a clean end (cut on a record boundary) or a TruncatedRecord problem at the cut record's start.
/// The expected outcome comes from the offsets recorded while writing the file, not from the reader.
/// </summary>
public sealed class TruncationTests
{
    public static TheoryData<string> Kinds => ["pcap-le-us", "pcap-be-ns", "pcapng-mixed"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Read_EveryPrefixFromStream_CompleteRecordsThenTruncatedOrCleanEnd(string kind)
    {
        var built = Build(kind);
        for (int cut = 0; cut <= built.Bytes.Length; cut++)
        {
            var prefix = built.Bytes[..cut];
            Check(built, cut, () => OfflineSource.Open(new MemoryStream(prefix), "prefix"));
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Read_EveryPrefixFromFile_CompleteRecordsThenTruncatedOrCleanEnd(string kind)
    {
        var built = Build(kind);
        using var dir = new TempDir();
        for (int cut = 0; cut <= built.Bytes.Length; cut++)
        {
            string path = dir.Write($"prefix-{cut}", built.Bytes[..cut]);
            Check(built, cut, () => OfflineSource.Open(path));
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("pcap-le-us")]
    [InlineData("pcapng-mixed")]
    public void Read_EveryPrefixOfGzipFile_DeliversPrefixOfRecordsAndNeverThrowsOtherwise(string kind)
    {
        var built = Build(kind);
        var gz = CaptureFiles.Gzip(built.Bytes);
        var expected = built.Frames.ToList();
        var starts = built.Pieces.Select(p => p.Start).ToHashSet();
        int previousCount = 0;
        for (int cut = 0; cut <= gz.Length; cut++)
        {
            IPacketSource source;
            try
            {
                source = OfflineSource.Open(new MemoryStream(gz[..cut]), "prefix.gz");
            }
            catch (CaptureException)
            {
                // Only while the decompressed bytes do not yet hold the whole file header.
                Assert.Equal(0, previousCount);
                continue;
            }

            using (source)
            {
                var (frames, problem) = CaptureFiles.ReadAll(source);
                CaptureFiles.AssertFrames(expected.Take(frames.Count), frames);
                Assert.True(frames.Count >= previousCount, $"cut {cut}: {frames.Count} frames after {previousCount} for a shorter prefix");
                previousCount = frames.Count;
                if (cut == gz.Length) Assert.Null(problem);
                if (problem is null) continue;
                Assert.Equal(CaptureProblemKind.TruncatedRecord, problem.Kind);
                Assert.Contains(problem.Offset, starts);
                Assert.Contains("decompressed", problem.Message);
            }
        }

        Assert.Equal(expected.Count, previousCount);
    }

    private static BuiltCapture Build(string kind) => kind switch
    {
        "pcap-le-us" => CaptureFiles.Pcap(6),
        "pcap-be-ns" => CaptureFiles.Pcap(5, bigEndian: true, nanoseconds: true, snapLength: 80),
        "pcapng-mixed" => CaptureFiles.MixedPcapng(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void Check(BuiltCapture built, int cut, Func<IPacketSource> open)
    {
        if (cut < built.HeaderEnd)
        {
            var e = Assert.Throws<CaptureException>(() => open().Dispose());
            Assert.Contains("offset", e.Message);
            return;
        }

        using var source = open();
        var (frames, problem) = CaptureFiles.ReadAll(source);
        var complete = built.Pieces.Where(p => p.End <= cut).ToList();
        CaptureFiles.AssertFrames(complete.Where(p => p.Frame is not null).Select(p => p.Frame!), frames);
        var cutPiece = built.Pieces.FirstOrDefault(p => p.Start < cut && cut < p.End);
        if (cutPiece is null)
        {
            Assert.True(problem is null, $"cut {cut} is on a record boundary, but got: {problem}");
        }
        else
        {
            Assert.True(problem is not null, $"cut {cut} inside the record at {cutPiece.Start}: expected a problem");
            Assert.Equal(CaptureProblemKind.TruncatedRecord, problem.Kind);
            Assert.Equal(cutPiece.Start, problem.Offset);
        }
    }
}
