using System.Net;

namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>Parameters of <see cref="CleanTraffic.Flows"/>.</summary>
public sealed record CleanTrafficOptions
{
    public ulong Seed { get; init; } = 1;
    public long StartNs { get; init; }
    /// <summary>Connection attempts, including the refused ones.</summary>
    public int Connections { get; init; } = 50;
    public required IReadOnlyList<IPAddress> Clients { get; init; }
    public required IReadOnlyList<IPEndPoint> Servers { get; init; }
    /// <summary>Mean time between connection starts; each gap is uniform in [0.2, 1.8] times this.</summary>
    public long MeanGapNs { get; init; } = 200 * Conversation.Millisecond;
    public long MinRttNs { get; init; } = 2 * Conversation.Millisecond;
    public long MaxRttNs { get; init; } = 40 * Conversation.Millisecond;
    /// <summary>Attempt i with i % N == N / 2 retransmits its SYN (once or twice, alternately) before the answer; 0: never.</summary>
    public int SynRetransmitEvery { get; init; }
    /// <summary>Attempt i with i % N == N / 2 goes to <see cref="RefusedPort"/> and is refused with RST-ACK; 0: never. Wins over a retransmission.</summary>
    public int RefusedEvery { get; init; }
    public ushort RefusedPort { get; init; } = 8443;
    /// <summary>IPv6 flows whose index i has i % N == 1 carry <see cref="Ipv6Extensions"/>; 0: none.</summary>
    public int Ipv6ExtensionsEvery { get; init; }
    public IReadOnlyList<byte> Ipv6Extensions { get; init; } = [0, 60];
    public int FirstFlowId { get; init; }
    public int MinRequestBytes { get; init; } = 40;
    public int MaxRequestBytes { get; init; } = 200;
    public int MinResponseBytes { get; init; } = 100;
    public int MaxResponseBytes { get; init; } = 600;
}

/// <summary>
/// Legitimate client/server traffic: clients pick a server at random and run a complete connection
/// (<see cref="Conversation.Complete"/>); some SYNs are retransmitted, some attempts refused. Lazy: a benchmark can ask
/// for millions of connections and memory stays bounded by the connections open at once.
/// </summary>
public static class CleanTraffic
{
    public static IEnumerable<ScenarioPacket> Packets(CleanTrafficOptions o) => ScenarioStream.MergeFlows(Flows(o));

    /// <summary>The connection attempts, in start order. Attempt i has flow id <c>FirstFlowId + i</c>.</summary>
    public static IEnumerable<TcpFlow> Flows(CleanTrafficOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var rng = new DeterministicRandom(o.Seed);
        var nextPort = new ushort[o.Clients.Count];
        for (int c = 0; c < nextPort.Length; c++) nextPort[c] = (ushort)rng.Next(32768, 50000);
        var clientsByFamily = Enumerable.Range(0, o.Clients.Count).GroupBy(c => o.Clients[c].AddressFamily).ToDictionary(g => g.Key, g => g.ToList());
        long t = o.StartNs;
        for (int i = 0; i < o.Connections; i++)
        {
            t += i == 0 ? 0 : rng.Next(o.MeanGapNs / 5, o.MeanGapNs * 9 / 5);
            var server = o.Servers[rng.Next(0, o.Servers.Count)];
            if (!clientsByFamily.TryGetValue(server.AddressFamily, out var sameFamily))
                throw new ArgumentException($"no client of the address family of server {server}", nameof(o));
            int ci = rng.Pick(sameFamily);
            var client = o.Clients[ci];
            ushort cport = nextPort[ci];
            nextPort[ci] = cport >= 60999 ? (ushort)32768 : (ushort)(cport + 1);
            bool refused = o.RefusedEvery > 0 && i % o.RefusedEvery == o.RefusedEvery / 2;
            int retransmits = !refused && o.SynRetransmitEvery > 0 && i % o.SynRetransmitEvery == o.SynRetransmitEvery / 2 ? (i / o.SynRetransmitEvery) % 2 + 1 : 0;
            uint tsval = rng.NextUInt32();
            var flow = new TcpFlow(o.FirstFlowId + i, client, cport, server.Address, refused ? o.RefusedPort : (ushort)server.Port, rng.NextUInt32(), rng.NextUInt32())
            {
                ClientTtl = ci % 3 == 2 ? (byte)128 : (byte)64,
                ClientSynOptions = IdsHalfOpen.TestKit.Packets.SynOptions(tsVal: tsval),
                ServerSynOptions = IdsHalfOpen.TestKit.Packets.SynOptions(tsVal: rng.NextUInt32(), tsEcr: tsval),
                Ipv6Extensions = o.Ipv6ExtensionsEvery > 0 && i % o.Ipv6ExtensionsEvery == 1 ? o.Ipv6Extensions : [],
            };
            long rtt = rng.Next(o.MinRttNs, o.MaxRttNs);
            long serverDelay = rng.Next(30_000, 120_000);
            if (refused)
            {
                flow.Refused(t, serverDelay);
            }
            else
            {
                var request = Conversation.Payload(rng.Next(o.MinRequestBytes, o.MaxRequestBytes + 1), i);
                var response = Conversation.Payload(rng.Next(o.MinResponseBytes, o.MaxResponseBytes + 1), i + 7);
                flow.Complete(t, rtt, request, response, serverDelay, retransmits);
            }

            yield return flow;
        }
    }
}
