namespace IdsHalfOpen.Detection.Tests.Sketches;

/// <summary>Deterministic inputs for the sketch tests.</summary>
internal static class SketchTestData
{
    private static readonly UInt128 V4MappedPrefix = (UInt128)0xFFFF << 32;

    /// <summary>::ffff:a.b.c.d for a 32-bit address.</summary>
    public static UInt128 V4(uint address) => V4MappedPrefix | address;

    /// <summary>A random 128-bit value (distinct from any other with overwhelming probability).</summary>
    public static UInt128 Random128(Random random) => new((ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63));

    /// <summary>
    /// <paramref name="count"/> distinct addresses: sequential IPv4 from 10.0.0.0 when <paramref name="sequential"/>,
    /// otherwise random IPv6 in 2001:db8::/32 plus a unique counter (distinct by construction).
    /// </summary>
    public static UInt128[] DistinctAddresses(int count, bool sequential, int seed)
    {
        var values = new UInt128[count];
        var random = new Random(seed);
        var prefix = (UInt128)0x20010DB8UL << 96;
        for (var i = 0; i < count; i++)
        {
            values[i] = sequential
                ? V4(0x0A000000u + (uint)i)
                : prefix | ((UInt128)(ulong)random.NextInt64() << 32) | (uint)i;
        }

        return values;
    }

    /// <summary>Sampler of ranks 0..n-1 with probability proportional to 1/(rank+1)^exponent.</summary>
    public sealed class Zipf
    {
        private readonly double[] _cumulative;
        private readonly Random _random;

        public Zipf(int n, double exponent, Random random)
        {
            _random = random;
            _cumulative = new double[n];
            double sum = 0;
            for (var i = 0; i < n; i++)
            {
                sum += 1 / Math.Pow(i + 1, exponent);
                _cumulative[i] = sum;
            }

            for (var i = 0; i < n; i++)
            {
                _cumulative[i] /= sum;
            }
        }

        public int Next()
        {
            var u = _random.NextDouble();
            var index = Array.BinarySearch(_cumulative, u);
            return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
        }
    }
}
