namespace IdsHalfOpen.Capture;

/// <summary>
/// Link-layer header types as written in pcap/pcapng files (the LINKTYPE_* registry of tcpdump.org),
/// plus the platform DLT_RAW values that old captures carry.
/// </summary>
public enum LinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte address family in the writer's byte order.</summary>
    Null = 0,
    Ethernet = 1,
    /// <summary>DLT_RAW on most BSDs: the frame starts with an IPv4 or IPv6 header.</summary>
    RawDlt12 = 12,
    /// <summary>DLT_RAW on OpenBSD.</summary>
    RawDlt14 = 14,
    /// <summary>LINKTYPE_RAW: the frame starts with an IPv4 or IPv6 header.</summary>
    Raw = 101,
    /// <summary>OpenBSD loopback: like <see cref="Null"/> but the family is in network byte order.</summary>
    Loop = 108,
    LinuxSll = 113,
    Ipv4 = 228,
    Ipv6 = 229,
    Nflog = 239,
    LinuxSll2 = 276,
}
