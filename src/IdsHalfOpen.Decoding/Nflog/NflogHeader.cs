namespace IdsHalfOpen.Decoding.Nflog;

/// <summary>
/// Linux NFLOG (LINKTYPE_NFLOG = 239): a 4-byte header, then type-length-value attributes.
/// <code>
/// offset 0        1         2             4
///        +--------+---------+-------------+--------------------------------------
///        | family | version | resource id | TLV, TLV, ... (each padded to 4 bytes)
///        +--------+---------+-------------+--------------------------------------
/// TLV:   | length (2) | type (2) | value (length - 4) | pad |
/// </code>
/// The resource id is big-endian; TLV length and type are in the capturing host's byte order. The packet is the
/// value of TLV type 9 (NFULA_PAYLOAD): an IP packet without link header, whose version the family names
/// (2 = AF_INET, 10 = AF_INET6).
/// </summary>
internal readonly struct NflogHeader(byte family, byte version, ushort resourceId, int payloadOffset, int payloadLength)
{
    public const int Length = 4;
    public const byte FamilyIpv4 = 2;
    public const byte FamilyIpv6 = 10;

    public byte Family { get; } = family;

    public byte Version { get; } = version;

    public ushort ResourceId { get; } = resourceId;

    /// <summary>Where the packet TLV's value starts in the frame; 0 when the record carries no packet.</summary>
    public int PayloadOffset { get; } = payloadOffset;

    /// <summary>Captured bytes of the packet (the TLV's length, cut to what the frame holds).</summary>
    public int PayloadLength { get; } = payloadLength;

    public bool HasPayload => PayloadOffset != 0;
}
