namespace IdsHalfOpen.Decoding.IPv6;

/// <summary>
/// What a walk over an IPv6 extension-header chain found: the upper-layer protocol, where it starts, fragmentation,
/// and the destination the transport checksum covers.
/// <code>
/// | IPv6 header | ext header | ext header | ... | upper-layer header (TCP, ICMPv6, ...)
///               ^ chain start               Length ^
/// </code>
/// </summary>
internal readonly struct Ipv6ExtensionChain(byte protocol, int length, int headerCount, bool fragmented, int fragmentOffset,
    bool moreFragments, Ipv6ChecksumDestination destination, UInt128 finalDestination)
{
    /// <summary>Extension headers followed before the packet counts as malformed; real chains hold one to four.</summary>
    public const int MaxHeaders = 16;

    /// <summary>The upper-layer protocol (the last next-header value).</summary>
    public byte Protocol { get; } = protocol;

    /// <summary>Bytes of extension headers; the upper layer starts there.</summary>
    public int Length { get; } = length;

    public int HeaderCount { get; } = headerCount;

    /// <summary>A fragment header was met (an atomic fragment, offset 0 without M, also counts).</summary>
    public bool Fragmented { get; } = fragmented;

    /// <summary>Non-zero: a non-first fragment; the walk stopped at its fragment header, no upper-layer header follows.</summary>
    public int FragmentOffset { get; } = fragmentOffset;

    public bool MoreFragments { get; } = moreFragments;

    public Ipv6ChecksumDestination Destination { get; } = destination;

    /// <summary>Set when <see cref="Destination"/> is <see cref="Ipv6ChecksumDestination.RoutingFinal"/>.</summary>
    public UInt128 FinalDestination { get; } = finalDestination;
}

/// <summary>Which address the transport pseudo-header uses as destination (RFC 8200 §8.1).</summary>
internal enum Ipv6ChecksumDestination : byte
{
    /// <summary>The IPv6 header's destination.</summary>
    Header,
    /// <summary>A routing header's final destination.</summary>
    RoutingFinal,
    /// <summary>A routing header of a type whose final destination is not read: do not verify.</summary>
    Unknown,
}
