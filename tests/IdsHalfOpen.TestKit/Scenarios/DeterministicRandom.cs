namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>
/// SplitMix64: a tiny, fully specified generator, so scenarios produce the same bytes on every runtime and platform
/// (System.Random's algorithm is an implementation detail). <see cref="Hash"/> gives random-access values so a
/// streaming generator can recompute the attributes of its i-th packet without keeping state.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [minInclusive, maxExclusive).</summary>
    public long Next(long minInclusive, long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxExclusive, minInclusive);
        return minInclusive + (long)(NextUInt64() % (ulong)(maxExclusive - minInclusive));
    }

    public int Next(int minInclusive, int maxExclusive) => (int)Next((long)minInclusive, maxExclusive);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];

    /// <summary>A stateless 64-bit hash of (seed, index, stream): the same inputs always give the same value.</summary>
    public static ulong Hash(ulong seed, long index, int stream = 0) =>
        Mix(seed ^ Mix((ulong)index * 0x9E3779B97F4A7C15UL + (ulong)(uint)stream * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// A bijection on the low <paramref name="bits"/> bits (1..62): distinct inputs below 2^bits give distinct outputs,
    /// which still look scattered. Used to pick distinct spoofed host addresses.
    /// </summary>
    public static ulong Permute(ulong value, int bits, ulong seed)
    {
        if (bits is < 1 or > 62) throw new ArgumentOutOfRangeException(nameof(bits));
        ulong mask = (1UL << bits) - 1;
        ulong x = value & mask;
        int shift = Math.Max(1, bits / 2 + 1);
        for (int round = 0; round < 3; round++)
        {
            ulong k = Mix(seed + (ulong)round);
            x = (x * (k | 1)) & mask;
            x = (x + (k >> 17)) & mask;
            x ^= x >> shift;
        }

        return x;
    }
}
