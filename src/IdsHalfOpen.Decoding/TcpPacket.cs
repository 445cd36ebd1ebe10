using System.Runtime.InteropServices;

namespace IdsHalfOpen.Decoding;

/// <summary>What a decoded <see cref="TcpPacket"/> stands for.</summary>
public enum TcpPacketKind : byte
{
    /// <summary>A TCP segment carried directly in IPv4/IPv6.</summary>
    Segment = 0,
    /// <summary>
    /// An ICMP/ICMPv6 error that quotes a TCP header. Addresses, ports and sequence number are the quoted
    /// (offending) packet's, so the tuple is the one the sender of the quoted segment used; <see cref="TcpPacket.IcmpType"/>
    /// and <see cref="TcpPacket.IcmpCode"/> say which error. A quoted SYN is not a SYN.
    /// </summary>
    IcmpErrorQuote = 1,
}

[Flags]
public enum TcpOptionFlags : byte
{
    None = 0,
    Mss = 1,
    WindowScale = 2,
    SackPermitted = 4,
    Timestamps = 8,
    Sack = 16,
    FastOpen = 32,
}

/// <summary>
/// The TCP checksum's verdict. Only the TCP checksum: a bad IPv4 header checksum is reported as
/// <see cref="DecodeEvent.Ipv4BadHeaderChecksum"/> instead.
/// </summary>
public enum ChecksumState : byte
{
    /// <summary>
    /// Not checked: the policy did not ask for it, or it cannot be computed (segment cut by the snapshot length,
    /// a fragment, a zero IP length from segmentation offload, an ICMP quote).
    /// </summary>
    NotVerified = 0,
    Valid = 1,
    /// <summary>Wrong: the receiving host drops such a segment. Counted as <see cref="DecodeEvent.TcpBadChecksum"/>.</summary>
    Invalid = 2,
}

/// <summary>
/// The compact, allocation-free result of decoding one frame that carries TCP. Mutable fields on purpose:
/// the decoder fills a caller-owned instance in place and the pipeline copies it by value into channels.
/// IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) in a 128-bit integer, most significant byte first.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct TcpPacket
{
    /// <summary>Packet time, nanoseconds since the Unix epoch.</summary>
    public long TimestampNs;
    public UInt128 Source;
    public UInt128 Destination;
    public uint Sequence;
    /// <summary>For an ICMP quote, 0 unless at least 12 bytes of the TCP header were quoted (RFC 792 guarantees 8).</summary>
    public uint Acknowledgment;
    /// <summary>
    /// TCP payload bytes according to the IP length fields (not the captured length). For an ICMP quote, the quoted
    /// segment's, when the quote reaches its data offset; else 0.
    /// </summary>
    public int PayloadLength;
    public ushort SourcePort;
    public ushort DestinationPort;
    /// <summary>All nine flag bits. For an ICMP quote, None unless at least 14 bytes of the TCP header were quoted.</summary>
    public TcpFlags Flags;
    public ushort Window;
    /// <summary>Outermost 802.1Q/802.1ad VLAN id, 0 when untagged.</summary>
    public ushort OuterVlan;
    /// <summary>Second VLAN id (QinQ inner tag), 0 when absent.</summary>
    public ushort InnerVlan;
    public ushort InterfaceId;
    public ushort Mss;
    /// <summary>IPv4 TTL or IPv6 hop limit; of the innermost header decoded (inside an IP-in-IP tunnel, the inner one; for an ICMP quote, the ICMP packet's own).</summary>
    public byte Ttl;
    /// <summary>4 or 6.</summary>
    public byte IpVersion;
    /// <summary>Window scale shift as sent (values above 14 are kept; RFC 7323 says to use 14).</summary>
    public byte WindowScale;
    /// <summary>Which options were present and well formed.</summary>
    public TcpOptionFlags Options;
    public uint TsVal;
    public uint TsEcr;
    public TcpPacketKind Kind;
    /// <summary>TCP checksum verdict, per <see cref="DecoderOptions.Checksums"/>.</summary>
    public ChecksumState Checksum;
    /// <summary>For <see cref="TcpPacketKind.IcmpErrorQuote"/>: the ICMP or ICMPv6 type and code (by <see cref="IpVersion"/>).</summary>
    public byte IcmpType;
    public byte IcmpCode;

    /// <summary>SYN set, ACK clear. A test of <see cref="Flags"/> only: also true for an ICMP quote of a SYN, so check <see cref="Kind"/>.</summary>
    public readonly bool IsSyn => (Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;

    public readonly bool IsSynAck => (Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);

    public readonly bool IsRst => (Flags & TcpFlags.Rst) != 0;

    public readonly bool IsFin => (Flags & TcpFlags.Fin) != 0;
}
