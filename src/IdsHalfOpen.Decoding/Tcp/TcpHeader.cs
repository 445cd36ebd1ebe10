namespace IdsHalfOpen.Decoding.Tcp;

/// <summary>
/// TCP header (RFC 9293 §3.1; ECE/CWR from RFC 3168, NS/AE from RFC 3540).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |          Source Port          |       Destination Port        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        Sequence Number                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Acknowledgment Number                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Data |     |N|C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsv |S|W|C|R|C|S|S|Y|I|            Window             |
/// |       |     | |R|E|G|K|H|T|N|N|                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           Checksum            |         Urgent Pointer        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (Data Offset > 5)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct TcpHeader(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, byte headerLength,
    TcpFlags flags, ushort window, ushort checksum)
{
    public const int MinLength = 20;

    public ushort SourcePort { get; } = sourcePort;

    public ushort DestinationPort { get; } = destinationPort;

    public uint Sequence { get; } = sequence;

    public uint Acknowledgment { get; } = acknowledgment;

    /// <summary>Header length in bytes, options included (data offset × 4).</summary>
    public byte HeaderLength { get; } = headerLength;

    public TcpFlags Flags { get; } = flags;

    public ushort Window { get; } = window;

    public ushort Checksum { get; } = checksum;
}
