using System.Diagnostics;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>Reads capture files one after another, decodes every frame and gathers the figures of a replay.</summary>
internal sealed class ReplayRunner
{
    private readonly PacketDecoder _decoder = new();

    public DecodeStatistics Statistics => _decoder.Statistics;

    public List<string> Problems { get; } = [];

    /// <summary>Replays one file. A file that cannot be opened throws <see cref="CaptureException"/> before any packet is read.</summary>
    public void Run(string path, CancellationToken cancellationToken)
    {
        using IPacketSource source = OfflineSource.Open(path);
        var decoder = _decoder;
        long n = 0;
        while (source.Read(out RawFrame frame) == ReadResult.Packet)
        {
            decoder.TryDecode(in frame, out _, out _);

            // Checking the token per packet costs more than the decode of a small frame; every 64K frames is plenty.
            if ((++n & 0xFFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        }

        if (source.Problem is { } problem) Problems.Add(problem.ToString());
    }

    public ReplaySummary Summarize(IEnumerable<string> files, TimeSpan elapsed)
    {
        var s = _decoder.Statistics;
        var summary = new ReplaySummary
        {
            Packets = s.Frames,
            Bytes = s.Bytes,
            TcpPackets = s.TcpSegments,
            Syn = s.Syn,
            Synack = s.SynAck,
            Rst = s.Rst,
            Fin = s.Fin,
            ElapsedS = Math.Round(elapsed.TotalSeconds, 6),
            Pps = elapsed.TotalSeconds > 0 ? Math.Round(s.Frames / elapsed.TotalSeconds, 1) : 0,
            Files = [.. files],
            Problems = Problems,
        };
        foreach (var e in Enum.GetValues<DecodeEvent>())
        {
            if (e != DecodeEvent.None && s[e] > 0) summary.DecodeEvents[e.ToString()] = s[e];
        }

        return summary;
    }

    public static Stopwatch StartClock() => Stopwatch.StartNew();
}
