namespace IdsHalfOpen.Decoding.LinuxSll;

/// <summary>
/// Linux cooked capture v1 (LINKTYPE_LINUX_SLL = 113), what "tcpdump -i any" wrote before libpcap 1.10.
/// <code>
/// offset 0             2             4              6                        14           16
///        +-------------+-------------+--------------+------------------------+------------+-----------
///        | packet type | ARPHRD type | address len  | link address (8, padded)| protocol   | payload ...
///        +-------------+-------------+--------------+------------------------+------------+-----------
/// </code>
/// The protocol is an EtherType for the link types that carry IP. libpcap re-inserts a stripped VLAN tag after
/// this header and sets the protocol to 0x8100, so the EtherType path follows it as for Ethernet.
/// </summary>
internal readonly struct LinuxSllHeader(ushort packetType, ushort arphrdType, ushort protocol)
{
    public const int Length = 16;

    /// <summary>0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us.</summary>
    public ushort PacketType { get; } = packetType;

    public ushort ArphrdType { get; } = arphrdType;

    public ushort Protocol { get; } = protocol;
}
