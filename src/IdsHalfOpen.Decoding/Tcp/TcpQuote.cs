namespace IdsHalfOpen.Decoding.Tcp;

/// <summary>
/// The start of a TCP header quoted by an ICMP error. RFC 792 guarantees only the first 8 bytes (ports and sequence
/// number); RFC 1812 routers and most hosts quote more, so the rest is read when present.
/// <code>
/// | source port | destination port | sequence |   (always)
/// | acknowledgment (bytes 8-11) | offset, flags (12-13) | window (14-15) |   (when quoted)
/// </code>
/// </summary>
internal readonly struct TcpQuote(ushort sourcePort, ushort destinationPort, uint sequence, uint acknowledgment, byte headerLength,
    TcpFlags flags, ushort window, int quotedLength)
{
    public const int MinLength = 8;

    public ushort SourcePort { get; } = sourcePort;

    public ushort DestinationPort { get; } = destinationPort;

    public uint Sequence { get; } = sequence;

    /// <summary>0 unless at least 12 bytes were quoted.</summary>
    public uint Acknowledgment { get; } = acknowledgment;

    /// <summary>Data offset in bytes; 0 unless at least 13 bytes were quoted.</summary>
    public byte HeaderLength { get; } = headerLength;

    /// <summary>None unless at least 14 bytes were quoted.</summary>
    public TcpFlags Flags { get; } = flags;

    /// <summary>0 unless at least 16 bytes were quoted.</summary>
    public ushort Window { get; } = window;

    /// <summary>How many bytes of the TCP header the error quoted.</summary>
    public int QuotedLength { get; } = quotedLength;
}
