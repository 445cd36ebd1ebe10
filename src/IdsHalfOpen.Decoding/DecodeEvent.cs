namespace IdsHalfOpen.Decoding;

/// <summary>
/// Every anomaly the decoder can meet: one member each, all counted in <see cref="DecodeStatistics"/>.
/// <para>
/// "Fatal" members make the frame unusable: <see cref="PacketDecoder.TryDecode"/> returns false and reports that member.
/// The others are warnings: the packet is still returned and the first warning met is reported.
/// Traffic that simply is not TCP (ARP, UDP, ICMP quoting no TCP, unknown ethertypes) is not an anomaly and has no
/// member here; see <see cref="DecodeStatistics.NonIp"/> and <see cref="DecodeStatistics.NonTcpIp"/>.
/// </para>
/// </summary>
public enum DecodeEvent : byte
{
    None = 0,

    // ---- Link layer ----

    /// <summary>Fatal: the frame's link type is not one the decoder knows.</summary>
    UnknownLinkType,
    /// <summary>Fatal: shorter than an Ethernet header (also the inner frame of FabricPath).</summary>
    EthernetTruncated,
    /// <summary>Fatal: an 802.1Q/802.1ad tag is cut short.</summary>
    VlanTruncated,
    /// <summary>Fatal: more stacked VLAN tags than the decoder follows.</summary>
    VlanTooManyTags,
    /// <summary>Fatal: the MPLS label stack ends before its bottom-of-stack entry.</summary>
    MplsTruncated,
    /// <summary>Fatal: more MPLS labels than the decoder follows.</summary>
    MplsTooManyLabels,
    /// <summary>Fatal: the Cisco FabricPath tag is cut short.</summary>
    FabricPathTruncated,
    /// <summary>Fatal: FabricPath inside FabricPath.</summary>
    FabricPathNested,
    /// <summary>Fatal: shorter than a Linux cooked (SLL or SLL2) header.</summary>
    LinuxSllTruncated,
    /// <summary>Fatal: shorter than the NFLOG header, or the TLVs end before the packet TLV.</summary>
    NflogTruncated,
    /// <summary>Fatal: an NFLOG TLV length below its own header size.</summary>
    NflogBadTlv,
    /// <summary>Fatal: shorter than the 4-byte BSD loopback header.</summary>
    NullTruncated,

    // ---- IP, either version ----

    /// <summary>Fatal: the link layer promised an IP packet but no byte of it is there.</summary>
    IpEmpty,
    /// <summary>Fatal: raw IP or MPLS payload whose version nibble is neither 4 nor 6.</summary>
    IpVersionUnknown,
    /// <summary>Warning: the IP length is larger than the frame, which the snapshot length did not cut (a damaged frame).</summary>
    IpLengthBeyondFrame,
    /// <summary>Fatal: a non-first fragment of TCP (or of a tunnel): it carries no TCP header.</summary>
    IpFragmentNotFirst,
    /// <summary>Warning: the TCP header came from a first fragment; lengths are the fragment's, the checksum is not checked.</summary>
    IpFragmentFirst,
    /// <summary>Fatal: a first fragment too short to hold the whole TCP header (RFC 1858 tiny fragment).</summary>
    IpFragmentTooShort,
    /// <summary>Fatal: an IP-in-IP tunnel inside another one; the decoder goes one level deep.</summary>
    IpTunnelTooDeep,

    // ---- IPv4 ----

    /// <summary>Fatal: shorter than 20 bytes or than the header length field.</summary>
    Ipv4Truncated,
    /// <summary>Fatal: the link layer said IPv4 but the version nibble is not 4.</summary>
    Ipv4BadVersion,
    /// <summary>Fatal: header length field below 5 words.</summary>
    Ipv4BadHeaderLength,
    /// <summary>Fatal: total length smaller than the header (and not 0).</summary>
    Ipv4BadTotalLength,
    /// <summary>Warning: total length 0, as segmentation offload leaves it in captures on the sender; captured length used.</summary>
    Ipv4ZeroTotalLength,
    /// <summary>Warning: the IPv4 header checksum is wrong (checked unless <see cref="ChecksumPolicy.None"/>).</summary>
    Ipv4BadHeaderChecksum,

    // ---- IPv6 ----

    /// <summary>Fatal: shorter than the 40-byte IPv6 header.</summary>
    Ipv6Truncated,
    /// <summary>Fatal: the link layer said IPv6 but the version nibble is not 6.</summary>
    Ipv6BadVersion,
    /// <summary>Warning: payload length 0 without a jumbogram (segmentation offload); captured length used.</summary>
    Ipv6ZeroPayloadLength,
    /// <summary>Fatal: an extension header runs past the packet.</summary>
    Ipv6ExtensionTruncated,
    /// <summary>Fatal: longer extension-header chain than the decoder follows.</summary>
    Ipv6TooManyExtensionHeaders,
    /// <summary>Warning: a hop-by-hop options header that is not first (RFC 8200 §4.1; hosts drop these).</summary>
    Ipv6HopByHopNotFirst,

    // ---- TCP ----

    /// <summary>Fatal: fewer than 20 bytes of TCP header.</summary>
    TcpTruncated,
    /// <summary>Fatal: data offset below 5 words or beyond the IP payload.</summary>
    TcpBadDataOffset,
    /// <summary>Warning: an option runs past the end of the options (later options ignored).</summary>
    TcpOptionTruncated,
    /// <summary>Warning: an option length below 2 (later options ignored) or wrong for its kind (that option ignored).</summary>
    TcpOptionBadLength,
    /// <summary>Warning: window scale shift above 14 (RFC 7323 §2.3 says use 14).</summary>
    TcpWindowScaleTooLarge,
    /// <summary>Warning: the TCP checksum is wrong; hosts drop such segments, so the packet is returned with <see cref="ChecksumState.Invalid"/>.</summary>
    TcpBadChecksum,
    /// <summary>Warning: SYN and FIN together.</summary>
    TcpSynWithFin,
    /// <summary>Warning: SYN and RST together.</summary>
    TcpSynWithRst,
    /// <summary>Warning: no flag at all (a "null scan").</summary>
    TcpNoFlags,
    /// <summary>Warning: source or destination port 0.</summary>
    TcpZeroPort,

    // ---- ICMP and ICMPv6 ----

    /// <summary>Fatal: shorter than the 8-byte ICMP/ICMPv6 header.</summary>
    IcmpTruncated,
    /// <summary>Fatal: an ICMP error whose quoted IP header or quoted first 8 TCP bytes are cut short.</summary>
    IcmpQuoteTruncated,
    /// <summary>Fatal: an ICMP error quoting an IP header that is not valid.</summary>
    IcmpQuoteMalformed,
}
