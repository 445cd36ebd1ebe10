using System.Globalization;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;
using Xunit.Abstractions;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>Real captures made by other tools, checked frame by frame against tshark's reading of the same file.</summary>
public sealed class SharedPcapsTests(ITestOutputHelper output)
{
    [RequiresToolsFact("tshark")]
    public void Read_SharedCaptures_FramesMatchTshark()
    {
        ToolGuard.Require("tshark");
        var files = SharedCaptures();
        if (files is null) return;

        var failures = new List<string>();
        int total = 0;
        // tshark start-up dominates: run two at a time.
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = 2 }, file =>
        {
            var expected = TsharkFrames(file);
            List<FrameRecord> frames;
            CaptureProblem? problem;
            try
            {
                using var source = OfflineSource.Open(file);
                (frames, problem) = CaptureFiles.ReadAll(source);
            }
            catch (CaptureException e)
            {
                lock (failures) failures.Add($"{Path.GetFileName(file)}: {e.Message}");
                return;
            }

            string? mismatch = Compare(expected, frames);
            lock (failures)
            {
                total += frames.Count;
                if (problem is not null) failures.Add($"{Path.GetFileName(file)}: unexpected problem {problem}");
                if (mismatch is not null) failures.Add($"{Path.GetFileName(file)}: {mismatch}");
            }
        });

        output.WriteLine($"{files.Count} files, {total} frames");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void Open_SharedCapturesNamedPcapngButClassic_ReadWithoutProblems()
    {
        var files = SharedCaptures();
        if (files is null) return;
        // The README says the DOMINATE capture is classic pcap despite its name; nDPI's tcp_scan is too.
        var misnamed = files.Where(f => f.EndsWith(".pcapng", StringComparison.Ordinal)
            && File.ReadAllBytes(f).AsSpan(0, 4).SequenceEqual(new byte[] { 0xD4, 0xC3, 0xB2, 0xA1 })).ToList();
        Assert.NotEmpty(misnamed);

        foreach (var file in misnamed)
        {
            using var source = OfflineSource.Open(file);
            var (frames, problem) = CaptureFiles.ReadAll(source);
            Assert.Null(problem);
            Assert.NotEmpty(frames);
        }
    }

    /// <summary>The shared capture files, or null (test passes vacuously) when the folder is absent outside CI.</summary>
    private List<string>? SharedCaptures()
    {
        string dir = RepoPaths.SharedPcaps;
        if (!Directory.Exists(dir))
        {
            Assert.False(TestEnvironment.IsCi, $"shared captures folder {dir} is missing; under CI=true it must exist");
            output.WriteLine($"skipped: {dir} not found");
            return null;
        }

        var files = Directory.GetFiles(dir)
            .Where(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal) || f.EndsWith(".gz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);
        return files;
    }

    private static List<(long TimestampNs, int Length, int Captured)> TsharkFrames(string file)
    {
        var (_, stdout, stderr) = TestEnvironment.Run("tshark",
            ["-r", file, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"],
            TimeSpan.FromMinutes(2));
        var result = new List<(long, int, int)>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            if (f.Length < 4) throw new InvalidOperationException($"unexpected tshark output for {file}: '{line}' ({stderr})");
            result.Add((ParseEpoch(f[1]), int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary>tshark prints epoch time as seconds with nine decimals.</summary>
    private static long ParseEpoch(string text)
    {
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        long seconds = long.Parse(dot < 0 ? text : text[..dot], CultureInfo.InvariantCulture);
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        fraction = (fraction + "000000000")[..9];
        return seconds * 1_000_000_000 + long.Parse(fraction, CultureInfo.InvariantCulture);
    }

    private static string? Compare(List<(long TimestampNs, int Length, int Captured)> expected, List<FrameRecord> frames)
    {
        if (expected.Count != frames.Count) return $"tshark counts {expected.Count} frames, we read {frames.Count}";
        for (int i = 0; i < frames.Count; i++)
        {
            var (ts, len, cap) = expected[i];
            var f = frames[i];
            if (f.TimestampNs != ts || f.OriginalLength != len || f.Data.Length != cap || f.FrameNumber != i + 1)
            {
                return $"frame {i + 1}: tshark says time {ts} ns, {len} bytes on the wire, {cap} captured; we read {f.TimestampNs}, {f.OriginalLength}, {f.Data.Length} (#{f.FrameNumber})";
            }
        }

        return null;
    }
}
