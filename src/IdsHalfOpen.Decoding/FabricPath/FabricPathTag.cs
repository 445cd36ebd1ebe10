namespace IdsHalfOpen.Decoding.FabricPath;

/// <summary>
/// Cisco FabricPath (EtherType 0x8903). The outer "MAC addresses" are switch ids and were read as an Ethernet header;
/// after the EtherType come the forwarding tag and TTL, then the whole original Ethernet frame.
/// <code>
/// outer: | switch-id dst (6) | switch-id src (6) | 0x8903 |
///  0                   1
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |       FTag        |    TTL    |  then the inner Ethernet header (dst, src, EtherType) and payload
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct FabricPathTag(ushort value)
{
    public const int Length = 2;

    /// <summary>Forwarding tag: which multidestination tree the frame follows.</summary>
    public ushort FTag => (ushort)(value >> 6);

    public byte Ttl => (byte)(value & 0x3F);
}
