using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>Every shared capture replays cleanly, and the outputs do not depend on the shard count.</summary>
public class AllCapturesReplayTests(ITestOutputHelper output)
{
    /// <summary>
    /// Captures allowed to end with exit code 3 (damaged input: a truncated or corrupt record after which the rest of the
    /// file is lost), each with the reason. None of the shared captures is damaged today.
    /// </summary>
    private static readonly Dictionary<string, string> s_damaged = new(StringComparer.Ordinal);

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var c in SharedCaptures.AllCaptureNames()) data.Add(c);
        return data;
    }

    [SharedCapturesTheory]
    [MemberData(nameof(Captures))]
    public void Replay_SharedCapture_ExitsCleanlyAndOneOrFourShardsWriteIdenticalOutputs(string capture)
    {
        Assert.False(capture == SharedCaptures.Missing, $"shared captures not found at {SharedCaptures.Folder}");
        var one = OracleReplay.Run(capture, shards: 1);
        var four = OracleReplay.Run(capture, shards: 4);
        output.WriteLine($"{capture}: exit {one.ExitCode}, {one.Connections.Count} connection record(s), {one.Alerts.Count} alert event(s)");

        int expectedExit = 0;
        if (s_damaged.TryGetValue(capture, out var reason))
        {
            expectedExit = 3;
            output.WriteLine("damaged input expected: " + reason);
        }

        Assert.True(one.ExitCode == expectedExit, $"--shards 1 exit code {one.ExitCode}, expected {expectedExit}: {one.StdErr}");
        Assert.True(four.ExitCode == expectedExit, $"--shards 4 exit code {four.ExitCode}, expected {expectedExit}: {four.StdErr}");
        Assert.True(one.Attempts >= 0, "no --stats-json written");
        Assert.Equal(one.ConnLogText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, one.Connections.Count);
        Assert.True(one.ConnLogText == four.ConnLogText, $"--conn-log differs between --shards 1 and 4 ({one.Connections.Count} vs {four.Connections.Count} records)");
        Assert.True(one.AlertsText == four.AlertsText, $"--alerts differs between --shards 1 and 4 ({one.Alerts.Count} vs {four.Alerts.Count} events)");
    }
}
