using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Fixed-seed 64-bit hashing for the sketches. Never randomised (unlike <see cref="HashCode"/> and
/// <c>UInt128.GetHashCode</c>), so the same input gives the same estimates on every run and every machine.
/// </summary>
public static class SketchHash
{
    // Arbitrary odd constants; changing them changes every estimate, so they are part of the output contract.
    private const ulong SeedLow = 0x5851F42D4C957F2DUL;
    private const ulong SeedHigh = 0x2545F4914F6CDD1DUL;

    /// <summary>
    /// Hashes a 128-bit value (an IP address). For a fixed upper half the map is a bijection of the lower half,
    /// so distinct IPv4-mapped addresses never collide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(UInt128 value)
    {
        var low = (ulong)value;
        var high = (ulong)(value >> 64);
        return Mix(low ^ Mix(high ^ SeedHigh) ^ SeedLow);
    }

    /// <summary>Hashes a 64-bit value; a bijection.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ulong value) => Mix(value ^ SeedLow);

    /// <summary>
    /// A 64-bit finaliser (xor-shift / multiply rounds, the constants of Stafford's "mix13" variant): a bijection
    /// with full avalanche, so sequential inputs such as consecutive addresses spread over all output bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }
}
