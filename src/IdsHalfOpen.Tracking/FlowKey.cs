using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// A TCP 4-tuple in canonical order: the endpoint (address, port) that compares lower is <see cref="LowAddress"/>/<see cref="LowPort"/>.
/// Both directions of a connection therefore make the same key, reach the same shard and find the same table entry.
/// <see cref="Vlan"/> (outer id &lt;&lt; 12 | inner id) keeps apart the same tuple in different VLANs: separate networks,
/// possibly with overlapping addresses, seen on one trunk.
/// </summary>
public readonly record struct FlowKey(UInt128 LowAddress, UInt128 HighAddress, ushort LowPort, ushort HighPort, uint Vlan = 0)
{
    /// <summary>The canonical key of a decoded packet, VLAN ids included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowKey Create(in IdsHalfOpen.Decoding.TcpPacket p, out bool sourceIsLow)
    {
        var key = Create(p.Source, p.SourcePort, p.Destination, p.DestinationPort, out sourceIsLow);
        return key with { Vlan = (uint)(p.OuterVlan & 0xFFF) << 12 | (uint)(p.InnerVlan & 0xFFF) };
    }

    /// <summary>Builds the canonical key; <paramref name="sourceIsLow"/> tells which direction the packet went.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowKey Create(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, out bool sourceIsLow)
    {
        sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort);
        return sourceIsLow
            ? new FlowKey(source, destination, sourcePort, destinationPort)
            : new FlowKey(destination, source, destinationPort, sourcePort);
    }

    /// <summary>
    /// A seeded 64-bit mix of the canonical tuple. Seeded so that an attacker who knows the code cannot aim a flood at one
    /// shard or one hash chain; the seed is fixed per run (not per process start) so replays stay reproducible.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(ulong seed)
    {
        ulong h = seed ^ 0x9E3779B97F4A7C15UL;
        h = Mix(h ^ (ulong)LowAddress);
        h = Mix(h ^ (ulong)(LowAddress >> 64));
        h = Mix(h ^ (ulong)HighAddress);
        h = Mix(h ^ (ulong)(HighAddress >> 64));
        h = Mix(h ^ ((ulong)LowPort << 16 | HighPort | (ulong)Vlan << 32));
        return h;
    }

    /// <summary>Which of <paramref name="shards"/> owns this flow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Shard(ulong seed, int shards) => (int)(Hash(seed) % (ulong)shards);

    // The 64-bit finaliser of MurmurHash3 (fmix64): full avalanche, cheap.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }
}
