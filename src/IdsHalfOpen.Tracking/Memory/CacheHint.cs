using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace IdsHalfOpen.Tracking.Memory;

/// <summary>Software prefetch for tables too big for any cache, shared by the tracker's and the engine's tables.</summary>
public static class CacheHint
{
    /// <summary>
    /// A hint to start loading the cache line of <paramref name="location"/>. A prefetch never faults, so it does not
    /// matter that the array may move (the hint is then merely wasted); elsewhere than x86 it does nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch<T>(ref T location)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }
}
