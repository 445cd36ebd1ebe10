using System.Net;

namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>Parameters of <see cref="HealthMonitor.Flows"/>.</summary>
public sealed record HealthMonitorOptions
{
    public ulong Seed { get; init; } = 4;
    public long StartNs { get; init; }
    /// <summary>The load balancer's self-IP the probes come from.</summary>
    public required IPAddress Monitor { get; init; }
    public required IReadOnlyList<IPEndPoint> Members { get; init; }
    public long IntervalNs { get; init; } = 5 * Conversation.Second;
    public int Rounds { get; init; } = 24;
    /// <summary>Members are probed this far apart within a round.</summary>
    public long MemberSpacingNs { get; init; } = 1 * Conversation.Millisecond;
    public long RttNs { get; init; } = 250_000;
    public ushort FirstSourcePort { get; init; } = 40000;
    public byte MonitorTtl { get; init; } = 255;
    /// <summary>Outcome of the probe of member m in round r (default: always up, <see cref="ProbeOutcome.Open"/>).</summary>
    public Func<int, int, ProbeOutcome>? Outcome { get; init; }
    public int FirstFlowId { get; init; }
}

/// <summary>
/// An F5-style <c>tcp_half_open</c> monitor: every interval the self-IP sends each pool member a SYN, gets a SYN-ACK and
/// answers RST, never completing. A member that is down answers RST-ACK (or nothing).
/// </summary>
public static class HealthMonitor
{
    public static IEnumerable<ScenarioPacket> Packets(HealthMonitorOptions o) => ScenarioStream.MergeFlows(Flows(o));

    public static IEnumerable<TcpFlow> Flows(HealthMonitorOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var rng = new DeterministicRandom(o.Seed);
        ushort port = o.FirstSourcePort;
        int id = o.FirstFlowId;
        for (int r = 0; r < o.Rounds; r++)
        {
            for (int m = 0; m < o.Members.Count; m++)
            {
                long t = o.StartNs + r * o.IntervalNs + m * o.MemberSpacingNs + rng.Next(0, 200_000);
                var member = o.Members[m];
                uint tsval = rng.NextUInt32();
                var flow = new TcpFlow(id++, o.Monitor, port, member.Address, (ushort)member.Port, rng.NextUInt32(), rng.NextUInt32())
                {
                    ClientTtl = o.MonitorTtl,
                    ClientSynOptions = IdsHalfOpen.TestKit.Packets.SynOptions(tsVal: tsval),
                    ServerSynOptions = IdsHalfOpen.TestKit.Packets.SynOptions(tsVal: rng.NextUInt32(), tsEcr: tsval),
                };
                port = port == ushort.MaxValue ? (ushort)1024 : (ushort)(port + 1);
                switch (o.Outcome?.Invoke(r, m) ?? ProbeOutcome.Open)
                {
                    case ProbeOutcome.Open: flow.AbortedByClient(t, o.RttNs, 40_000); break;
                    case ProbeOutcome.Closed: flow.Refused(t, 40_000); break;
                    default: flow.Unanswered(t, 0, 0); break;
                }

                yield return flow;
            }
        }
    }
}
