namespace IdsHalfOpen.Decoding.Vlan;

/// <summary>
/// An 802.1Q / 802.1ad tag as it follows the TPID (0x8100, 0x88A8, 0x9100) that announced it.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | PCP |D|        VLAN id        |      next EtherType           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct VlanTag(ushort tci, ushort etherType)
{
    public const int Length = 4;

    /// <summary>Tags followed before the frame counts as malformed; real networks stack two, rarely three.</summary>
    public const int MaxTags = 8;

    public ushort VlanId => (ushort)(Tci & 0x0FFF);

    public byte Priority => (byte)(Tci >> 13);

    /// <summary>Tag control information: priority, drop-eligible bit, VLAN id.</summary>
    public ushort Tci { get; } = tci;

    public ushort EtherType { get; } = etherType;
}
