using System.IO.Compression;
using IdsHalfOpen.SampleGenerator;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Samples;

/// <summary>samples-pcap/ is exactly what the sample generator writes: same file set, same bytes.</summary>
public sealed class SampleProvenanceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "idshalfopen-samples-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void WriteAll_IntoEmptyFolder_ReproducesSamplesByteForByte()
    {
        var written = SampleCatalog.WriteAll(_dir);

        var problems = new List<string>();
        foreach (var (rel, _) in written)
        {
            var committed = Path.Combine(RepoPaths.Samples, rel);
            if (!File.Exists(committed))
            {
                problems.Add($"{rel}: generated but not in samples-pcap/");
                continue;
            }

            var expected = File.ReadAllBytes(committed);
            var actual = File.ReadAllBytes(Path.Combine(_dir, rel));
            int diff = FirstDifference(expected, actual);
            if (diff >= 0) problems.Add($"{rel}: differs at byte {diff} (committed {expected.Length} bytes, generated {actual.Length})");
        }

        Assert.True(problems.Count == 0, "regenerate with: dotnet run --project tests/IdsHalfOpen.SampleGenerator -- samples-pcap\n" + string.Join('\n', problems));
    }

    [Fact]
    public void SamplesFolder_EveryCapture_ComesFromTheGenerator()
    {
        var generated = SampleCatalog.All.Select(s => s.RelativePath).ToHashSet(StringComparer.Ordinal);
        var strays = Directory.EnumerateFiles(RepoPaths.Samples, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Samples, f).Replace(Path.DirectorySeparatorChar, '/'))
            // expected/ holds the golden alerts and connection outcomes of the captures (GoldenTests), not captures.
            .Where(r => r != "README.md" && !r.StartsWith("expected/", StringComparison.Ordinal) && !generated.Contains(r))
            .ToList();

        Assert.True(strays.Count == 0, "files in samples-pcap/ the generator does not make: " + string.Join(", ", strays));
    }

    [Fact]
    public void Build_CalledTwice_GivesIdenticalBytes()
    {
        foreach (var s in SampleCatalog.All)
            Assert.True(s.Build().AsSpan().SequenceEqual(s.Build()), s.RelativePath + " is not deterministic within one process");
    }

    [Fact]
    public void GzipSample_Header_IsFixedAndContentIsTheCleanCapture()
    {
        var gz = File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "handshakes-clean.pcap.gz"));

        // RFC 1952: ID1 ID2 CM=8 FLG=0, MTIME=0 (no wall clock), XFL=0, OS=3.
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 }, gz[..10]);
        using var inflated = new MemoryStream();
        using (var z = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress)) z.CopyTo(inflated);
        Assert.True(inflated.ToArray().AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(RepoPaths.Samples, "handshakes-clean.pcap"))),
            "handshakes-clean.pcap.gz does not inflate to handshakes-clean.pcap");
    }

    [Fact]
    public void Samples_Sizes_StayWithinTheBudget()
    {
        var sizes = SampleCatalog.All.ToDictionary(s => s.RelativePath, s => new FileInfo(Path.Combine(RepoPaths.Samples, s.RelativePath)).Length);

        Assert.True(sizes.Values.Sum() < 2_000_000, $"samples total {sizes.Values.Sum():N0} bytes, budget 2 MB");
        var big = sizes.Where(kv => kv.Value > 512 * 1024).Select(kv => $"{kv.Key} {kv.Value:N0}").ToList();
        Assert.True(big.Count == 0, "samples over 512 KiB: " + string.Join(", ", big));
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int n = Math.Min(a.Length, b.Length);
        int i = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n));
        return i < n || a.Length != b.Length ? i : -1;
    }
}
