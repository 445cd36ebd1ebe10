using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>
/// Runs code on a fresh OS thread whose network namespace or capabilities differ from the rest of the test process.
/// On Linux both are per thread (setns(CLONE_NEWNET) and capset act on the calling thread only), and the thread ends
/// afterwards, so nothing leaks into the test runner. A packet socket opened on such a thread stays bound to that
/// namespace and may be used from any thread later.
/// </summary>
internal static unsafe partial class LinuxThread
{
    private const int CloneNewNet = 0x40000000;
    private const uint CapabilityVersion3 = 0x20080522;
    private const int CapNetAdmin = 12;
    private const int CapNetRaw = 13;

    /// <summary>Runs <paramref name="body"/> inside the named namespace (as created by "ip netns add").</summary>
    public static T InNetworkNamespace<T>(string netnsName, Func<T> body) => OnFreshThread(() =>
    {
        using var ns = File.OpenHandle("/run/netns/" + netnsName);
        if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
            throw new InvalidOperationException($"setns({netnsName}) failed: errno {Marshal.GetLastPInvokeError()}");
        return body();
    });

    /// <summary>Runs <paramref name="body"/> with CAP_NET_RAW and CAP_NET_ADMIN removed from the thread's effective and permitted sets.</summary>
    public static T WithoutCaptureCapabilities<T>(Func<T> body) => OnFreshThread(() =>
    {
        var header = new CapHeader { Version = CapabilityVersion3, Pid = 0 };
        var data = stackalloc CapData[2];
        if (capget(&header, data) != 0)
            throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        const uint drop = (1u << CapNetRaw) | (1u << CapNetAdmin);
        data[0].Effective &= ~drop;
        data[0].Permitted &= ~drop;
        data[0].Inheritable &= ~drop;
        if (capset(&header, data) != 0)
            throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
        return body();
    });

    /// <summary>The thread's effective capability bits 0-31, to show the drop took.</summary>
    public static uint EffectiveCapabilities()
    {
        var header = new CapHeader { Version = CapabilityVersion3, Pid = 0 };
        var data = stackalloc CapData[2];
        return capget(&header, data) == 0 ? data[0].Effective : throw new InvalidOperationException("capget failed");
    }

    public static bool HasCapNetRaw(uint effective) => (effective & (1u << CapNetRaw)) != 0;

    private static T OnFreshThread<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        });
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int capget(CapHeader* header, CapData* data);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int capset(CapHeader* header, CapData* data);
}
