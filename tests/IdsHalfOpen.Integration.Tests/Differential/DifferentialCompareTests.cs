using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>The comparison itself catches differences: tshark's dump of a sample, altered in one place at a time.</summary>
public sealed class DifferentialCompareTests
{
    private const string Capture = Captures.SamplesPrefix + "handshakes-clean.pcap";

    [RequiresToolsFact("tshark")]
    public async Task Compare_UnalteredDump_FindsNoDifference()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();

        var report = Differential.Compare(theirs, ours, []);

        Assert.True(report.Mismatches.Count == 0, report.Describe());
        Assert.Equal(new TcpCounts(458, 458, 57, 50, 1, 100), report.Expected);
    }

    [RequiresToolsFact("tshark")]
    public async Task Compare_AckNumberAltered_ReportsThatFrameAndField()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();
        var frames = theirs.Frames.ToList();
        frames[2] = frames[2] with { AckRaw = [(uint.Parse(frames[2].AckRaw[0], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)] };

        var report = Differential.Compare(theirs with { Frames = frames }, ours, []);

        var m = Assert.Single(report.Mismatches);
        Assert.StartsWith("frame 3 ", m, StringComparison.Ordinal);
        Assert.Contains("ack tshark", m, StringComparison.Ordinal);
    }

    [RequiresToolsFact("tshark")]
    public async Task Compare_TsharkSeesNoTcp_ReportsOurExtraSegmentAndCounts()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();
        var frames = theirs.Frames.ToList();
        frames[0] = frames[0] with { Protocols = ["eth", "ethertype", "ip", "data"] };

        var report = Differential.Compare(theirs with { Frames = frames }, ours, []);

        Assert.Contains(report.Mismatches, m => m.StartsWith("frame 1 ", StringComparison.Ordinal) && m.Contains("tshark has no TCP segment", StringComparison.Ordinal));
        Assert.Contains(report.Mismatches, m => m.StartsWith("counts:", StringComparison.Ordinal));
    }

    [RequiresToolsFact("tshark")]
    public async Task Compare_VlanAndTimestampAltered_ReportsBoth()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();
        var frames = theirs.Frames.ToList();
        frames[4] = frames[4] with { Protocols = ["eth", "ethertype", "vlan", "ethertype", "ip", "tcp"], VlanIds = ["7"], TimestampNs = frames[4].TimestampNs + 1000 };

        var report = Differential.Compare(theirs with { Frames = frames }, ours, []);

        Assert.Equal(2, report.Mismatches.Count);
        Assert.Contains(report.Mismatches, m => m.Contains("VLANs tshark (7, 0), ours (0, 0)", StringComparison.Ordinal));
        Assert.Contains(report.Mismatches, m => m.Contains("timestamp", StringComparison.Ordinal));
    }

    [RequiresToolsFact("tshark")]
    public async Task Compare_ExclusionMatchingNothing_IsReported()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();
        var stale = new Exclusion("stale", Capture, ExclusionKind.OursMayBeMissing, f => f.Number == 99_999, "matches no frame");

        var report = Differential.Compare(theirs, ours, [stale]);

        Assert.Contains(report.Mismatches, m => m.Contains("'stale' matched no frame", StringComparison.Ordinal));
    }

    [RequiresToolsFact("tshark")]
    public async Task Compare_FrameMissingFromOurs_ReportsFrameCount()
    {
        ToolGuard.Require("tshark");
        var (theirs, ours) = await Load();

        var report = Differential.Compare(theirs, ours with { Frames = ours.Frames.Take(ours.Frames.Count - 1).ToList() }, []);

        Assert.Contains(report.Mismatches, m => m.StartsWith("frame count: tshark 458, ours 457", StringComparison.Ordinal));
    }

    private static async Task<(TsharkDump Theirs, OurDump Ours)> Load() =>
        (await TsharkCache.Get(Capture), OurDump.Run(Capture, Captures.PathOf(Capture)));
}
