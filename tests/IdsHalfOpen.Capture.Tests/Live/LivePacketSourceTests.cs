using System.Diagnostics;
using IdsHalfOpen.Capture.Live;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Live;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>Opening, stopping and failing a real libpcap capture. Each test uses namespaces of its own (or only opens "lo").</summary>
public sealed class LivePacketSourceTests
{
    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_BadFilter_ThrowsBadFilterWithLibpcapText()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreateIsolated();
        const string filter = "tcp port 80 and (";

        var e = Assert.Throws<LiveCaptureException>(() => LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("lo") { Filter = filter })));

        Assert.Equal(LiveCaptureError.BadFilter, e.Error);
        Assert.Contains(filter, e.Message, StringComparison.Ordinal);
        Assert.Contains("can't parse filter expression: syntax error", e.Message, StringComparison.Ordinal); // libpcap's own words
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_ValidFilter_Succeeds()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreateIsolated();

        using var source = LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("lo") { Filter = "tcp[tcpflags] & tcp-syn != 0" }));

        Assert.Equal("lo", source.Name);
        Assert.Equal(LinkType.Ethernet, source.LinkType); // Linux loopback presents Ethernet headers
        Assert.True(source.NanosecondTimestamps);
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_NonexistentInterface_ThrowsNoSuchInterfaceListingAvailable()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreatePair();

        var e = Assert.Throws<LiveCaptureException>(() => LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("nosuchif0"))));

        Assert.Equal(LiveCaptureError.NoSuchInterface, e.Error);
        Assert.Contains("'nosuchif0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Available interfaces: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(LiveTestNetwork.ClientInterface, e.Message, StringComparison.Ordinal);
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void ListInterfaces_InNamespace_ReturnsItsInterfaces()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreatePair();

        var names = LinuxThread.InNetworkNamespace(net.ClientNs, LivePacketSource.ListInterfaces);

        Assert.Contains(LiveTestNetwork.ClientInterface, names);
        Assert.Contains("lo", names);
        Assert.DoesNotContain(LiveTestNetwork.ServerInterface, names);
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_InterfaceDown_ThrowsInterfaceDown()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreatePair();
        LiveTestNetwork.Ip("-n", net.ClientNs, "link", "set", LiveTestNetwork.ClientInterface, "down");

        var e = Assert.Throws<LiveCaptureException>(() =>
            LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new(LiveTestNetwork.ClientInterface))));

        Assert.Equal(LiveCaptureError.InterfaceDown, e.Error);
        Assert.Contains("ip link set dev vc up", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Real kernel refusal: the capture is opened on a thread whose effective and permitted sets lack CAP_NET_RAW and
    /// CAP_NET_ADMIN (capabilities are per thread on Linux), exactly what an unprivileged sensor process has.
    /// </summary>
    [RequiresToolsFact("lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_WithoutCapNetRaw_ThrowsPermissionDeniedNamingCapability()
    {
        ToolGuard.Require("lib:libpcap.so.0.8", "root");

        var (caps, error) = LinuxThread.WithoutCaptureCapabilities(() =>
        {
            uint effective = LinuxThread.EffectiveCapabilities();
            try
            {
                LivePacketSource.Open(new("lo")).Dispose();
                return (effective, (LiveCaptureException?)null);
            }
            catch (LiveCaptureException e)
            {
                return (effective, e);
            }
        });

        Assert.False(LinuxThread.HasCapNetRaw(caps));
        Assert.NotNull(error);
        Assert.Equal(LiveCaptureError.PermissionDenied, error.Error);
        Assert.Contains("CAP_NET_RAW", error.Message, StringComparison.Ordinal);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip", error.Message, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_RAW", error.Message, StringComparison.Ordinal);
        Assert.True(LinuxThread.HasCapNetRaw(LinuxThread.EffectiveCapabilities())); // the test thread kept its rights
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Read_NoTraffic_ReturnsTimeoutAfterReadTimeout()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreateIsolated();
        using var source = LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("lo") { ReadTimeoutMs = 100 }));

        var sw = Stopwatch.StartNew();
        var result = source.Read(out _);
        sw.Stop();

        Assert.Equal(ReadResult.Timeout, result);
        Assert.InRange(sw.ElapsedMilliseconds, 50, 2000);
        Assert.Null(source.Problem);
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void BreakLoop_FromAnotherThreadDuringUnlimitedWait_EndsReadWithEndOfStream()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreateIsolated();
        using var source = LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("lo") { ReadTimeoutMs = 0 }));
        var reader = Task.Factory.StartNew(() =>
        {
            var first = source.Read(out _);
            var second = source.Read(out _);
            return (first, second);
        }, TaskCreationOptions.LongRunning);

        Assert.False(reader.Wait(300)); // blocked: no packet, no timeout
        var sw = Stopwatch.StartNew();
        source.BreakLoop();
        Assert.True(reader.Wait(TimeSpan.FromSeconds(2)), "Read did not return after BreakLoop");
        sw.Stop();

        Assert.Equal((ReadResult.EndOfStream, ReadResult.EndOfStream), reader.Result);
        Assert.Null(source.Problem);
        Assert.True(sw.ElapsedMilliseconds < 1000, $"took {sw.ElapsedMilliseconds} ms");
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Dispose_CalledTwice_IsIdempotentAndLaterCallsAreSafe()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreateIsolated();
        var source = LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new("lo")));

        source.Dispose();
        source.Dispose();
        source.BreakLoop();

        Assert.Throws<ObjectDisposedException>(() => source.Read(out _));
        Assert.Throws<ObjectDisposedException>(() => source.GetStatistics());
    }

    [RequiresToolsFact("ip", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Read_InterfaceDeletedDuringCapture_EndsWithIoErrorProblem()
    {
        ToolGuard.Require("ip", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreatePair();
        using var source = LinuxThread.InNetworkNamespace(net.ClientNs, () => LivePacketSource.Open(new(LiveTestNetwork.ClientInterface) { ReadTimeoutMs = 100, Filter = "tcp" }));
        Assert.Equal(ReadResult.Timeout, source.Read(out _)); // the filter keeps out IPv6 neighbour discovery of the new link

        LiveTestNetwork.Ip("-n", net.ServerNs, "link", "del", LiveTestNetwork.ServerInterface); // takes the peer "vc" with it

        var deadline = Stopwatch.StartNew();
        ReadResult result;
        do result = source.Read(out _);
        while (result != ReadResult.EndOfStream && deadline.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(ReadResult.EndOfStream, result);
        Assert.NotNull(source.Problem);
        Assert.Equal(CaptureProblemKind.IoError, source.Problem.Kind);
        Assert.Equal(LiveTestNetwork.ClientInterface, source.Problem.Source);
        Assert.Equal(ReadResult.EndOfStream, source.Read(out _));
    }

    [Fact]
    public void Open_NegativeReadTimeout_ThrowsArgumentOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LivePacketSource.Open(new("lo") { ReadTimeoutMs = -1 }));
}
