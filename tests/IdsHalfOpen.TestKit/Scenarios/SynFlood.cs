using System.Net;

namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>Parameters of <see cref="SynFlood.Packets"/>.</summary>
public sealed record SynFloodOptions
{
    public ulong Seed { get; init; } = 2;
    public long StartNs { get; init; }
    public required IPAddress Victim { get; init; }
    public ushort VictimPort { get; init; } = 80;
    public int Syns { get; init; } = 3000;
    public long DurationNs { get; init; } = 3 * Conversation.Second;
    /// <summary>Spoofed sources are drawn from this prefix; up to 2^(host bits) SYNs all get distinct addresses.</summary>
    public required IPAddress SourcePrefix { get; init; }
    public int SourcePrefixLength { get; init; } = 15;
    public ushort SynWindow { get; init; } = 512;
    public Tf SynFlags { get; init; } = Tf.Syn;
    public byte MinTtl { get; init; } = 32;
    public byte MaxTtl { get; init; } = 255;
    /// <summary>Whether the victim answers each SYN with a SYN-ACK.</summary>
    public bool VictimAnswers { get; init; } = true;
    public long SynAckDelayNs { get; init; } = 40_000;
    /// <summary>Attempt i with i % N == 0 has its SYN-ACK retransmitted at each of <see cref="SynAckRetransmitOffsetsNs"/>; 0: never.</summary>
    public int SynAckRetransmitEvery { get; init; }
    public IReadOnlyList<long> SynAckRetransmitOffsetsNs { get; init; } = [1 * Conversation.Second, 3 * Conversation.Second];
    public int FirstFlowId { get; init; }
}

/// <summary>
/// A spoofed-source SYN flood at one victim port: random sources (distinct while the prefix allows), ports, ISNs and
/// TTLs, a fixed tool-like window and no options; the victim answers each with SYN-ACK (ack = ISN+1) and nobody ever
/// completes. Streaming and stateless: attempt i is recomputed from (seed, i), so benchmarks can ask for millions.
/// </summary>
public static class SynFlood
{
    public static IEnumerable<ScenarioPacket> Packets(SynFloodOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var streams = new List<IEnumerable<ScenarioPacket>> { Stream(o, 0, -1) };
        if (o.VictimAnswers)
        {
            streams.Add(Stream(o, 1, -1));
            if (o.SynAckRetransmitEvery > 0)
                for (int k = 0; k < o.SynAckRetransmitOffsetsNs.Count; k++) streams.Add(Stream(o, 1, k));
        }

        return ScenarioStream.Merge([.. streams]);
    }

    /// <summary>Time of attempt i's SYN: in its slot of the flood, jittered within the first half of the slot.</summary>
    public static long SynTime(SynFloodOptions o, int i)
    {
        ArgumentNullException.ThrowIfNull(o);
        long slot = Math.Max(1, o.DurationNs / Math.Max(1, o.Syns));
        return o.StartNs + i * slot + (long)(DeterministicRandom.Hash(o.Seed, i, 1) % (ulong)Math.Max(1, slot / 2));
    }

    /// <summary>The flow of attempt i (no packets yet); its parameters depend only on (seed, i).</summary>
    public static TcpFlow Attempt(SynFloodOptions o, int i)
    {
        ArgumentNullException.ThrowIfNull(o);
        ulong h = DeterministicRandom.Hash(o.Seed, i, 0);
        ulong h2 = DeterministicRandom.Hash(o.Seed, i, 2);
        int hostBits = Addressing.HostBits(o.SourcePrefix, o.SourcePrefixLength);
        int permBits = Math.Min(hostBits, 62);
        ulong host = DeterministicRandom.Permute((ulong)i, permBits, o.Seed);
        if (hostBits > permBits) host |= DeterministicRandom.Hash(o.Seed, i, 3) << permBits;
        var source = Addressing.InPrefix(o.SourcePrefix, o.SourcePrefixLength, host);
        return new TcpFlow(o.FirstFlowId + i, source, (ushort)(1024 + h % 64512), o.Victim, o.VictimPort, (uint)(h >> 32), (uint)h2)
        {
            ClientTtl = (byte)(o.MinTtl + (h2 >> 40) % (ulong)Math.Max(1, o.MaxTtl - o.MinTtl + 1)),
            ClientWindow = o.SynWindow,
            SynFlags = o.SynFlags,
            ClientSynOptions = null,
            ServerSynOptions = [2, 4, 0x05, 0xb4],
            ServerWindow = 64240,
        };
    }

    // kind 0: SYNs; kind 1: SYN-ACKs (retransmission k, or the first one when k < 0).
    private static IEnumerable<ScenarioPacket> Stream(SynFloodOptions o, int kind, int k)
    {
        long slot = Math.Max(1, o.DurationNs / Math.Max(1, o.Syns));
        for (int i = 0; i < o.Syns; i++)
        {
            if (k >= 0 && i % o.SynAckRetransmitEvery != 0) continue;
            var flow = Attempt(o, i);
            long t = SynTime(o, i);
            if (kind == 0)
            {
                flow.Syn(t);
            }
            else
            {
                t += o.SynAckDelayNs + (long)(DeterministicRandom.Hash(o.Seed, i, 4) % (ulong)Math.Max(1, slot / 2));
                if (k >= 0) t += o.SynAckRetransmitOffsetsNs[k];
                flow.SynAck(t);
            }

            yield return flow.Packets[0];
        }
    }
}
