namespace IdsHalfOpen.Capture.Live;

/// <summary>Turns libpcap status codes into <see cref="LiveCaptureException"/>s whose messages tell the operator what to do.</summary>
internal static class LiveCaptureErrors
{
    /// <summary>Maps a negative pcap_activate status. <paramref name="listInterfaces"/> is only called for an unknown interface.</summary>
    internal static LiveCaptureException FromActivateStatus(int status, string iface, string pcapText, Func<IReadOnlyList<string>> listInterfaces) =>
        status switch
        {
            PcapNative.ErrorPermDenied or PcapNative.ErrorPromiscPermDenied => PermissionDenied(iface, pcapText),
            PcapNative.ErrorNoSuchDevice => NoSuchInterface(iface, pcapText, listInterfaces),
            PcapNative.ErrorIfaceNotUp => new LiveCaptureException(LiveCaptureError.InterfaceDown,
                $"Interface '{iface}' is not up ({pcapText}): bring it up first, e.g. ip link set dev {iface} up"),
            _ => new LiveCaptureException(LiveCaptureError.Other, $"Could not start capturing on '{iface}' (libpcap status {status}): {pcapText}"),
        };

    internal static LiveCaptureException PermissionDenied(string iface, string pcapText) =>
        new(LiveCaptureError.PermissionDenied,
            $"Permission denied capturing on '{iface}' ({pcapText}). Live capture needs the capability CAP_NET_RAW " +
            "(and CAP_NET_ADMIN for promiscuous mode). Run as root, or grant it to the program: " +
            "setcap cap_net_raw,cap_net_admin=eip /path/to/executable (for 'dotnet app.dll' that is the dotnet host), " +
            "or in a systemd unit: AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN.");

    internal static LiveCaptureException NoSuchInterface(string iface, string pcapText, Func<IReadOnlyList<string>> listInterfaces)
    {
        string available;
        try
        {
            var names = listInterfaces();
            available = names.Count == 0 ? "none visible to this process" : string.Join(", ", names);
        }
        catch (LiveCaptureException e)
        {
            available = "could not be listed: " + e.Message;
        }

        return new LiveCaptureException(LiveCaptureError.NoSuchInterface,
            $"No such interface '{iface}' ({pcapText}). Available interfaces: {available}.");
    }

    internal static LiveCaptureException BadFilter(string iface, string filter, string pcapText) =>
        new(LiveCaptureError.BadFilter, $"Bad capture filter \"{filter}\" for '{iface}': {pcapText}");
}
