using System.Net;

namespace IdsHalfOpen.TestKit.Scenarios;

public enum ProbeOutcome
{
    /// <summary>The target answers SYN-ACK; the prober resets (half-open).</summary>
    Open,
    /// <summary>The target answers RST-ACK.</summary>
    Closed,
    /// <summary>Nothing answers; the prober retransmits the SYN.</summary>
    Filtered,
}

public readonly record struct ScanProbe(IPAddress Target, ushort Port, ProbeOutcome Outcome);

/// <summary>Parameters of <see cref="SynScan.Flows"/>.</summary>
public sealed record SynScanOptions
{
    public ulong Seed { get; init; } = 3;
    public long StartNs { get; init; }
    public required IPAddress Scanner { get; init; }
    /// <summary>nmap keeps one source port for a whole scan.</summary>
    public ushort ScannerPort { get; init; } = 61000;
    public required IReadOnlyList<ScanProbe> Probes { get; init; }
    public long ProbeIntervalNs { get; init; } = 2 * Conversation.Millisecond;
    public long RttNs { get; init; } = 400_000;
    public long TargetDelayNs { get; init; } = 50_000;
    public int FilteredRetransmits { get; init; } = 1;
    public long RetransmitDelayNs { get; init; } = 1 * Conversation.Second;
    public byte ScannerTtl { get; init; } = 44;
    public int FirstFlowId { get; init; }
}

/// <summary>An nmap-style SYN scan: window 1024, MSS-only SYNs, one source port; open → SYN-ACK then scanner RST, closed → RST-ACK.</summary>
public static class SynScan
{
    public static IEnumerable<ScenarioPacket> Packets(SynScanOptions o) => ScenarioStream.MergeFlows(Flows(o));

    public static IEnumerable<TcpFlow> Flows(SynScanOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var rng = new DeterministicRandom(o.Seed);
        for (int i = 0; i < o.Probes.Count; i++)
        {
            var p = o.Probes[i];
            long t = o.StartNs + i * o.ProbeIntervalNs;
            var flow = new TcpFlow(o.FirstFlowId + i, o.Scanner, o.ScannerPort, p.Target, p.Port, rng.NextUInt32(), rng.NextUInt32())
            {
                ClientTtl = o.ScannerTtl,
                ClientWindow = 1024,
                ClientSynOptions = [2, 4, 0x05, 0xb4],
                ServerSynOptions = [2, 4, 0x05, 0xb4],
            };
            switch (p.Outcome)
            {
                case ProbeOutcome.Open: flow.AbortedByClient(t, o.RttNs, o.TargetDelayNs); break;
                case ProbeOutcome.Closed: flow.Refused(t, o.TargetDelayNs); break;
                default: flow.Unanswered(t, o.FilteredRetransmits, o.RetransmitDelayNs); break;
            }

            yield return flow;
        }
    }
}
