namespace IdsHalfOpen.Decoding.LinuxSll;

/// <summary>
/// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 = 276): v1's fields reordered, plus the interface index.
/// <code>
/// offset 0          2          4                8             10        11         12                  20
///        +----------+----------+----------------+-------------+---------+----------+-------------------+----------
///        | protocol | reserved | interface index| ARPHRD type | pkt type| addr len | link address (8)  | payload
///        +----------+----------+----------------+-------------+---------+----------+-------------------+----------
/// </code>
/// </summary>
internal readonly struct LinuxSll2Header(ushort protocol, uint interfaceIndex, ushort arphrdType, byte packetType)
{
    public const int Length = 20;

    public ushort Protocol { get; } = protocol;

    public uint InterfaceIndex { get; } = interfaceIndex;

    public ushort ArphrdType { get; } = arphrdType;

    public byte PacketType { get; } = packetType;
}
