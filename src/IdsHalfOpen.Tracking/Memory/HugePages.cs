using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Tracking.Memory;

/// <summary>
/// Asks Linux to back a large array with transparent huge pages (2 MiB) where the system leaves that to the program
/// (<c>/sys/kernel/mm/transparent_hugepage/enabled</c> = <c>madvise</c>, Debian's default). The tracker's slab and
/// index are hundreds of megabytes read at random: with 4 KiB pages nearly every lookup missed the TLB as well as the
/// cache, and first-touching them took one page fault per 4 KiB. Advice only: where it is refused, unknown, or not
/// Linux, nothing changes.
/// </summary>
public static partial class HugePages
{
    private const int MadvHugePage = 14;
    private const long HugePageBytes = 2L << 20;

    /// <summary>Arrays smaller than this gain little and are not worth a system call.</summary>
    public const long MinBytes = 8L << 20;

    /// <summary>
    /// Advises the whole 2 MiB pages inside <paramref name="array"/>'s data. The array must not move: the caller keeps it
    /// in the large object heap (above 85 000 bytes), which the collector does not compact unless told to.
    /// </summary>
    public static unsafe bool Advise<T>(T[] array)
        where T : struct
    {
        long bytes = (long)array.Length * Unsafe.SizeOf<T>();
        if (bytes < MinBytes || !OperatingSystem.IsLinux()) return false;
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nint first = (nint)(((long)start + HugePageBytes - 1) & ~(HugePageBytes - 1));
        nint end = (nint)(((long)start + bytes) & ~(HugePageBytes - 1));
        if (end <= first) return false;
        try
        {
            return Madvise(first, (nuint)(end - first), MadvHugePage) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>A zeroed array, advised before it is zeroed: the first touch of each 2 MiB page then makes a huge page.</summary>
    public static T[] AllocateCleared<T>(int length)
        where T : struct
    {
        if ((long)length * Unsafe.SizeOf<T>() < MinBytes) return new T[length];
        var array = GC.AllocateUninitializedArray<T>(length);
        Advise(array);
        Array.Clear(array);
        return array;
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
