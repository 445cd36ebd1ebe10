namespace IdsHalfOpen.Decoding.IPv6;

/// <summary>
/// One IPv6 extension header (RFC 8200 §4). All share the first two bytes; the length unit differs.
/// <code>
/// hop-by-hop (0), routing (43), destination options (60), mobility (135), HIP (139), shim6 (140):
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |  Hdr Ext Len  |  (routing: Type, Segs Left)   |  length = (Hdr Ext Len + 1) × 8
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// fragment (44), always 8 bytes:
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Identification                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// authentication header (51, RFC 4302): length = (Payload Len + 2) × 4
/// </code>
/// </summary>
internal readonly struct Ipv6ExtensionHeader(byte type, byte nextHeader, int length, ushort fragmentField, byte segmentsLeft,
    bool hasFinalDestination, UInt128 finalDestination)
{
    public byte Type { get; } = type;

    public byte NextHeader { get; } = nextHeader;

    /// <summary>Bytes this header occupies; the next starts there.</summary>
    public int Length { get; } = length;

    /// <summary>Fragment header only: offset (8-byte units) shifted left by 3, and the M flag in bit 0.</summary>
    public ushort FragmentField { get; } = fragmentField;

    /// <summary>Fragment offset in bytes; non-zero means what follows is not a header.</summary>
    public int FragmentOffset => FragmentField & 0xFFF8;

    public bool MoreFragments => (FragmentField & 1) != 0;

    /// <summary>Routing header only: hops still to visit; when non-zero the IPv6 destination is not the final one.</summary>
    public byte SegmentsLeft { get; } = segmentsLeft;

    /// <summary>
    /// Routing header with segments left: the final destination, which the transport pseudo-header uses
    /// (RFC 8200 §8.1) instead of the IPv6 destination field.
    /// </summary>
    public bool HasFinalDestination { get; } = hasFinalDestination;

    public UInt128 FinalDestination { get; } = finalDestination;
}
