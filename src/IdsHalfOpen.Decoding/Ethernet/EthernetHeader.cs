namespace IdsHalfOpen.Decoding.Ethernet;

/// <summary>
/// Ethernet II header (IEEE 802.3 clause 3.1; the frame check sequence is not captured).
/// <code>
/// offset 0                  6                  12          14
///        +------------------+------------------+-----------+------------
///        | destination MAC  | source MAC       | EtherType | payload ...
///        +------------------+------------------+-----------+------------
/// </code>
/// MAC addresses are not kept: detection works on IP addresses.
/// </summary>
internal readonly struct EthernetHeader(ushort etherType)
{
    public const int Length = 14;

    /// <summary>The EtherType; below 0x0600 it is an 802.3 length (LLC follows), which is never IP here.</summary>
    public ushort EtherType { get; } = etherType;
}
