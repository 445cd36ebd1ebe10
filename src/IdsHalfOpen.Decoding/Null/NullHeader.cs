namespace IdsHalfOpen.Decoding.Null;

/// <summary>
/// BSD loopback (LINKTYPE_NULL = 0, in the writer's byte order) and OpenBSD loopback (LINKTYPE_LOOP = 108, network order).
/// <code>
/// offset 0                          4
///        +--------------------------+------------------------------
///        | address family (4 bytes) | IPv4 or IPv6 packet ...
///        +--------------------------+------------------------------
/// </code>
/// AF_INET is 2 everywhere; AF_INET6 differs per BSD: 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS).
/// </summary>
internal readonly struct NullHeader(uint family)
{
    public const int Length = 4;

    public uint Family { get; } = family;

    /// <summary>4 or 6 for the IP families, 0 for anything else.</summary>
    public int IpVersion => Family switch
    {
        2 => 4,
        24 or 28 or 30 => 6,
        _ => 0,
    };
}
