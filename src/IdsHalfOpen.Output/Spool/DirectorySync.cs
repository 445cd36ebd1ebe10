using System.Runtime.InteropServices;
using System.Text;

namespace IdsHalfOpen.Output.Spool;

/// <summary>
/// fsync of a directory, so that a file created or renamed in it survives a power cut (POSIX makes the new name durable
/// only then). .NET refuses to open a directory as a file, hence the three libc calls. Windows (NTFS journals its
/// metadata and has no such call) and a libc we cannot bind are no-ops: a process crash needs none of this, only a
/// power cut does.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnlyFlags = 0; // O_RDONLY: enough to fsync a directory, identical on every Unix.
    private const int InvalidArgument = 22; // EINVAL: the file system cannot sync directories (some FUSE, tmpfs variants).

    private static volatile bool s_unavailable = !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD());

    /// <summary>The NUL-terminated UTF-8 path the native call wants; computed once per spool.</summary>
    public static byte[] NativePath(string directory) => Encoding.UTF8.GetBytes(directory + "\0");

    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void Flush(string directory, byte[] nativePath)
    {
        if (s_unavailable) return;
        int fd;
        try
        {
            fd = NativeOpen(nativePath, ReadOnlyFlags);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            s_unavailable = true;
            return;
        }

        if (fd < 0)
            throw new IOException($"Cannot open spool directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (NativeFsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != InvalidArgument)
                    throw new IOException($"Cannot sync spool directory '{directory}' (errno {errno}).");
            }
        }
        finally
        {
            _ = NativeClose(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeOpen(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeFsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeClose(int fd);
}
