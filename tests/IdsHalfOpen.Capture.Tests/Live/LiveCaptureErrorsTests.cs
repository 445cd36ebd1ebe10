using IdsHalfOpen.Capture.Live;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>The mapping from libpcap status codes to operator-facing errors, without needing libpcap or root.</summary>
public sealed class LiveCaptureErrorsTests
{
    private static IReadOnlyList<string> Interfaces() => ["eth0", "lo", "any"];

    [Theory]
    [InlineData(-8)]  // PCAP_ERROR_PERM_DENIED
    [InlineData(-11)] // PCAP_ERROR_PROMISC_PERM_DENIED
    public void FromActivateStatus_PermissionCodes_PermissionDeniedWithHowToGrant(int status)
    {
        var e = LiveCaptureErrors.FromActivateStatus(status, "eth0", "socket: Operation not permitted", Interfaces);

        Assert.Equal(LiveCaptureError.PermissionDenied, e.Error);
        Assert.Contains("socket: Operation not permitted", e.Message, StringComparison.Ordinal);
        Assert.Contains("CAP_NET_RAW", e.Message, StringComparison.Ordinal);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip", e.Message, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities=CAP_NET_RAW", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromActivateStatus_NoSuchDevice_ListsAvailableInterfaces()
    {
        var e = LiveCaptureErrors.FromActivateStatus(-5, "eht0", "No such device exists", Interfaces);

        Assert.Equal(LiveCaptureError.NoSuchInterface, e.Error);
        Assert.Contains("'eht0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Available interfaces: eth0, lo, any.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromActivateStatus_NoSuchDeviceAndListingFails_SaysSoInsteadOfThrowing()
    {
        var e = LiveCaptureErrors.FromActivateStatus(-5, "eht0", "No such device exists",
            () => throw new LiveCaptureException(LiveCaptureError.Other, "findalldevs broke"));

        Assert.Equal(LiveCaptureError.NoSuchInterface, e.Error);
        Assert.Contains("could not be listed: findalldevs broke", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromActivateStatus_IfaceNotUp_InterfaceDownWithCommand()
    {
        var e = LiveCaptureErrors.FromActivateStatus(-9, "eth1", "eth1: That device is not up", Interfaces);

        Assert.Equal(LiveCaptureError.InterfaceDown, e.Error);
        Assert.Contains("ip link set dev eth1 up", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromActivateStatus_GenericError_OtherWithLibpcapText()
    {
        var e = LiveCaptureErrors.FromActivateStatus(-1, "eth0", "something odd", Interfaces);

        Assert.Equal(LiveCaptureError.Other, e.Error);
        Assert.Contains("something odd", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadFilter_Always_QuotesFilterAndLibpcapText()
    {
        var e = LiveCaptureErrors.BadFilter("eth0", "tcp prot 80", "syntax error in filter expression");

        Assert.Equal(LiveCaptureError.BadFilter, e.Error);
        Assert.Contains("\"tcp prot 80\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("syntax error in filter expression", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoCandidateLoads_ThrowsLibraryMissingNamingDebianPackage()
    {
        var e = Assert.Throws<LiveCaptureException>(() => PcapLibrary.Load(["libpcap-does-not-exist.so.9"]));

        Assert.Equal(LiveCaptureError.LibraryMissing, e.Error);
        Assert.StartsWith("libpcap is not installed: install the Debian package libpcap0.8 (apt-get install libpcap0.8)", e.Message, StringComparison.Ordinal);
        Assert.Contains("libpcap-does-not-exist.so.9", e.Message, StringComparison.Ordinal);
    }
}
