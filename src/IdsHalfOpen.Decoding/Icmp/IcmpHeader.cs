namespace IdsHalfOpen.Decoding.Icmp;

/// <summary>
/// ICMP (RFC 792) and ICMPv6 (RFC 4443) messages share the first 8 bytes. Error messages then quote the packet that
/// caused them: its IP header and at least the next 8 bytes (ICMPv6 and RFC 1812 routers: as much as fits).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |     Type      |     Code      |          Checksum             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   unused / pointer / next-hop MTU / gateway (type dependent)  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      errors: quoted IP header + first bytes of its payload    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct IcmpHeader(byte type, byte code, ushort checksum, bool isError)
{
    public const int Length = 8;

    public byte Type { get; } = type;

    public byte Code { get; } = code;

    public ushort Checksum { get; } = checksum;

    /// <summary>An error message, which quotes the offending packet after the 8-byte header.</summary>
    public bool IsError { get; } = isError;
}
