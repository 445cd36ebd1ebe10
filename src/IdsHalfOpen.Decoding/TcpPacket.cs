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

public enum ChecksumState : byte
{
    /// <summary>Not checked: the segment was cut by the snapshot length, or the check was not asked for.</summary>
    NotVerified = 0,
    Valid = 1,
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
    public uint Acknowledgment;
    /// <summary>TCP payload bytes according to the IP length fields (not the captured length).</summary>
    public int PayloadLength;
    public ushort SourcePort;
    public ushort DestinationPort;
    public TcpFlags Flags;
    public ushort Window;
    /// <summary>Outermost 802.1Q/802.1ad VLAN id, 0 when untagged.</summary>
    public ushort OuterVlan;
    /// <summary>Second VLAN id (QinQ inner tag), 0 when absent.</summary>
    public ushort InnerVlan;
    public ushort InterfaceId;
    public ushort Mss;
    /// <summary>IPv4 TTL or IPv6 hop limit.</summary>
    public byte Ttl;
    /// <summary>4 or 6.</summary>
    public byte IpVersion;
    public byte WindowScale;
    public TcpOptionFlags Options;
    public uint TsVal;
    public uint TsEcr;
    public TcpPacketKind Kind;
    public ChecksumState Checksum;
    public byte IcmpType;
    public byte IcmpCode;

    public readonly bool IsSyn => (Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;

    public readonly bool IsSynAck => (Flags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);

    public readonly bool IsRst => (Flags & TcpFlags.Rst) != 0;

    public readonly bool IsFin => (Flags & TcpFlags.Fin) != 0;
}
