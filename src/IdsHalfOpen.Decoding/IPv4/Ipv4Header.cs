using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.IPv4;

/// <summary>
/// IPv4 header (RFC 791 §3.1).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |    DSCP   |ECN|          Total Length         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Identification        |0|D|M|     Fragment Offset     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       Source Address                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Destination Address                        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                    Options (IHL > 5)                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
internal readonly struct Ipv4Header(uint source, uint destination, ushort totalLength, ushort identification, ushort fragmentField,
    byte headerLength, byte protocol, byte ttl)
{
    public const int MinLength = 20;

    public uint Source { get; } = source;

    public uint Destination { get; } = destination;

    /// <summary>The packet's length by its own account; 0 in captures of offloaded segments.</summary>
    public ushort TotalLength { get; } = totalLength;

    public ushort Identification { get; } = identification;

    /// <summary>Flags (reserved, DF, MF) and the fragment offset in 8-byte units.</summary>
    public ushort FragmentField { get; } = fragmentField;

    /// <summary>Header length in bytes, options included (IHL × 4).</summary>
    public byte HeaderLength { get; } = headerLength;

    public byte Protocol { get; } = protocol;

    public byte Ttl { get; } = ttl;

    public bool DontFragment => (FragmentField & 0x4000) != 0;

    public bool MoreFragments => (FragmentField & 0x2000) != 0;

    /// <summary>Fragment offset in bytes; non-zero means the fragment holds no transport header.</summary>
    public int FragmentOffset => (FragmentField & 0x1FFF) * 8;

    /// <summary>An IPv4 address as IPv4-mapped IPv6 (::ffff:a.b.c.d), the form <see cref="TcpPacket"/> stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 ToMapped(uint address) => new(0, 0x0000_FFFF_0000_0000UL | address);
}
