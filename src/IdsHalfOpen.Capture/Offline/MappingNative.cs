using System.Runtime.InteropServices;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>madvise for the mapped capture windows (Linux only; callers check the platform).</summary>
internal static unsafe partial class MappingNative
{
    // The plain soname: the live capture's resolver only answers for its own library names.
    private const string Library = "libc.so.6";

    /// <summary>Linux 5.14+: fill the page tables of a range in one call; older kernels answer EINVAL, which is harmless.</summary>
    internal const int MadvPopulateRead = 22;

    [LibraryImport(Library)]
    internal static partial int madvise(void* address, nuint length, int advice);
}
