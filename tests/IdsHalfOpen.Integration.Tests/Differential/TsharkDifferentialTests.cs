using IdsHalfOpen.TestKit;
using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>
/// Our offline reader and decoder against tshark, on every sample capture and every shared real capture: one theory case
/// per capture, so a failure names the file. tshark runs over all captures in parallel the first time a case asks.
/// </summary>
public sealed class TsharkDifferentialTests(ITestOutputHelper output)
{
    public static TheoryData<string> AllCaptures
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var c in Captures.All()) data.Add(c);
            return data;
        }
    }

    [RequiresToolsTheory("tshark")]
    [MemberData(nameof(AllCaptures))]
    public async Task Decode_Capture_MatchesTsharkFrameByFrame(string capture)
    {
        ToolGuard.Require("tshark");
        var theirs = TsharkCache.Get(capture);
        var ours = OurDump.Run(capture, Captures.PathOf(capture));

        var report = Differential.Compare(await theirs, ours, Exclusions.For(capture));

        output.WriteLine(report.Describe());
        Assert.True(report.Mismatches.Count == 0, report.Describe());
    }

    [RequiresSharedPcapsFact]
    public void SharedPcaps_Folder_HoldsCaptures()
    {
        Assert.True(Directory.Exists(RepoPaths.SharedPcaps), RepoPaths.SharedPcaps + " is missing (required under CI=true)");
        Assert.NotEmpty(Captures.Shared());
    }

    [Fact]
    public void Exclusions_EveryEntry_NamesAKnownCaptureAndAReason()
    {
        var known = Captures.Samples().ToHashSet(StringComparer.Ordinal);
        foreach (var e in Exclusions.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Reason), e.Name + " has no reason");
            Assert.True(known.Contains(e.Capture) || e.Capture.StartsWith(Captures.SharedPrefix, StringComparison.Ordinal), e.Name + ": unknown capture " + e.Capture);
        }

        Assert.Equal(Exclusions.All.Count, Exclusions.All.Select(e => (e.Capture, e.Name)).Distinct().Count());
    }
}

/// <summary>Outside CI, skips when ../shared/pcaps is absent; under CI=true it always runs, so absence fails.</summary>
public sealed class RequiresSharedPcapsFactAttribute : FactAttribute
{
    public RequiresSharedPcapsFactAttribute()
    {
        if (!TestEnvironment.IsCi && !Directory.Exists(RepoPaths.SharedPcaps))
            Skip = RepoPaths.SharedPcaps + " not present (under CI=true this test fails instead)";
    }
}
