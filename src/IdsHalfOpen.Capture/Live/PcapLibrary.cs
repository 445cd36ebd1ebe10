using System.Reflection;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// Finds libpcap at run time. Debian's runtime package (libpcap0.8) installs only <c>libpcap.so.0.8</c>; the
/// unversioned <c>libpcap.so</c> comes with the -dev package, so a plain DllImport("pcap") would fail on a sensor
/// that has just the runtime. Other distributions use <c>libpcap.so.1</c>.
/// </summary>
internal static class PcapLibrary
{
    internal static readonly string[] Candidates = ["libpcap.so.0.8", "libpcap.so.1", "libpcap.so"];

    internal const string MissingMessage = "libpcap is not installed: install the Debian package libpcap0.8 (apt-get install libpcap0.8)";

    private static readonly Lock s_lock = new();
    private static nint s_handle;
    private static nint s_libc;

    /// <summary>Loads libpcap (and libc) once and routes the imports to them; throws <see cref="LiveCaptureError.LibraryMissing"/> when absent.</summary>
    internal static void EnsureLoaded()
    {
        lock (s_lock)
        {
            if (s_handle != 0) return;
            s_handle = Load(Candidates);
            // glibc's runtime soname; musl would need "libc.so" here, Debian has glibc.
            s_libc = NativeLibrary.Load("libc.so.6");
            // One resolver per assembly is all .NET allows; only live capture uses native code in this assembly.
            NativeLibrary.SetDllImportResolver(typeof(PcapLibrary).Assembly, Resolve);
        }
    }

    /// <summary>Loads the first candidate that exists.</summary>
    internal static nint Load(IEnumerable<string> candidates)
    {
        var tried = new List<string>();
        foreach (string name in candidates)
        {
            if (NativeLibrary.TryLoad(name, out nint handle)) return handle;
            tried.Add(name);
        }

        throw new LiveCaptureException(LiveCaptureError.LibraryMissing, $"{MissingMessage}; tried {string.Join(", ", tried)}");
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) => libraryName switch
    {
        PcapNative.Library => s_handle,
        LibcNative.Library => s_libc,
        _ => 0,
    };
}
