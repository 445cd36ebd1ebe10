using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>Floor/ceiling division of packet times (which may be negative in tests) into bucket numbers.</summary>
internal static class TimeBuckets
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FloorDiv(long time, long width)
    {
        var quotient = Math.DivRem(time, width, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long CeilDiv(long time, long width)
    {
        var quotient = Math.DivRem(time, width, out var remainder);
        return remainder > 0 ? quotient + 1 : quotient;
    }
}
