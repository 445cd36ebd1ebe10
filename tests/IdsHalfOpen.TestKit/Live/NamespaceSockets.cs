using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.TestKit.Live;

/// <summary>
/// Sockets of another network namespace, opened from the test process: a fresh thread enters the namespace (setns acts on
/// the calling thread only) and creates the socket, which stays bound to that namespace afterwards, and the thread ends.
/// So the test can reach, say, 127.0.0.1:9464 inside a lab namespace in a millisecond, without spawning a process.
/// </summary>
public static partial class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A TCP socket created inside the named namespace (as made by <c>ip netns add</c>).</summary>
    public static Socket CreateTcp(string netnsName, AddressFamily family = AddressFamily.InterNetwork)
    {
        Socket? socket = null;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle("/run/netns/" + netnsName);
                if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    throw new InvalidOperationException($"setns({netnsName}) failed: errno {Marshal.GetLastPInvokeError()}");
                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        thread.Join();
        error?.Throw();
        return socket!;
    }

    /// <summary>An HTTP client whose every connection is made from inside the namespace (no proxy, short timeout).</summary>
    public static HttpClient HttpClient(string netnsName, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, ct) =>
            {
                var s = CreateTcp(netnsName);
                try
                {
                    var ip = IPAddress.Parse(context.DnsEndPoint.Host);
                    await s.ConnectAsync(new IPEndPoint(ip, context.DnsEndPoint.Port), ct).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler, disposeHandler: true) { Timeout = timeout ?? TimeSpan.FromSeconds(5) };
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
