using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// The few libc calls live capture needs: libpcap on Linux never returns from a blocking read while no packet
/// arrives (its read timeout only bounds buffering), so <see cref="LivePacketSource"/> runs libpcap in non-blocking
/// mode and waits itself with poll(2) on the capture socket plus an eventfd that <see cref="LivePacketSource.BreakLoop"/> signals.
/// </summary>
internal static unsafe partial class LibcNative
{
    /// <summary>Resolved by <see cref="PcapLibrary"/>; "libc.so" itself is a linker script that dlopen cannot load.</summary>
    internal const string Library = "libc";

    internal const short PollIn = 0x001;
    internal const short PollErr = 0x008;
    internal const short PollHup = 0x010;
    internal const short PollNval = 0x020;
    internal const int Eintr = 4;
    internal const int EfdNonblock = 0x800;   // O_NONBLOCK
    internal const int EfdCloexec = 0x80000;  // O_CLOEXEC

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial int eventfd(uint initialValue, int flags);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint write(SafeFileHandle fd, void* buffer, nuint count);
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}
