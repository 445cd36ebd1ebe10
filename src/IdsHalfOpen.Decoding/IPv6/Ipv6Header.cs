namespace IdsHalfOpen.Decoding.IPv6;

/// <summary>
/// IPv6 fixed header (RFC 8200 §3).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version| Traffic Class |           Flow Label                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                 Source Address (16 bytes)                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               Destination Address (16 bytes)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct Ipv6Header(UInt128 source, UInt128 destination, ushort payloadLength, byte nextHeader, byte hopLimit)
{
    public const int Length = 40;

    public UInt128 Source { get; } = source;

    public UInt128 Destination { get; } = destination;

    /// <summary>Bytes after the fixed header, extension headers included; 0 in captures of offloaded segments.</summary>
    public ushort PayloadLength { get; } = payloadLength;

    public byte NextHeader { get; } = nextHeader;

    public byte HopLimit { get; } = hopLimit;
}
