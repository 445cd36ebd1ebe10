using System.Buffers.Binary;
using IdsHalfOpen.Capture.Offline;
using Xunit.Abstractions;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>
/// Mutates valid files (bit flips, byte overwrites, length-field corruption, truncation, block insertion) with a fixed
/// seed and checks the readers' contract: only <see cref="CaptureException"/> from Open, nothing from Read, reading
/// ends within a bound, and allocation stays small whatever the lengths claim.
/// </summary>
/// <remarks>
/// Long manual run: <c>IDS_FUZZ_ITERATIONS=1000000 dotnet test tests/IdsHalfOpen.Capture.Tests --filter FuzzTests</c>;
/// <c>IDS_FUZZ_SEED</c> picks another seed. A failure message names the seed and iteration to replay.
/// </remarks>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultIterations = 4000;
    private const int DefaultSeed = 20240601;

    /// <summary>Allocation allowed inside one file's read loop: problem messages and a few buffer doublings.</summary>
    private const long AllocationBudget = 4 << 20;

    private static readonly uint[] InterestingLengths =
        [0, 1, 3, 4, 8, 11, 12, 15, 16, 28, 31, 32, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFC, 262144, 262145, 1 << 20, (16 << 20) + 4, 65535];

    [Fact]
    public void Read_MutatedFiles_OnlyCaptureExceptionsAndBoundedWork()
    {
        int iterations = ReadSetting("IDS_FUZZ_ITERATIONS", DefaultIterations);
        int seed = ReadSetting("IDS_FUZZ_SEED", DefaultSeed);
        var bases = new[]
        {
            CaptureFiles.Pcap(8),
            CaptureFiles.Pcap(6, bigEndian: true, nanoseconds: true, snapLength: 100),
            CaptureFiles.MixedPcapng(),
            SmallPcapng(bigEndian: true),
        };
        var rng = new Random(seed);
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "fuzz.bin");
        int opened = 0, packets = 0;
        var problems = new Dictionary<CaptureProblemKind, int>();

        for (int i = 0; i < iterations; i++)
        {
            var source = bases[rng.Next(bases.Length)];
            var plain = Mutate(source, rng);
            var bytes = plain;
            int mode = rng.Next(8); // 0: gzip of the mutated bytes, 1-2: file on disk, else: memory stream
            if (mode == 0) bytes = CaptureFiles.Gzip(plain);
            if (mode is 1 or 2) File.WriteAllBytes(path, bytes);

            IPacketSource reader;
            try
            {
                reader = mode is 1 or 2 ? OfflineSource.Open(path) : OfflineSource.Open(new MemoryStream(bytes), "fuzz");
            }
            catch (CaptureException)
            {
                continue;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed} iteration {i} (mode {mode}): Open threw {e}");
                throw;
            }

            opened++;
            using (reader)
            {
                try
                {
                    var (count, allocated, problem) = Drain(reader, plain.Length);
                    packets += count;
                    if (problem is not null) problems[problem.Kind] = problems.GetValueOrDefault(problem.Kind) + 1;
                    Assert.True(allocated < AllocationBudget, $"seed {seed} iteration {i}: {allocated} bytes allocated while reading");
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    Assert.Fail($"seed {seed} iteration {i} (mode {mode}): Read threw {e}");
                }
            }
        }

        output.WriteLine($"seed {seed}: {iterations} files, {opened} opened, {packets} packets, problems: {string.Join(", ", problems.Select(p => $"{p.Key} {p.Value}"))}");
        // The mutations must leave enough files readable for the loop to test the readers, not only the header checks,
        // and must reach both kinds of damage.
        Assert.True(opened > iterations / 3, $"only {opened} of {iterations} mutated files opened");
        Assert.True(problems.GetValueOrDefault(CaptureProblemKind.TruncatedRecord) > iterations / 20, "too few truncated records");
        Assert.True(problems.GetValueOrDefault(CaptureProblemKind.CorruptRecord) > iterations / 20, "too few corrupt records");
        Assert.True(packets > iterations, $"only {packets} packets read");
    }

    /// <summary>Reads to the end; every packet needs at least 16 bytes of input, so more reads than that is a loop.</summary>
    private static (int Count, long Allocated, CaptureProblem? Problem) Drain(IPacketSource reader, int inputLength)
    {
        long maxReads = inputLength / 16 + 1;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 0;
        long lastFrame = 0;
        while (true)
        {
            var r = reader.Read(out var frame);
            if (r == ReadResult.EndOfStream) break;
            Assert.Equal(ReadResult.Packet, r);
            Assert.True(frame.OriginalLength >= frame.Data.Length);
            Assert.Equal(lastFrame + 1, frame.FrameNumber);
            lastFrame = frame.FrameNumber;
            if (++count > maxReads) Assert.Fail($"more than {maxReads} packets from {inputLength} bytes");
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(ReadResult.EndOfStream, reader.Read(out _));
        return (count, allocated, reader.Problem);
    }

    private static byte[] Mutate(BuiltCapture source, Random rng)
    {
        var bytes = new List<byte>(source.Bytes);
        int mutations = 1 + rng.Next(3);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            switch (rng.Next(6))
            {
                case 0: // bit flips
                    for (int k = 1 + rng.Next(8); k > 0; k--) bytes[rng.Next(bytes.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1: // byte overwrites
                    for (int k = 1 + rng.Next(8); k > 0; k--) bytes[rng.Next(bytes.Count)] = (byte)rng.Next(256);
                    break;
                case 2:
                case 3: // a length field of some record or block
                    CorruptLength(bytes, source, rng);
                    break;
                case 4: // truncation
                    int keep = rng.Next(bytes.Count);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                default: // insertion of a block (or garbage) at a record boundary
                    var at = source.Pieces[rng.Next(source.Pieces.Count)].End;
                    bytes.InsertRange((int)Math.Min(at, bytes.Count), RandomBlock(rng));
                    break;
            }
        }

        return [.. bytes];
    }

    private static void CorruptLength(List<byte> bytes, BuiltCapture source, Random rng)
    {
        var piece = source.Pieces[1 + rng.Next(source.Pieces.Count - 1)];
        // pcap record: captured length at +8, wire length at +12; pcapng block: total length at +4 and at the end,
        // EPB captured length at +20.
        int[] offsets = [4, 8, 12, 20, (int)(piece.End - piece.Start - 4)];
        long at = piece.Start + offsets[rng.Next(offsets.Length)];
        if (at + 4 > bytes.Count) return;
        uint value = rng.Next(3) switch
        {
            0 => InterestingLengths[rng.Next(InterestingLengths.Length)],
            1 => (uint)(piece.End - piece.Start + rng.Next(-9, 10)),
            _ => (uint)rng.Next(),
        };
        Span<byte> v = stackalloc byte[4];
        if (rng.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(v, value); else BinaryPrimitives.WriteUInt32BigEndian(v, value);
        for (int k = 0; k < 4; k++) bytes[(int)at + k] = v[k];
    }

    private static byte[] RandomBlock(Random rng)
    {
        if (rng.Next(4) == 0)
        {
            var garbage = new byte[1 + rng.Next(64)];
            rng.NextBytes(garbage);
            return garbage;
        }

        uint[] types = [1, 2, 3, 5, 6, 0x0A0D0D0A, 0xBAD, (uint)rng.Next()];
        uint type = types[rng.Next(types.Length)];
        var body = new byte[rng.Next(0, 24) * 4];
        rng.NextBytes(body);
        if (type == 0x0A0D0D0A && body.Length >= 8)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(body, 0x1A2B3C4D);
            BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(4), 1);
        }

        uint total = (uint)(12 + body.Length);
        if (rng.Next(5) == 0) total = InterestingLengths[rng.Next(InterestingLengths.Length)];
        return new BodyBuilder(rng.Next(2) == 0).U32(type).U32(total).Bytes(body).U32(total).ToArray();
    }

    private static BuiltCapture SmallPcapng(bool bigEndian)
    {
        var b = new PcapngBuild(bigEndian);
        int a = b.Interface(Capture.LinkType.Raw, snapLength: 40, tsResol: 0x80 | 16);
        int c = b.InterfaceWithOffset(Capture.LinkType.Ethernet, 9, 1000);
        b.Enhanced(a, 1_000_000_000, CaptureFiles.RawSyn(0), snapLength: 40);
        b.EnhancedTicks(c, 5, CaptureFiles.EthernetSyn(1), 1000_000_000_005);
        b.Simple(CaptureFiles.RawSyn(2)[..40]);
        b.Block(0xBAD, new byte[8]);
        b.Obsolete(a, 65536, CaptureFiles.RawSyn(3)[..40], 1_000_000_000);
        return b.Build();
    }

    private static int ReadSetting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int v) && v > 0 ? v : fallback;
}
