using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>
/// samples-pcap/bad/: our reader must deliver exactly the frames tshark delivers before the damage (and the same
/// frames), then end with the problem the file was built to have.
/// </summary>
public sealed class DamagedCaptureTests
{
    public static TheoryData<string, CaptureProblemKind> Damaged => new()
    {
        { "bad/truncated-record.pcap", CaptureProblemKind.TruncatedRecord },
        { "bad/corrupt-record-length.pcap", CaptureProblemKind.CorruptRecord },
        { "bad/truncated-block.pcapng", CaptureProblemKind.TruncatedRecord },
        { "bad/corrupt-block-length.pcapng", CaptureProblemKind.CorruptRecord },
    };

    [RequiresToolsTheory("tshark")]
    [MemberData(nameof(Damaged))]
    public void Read_DamagedCapture_DeliversTsharksFramesThenReportsTheProblem(string file, CaptureProblemKind kind)
    {
        ToolGuard.Require("tshark");
        string path = Path.Combine(RepoPaths.Samples, file);
        var theirs = TsharkDump.Run(Captures.SamplesPrefix + file, path);
        var ours = OurDump.Run(Captures.SamplesPrefix + file, path);

        Assert.NotEqual(0, theirs.ExitCode);
        Assert.NotEmpty(theirs.Frames);
        var report = Differential.Compare(theirs, ours, [], damagedFile: true);
        Assert.True(report.Mismatches.Count == 0, report.Describe());
        Assert.NotNull(ours.Problem);
        Assert.Equal(kind, ours.Problem.Kind);
    }

    [RequiresToolsFact("tshark")]
    public void Open_CorruptFileHeader_ThrowsLikeTsharkRefusesIt()
    {
        ToolGuard.Require("tshark");
        string path = Path.Combine(RepoPaths.Samples, "bad", "corrupt-header.pcap");

        var theirs = TsharkDump.Run(Captures.SamplesPrefix + "bad/corrupt-header.pcap", path);

        Assert.NotEqual(0, theirs.ExitCode);
        Assert.Empty(theirs.Frames);
        Assert.Throws<CaptureException>(() =>
        {
            using var s = OfflineSource.Open(path);
            s.Read(out _);
        });
    }
}
