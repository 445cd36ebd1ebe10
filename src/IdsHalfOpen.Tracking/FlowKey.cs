using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// A TCP 4-tuple in canonical order: the endpoint (address, port) that compares lower is <see cref="LowAddress"/>/<see cref="LowPort"/>.
/// Both directions of a connection therefore make the same key, reach the same shard and find the same table entry.
/// <see cref="Vlan"/> (outer id &lt;&lt; 12 | inner id) keeps apart the same tuple in different VLANs: separate networks,
/// possibly with overlapping addresses, seen on one trunk.
/// </summary>
/// <remarks>
/// The addresses are stored as 64-bit halves: a <see cref="UInt128"/> field would align the key to 16 bytes and pad it
/// from 40 to 48, and the tracker's table entry, which embeds the key, from 128 bytes (two cache lines) to 144.
/// </remarks>
public readonly record struct FlowKey
{
    private readonly ulong _lowUpper;
    private readonly ulong _lowLower;
    private readonly ulong _highUpper;
    private readonly ulong _highLower;

    public FlowKey(UInt128 lowAddress, UInt128 highAddress, ushort lowPort, ushort highPort, uint vlan = 0)
    {
        _lowUpper = (ulong)(lowAddress >> 64);
        _lowLower = (ulong)lowAddress;
        _highUpper = (ulong)(highAddress >> 64);
        _highLower = (ulong)highAddress;
        LowPort = lowPort;
        HighPort = highPort;
        Vlan = vlan;
    }

    public UInt128 LowAddress => new(_lowUpper, _lowLower);

    public UInt128 HighAddress => new(_highUpper, _highLower);

    public ushort LowPort { get; init; }

    public ushort HighPort { get; init; }

    public uint Vlan { get; init; }

    /// <summary>Field-by-field equality, without the generated comparer calls (the tracker's lookup compares keys).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool SameAs(in FlowKey other) =>
        _lowLower == other._lowLower && _highLower == other._highLower && _lowUpper == other._lowUpper && _highUpper == other._highUpper
        && LowPort == other.LowPort && HighPort == other.HighPort && Vlan == other.Vlan;

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
        h = Mix(h ^ _lowLower);
        h = Mix(h ^ _lowUpper);
        h = Mix(h ^ _highLower);
        h = Mix(h ^ _highUpper);
        h = Mix(h ^ ((ulong)LowPort << 16 | HighPort | (ulong)Vlan << 32));
        return h;
    }

    /// <summary>
    /// A cheaper seeded 32-bit mix, for placing the key in a hash table (the tracker's flow index computes one per packet).
    /// Three 64×64→128-bit multiplies folded (as in wyhash) instead of five rounds of <see cref="Mix"/> one after the
    /// other: the multiplies are independent, so the hash costs a few cycles of latency rather than fifty. With a secret
    /// seed an attacker still cannot choose keys that collide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint TableHash(ulong seed)
    {
        // Every operand is XORed with the secret seed: a known operand could be made zero, wiping out the other.
        ulong a = Fold(_lowLower ^ seed, _lowUpper ^ seed ^ 0xA0761D6478BD642FUL);
        ulong b = Fold(_highLower ^ seed ^ 0xE7037ED1A0B428DBUL, _highUpper ^ seed ^ 0x8EBC6AF09C88C6E3UL);
        ulong c = Fold(((ulong)LowPort << 48 | (ulong)HighPort << 32 | Vlan) ^ seed ^ 0x589965CC75374CC3UL, seed ^ 0x1D8E4E27C47D124FUL);
        ulong h = Fold(a ^ c ^ seed, b ^ seed ^ 0xA0761D6478BD642FUL);
        return (uint)(h ^ (h >> 32));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Fold(ulong x, ulong y)
    {
        ulong high = Math.BigMul(x, y, out ulong low);
        return high ^ low;
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
