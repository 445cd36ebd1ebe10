using IdsHalfOpen.SampleGenerator;

namespace IdsHalfOpen.Integration.Tests.Differential;

public enum ExclusionKind
{
    /// <summary>tshark shows a TCP segment; we may return none (if we do, its fields must still match).</summary>
    OursMayBeMissing,
    /// <summary>tshark shows no complete TCP segment; we may return one.</summary>
    OursMayBeExtra,
    /// <summary>Both show a segment; its fields may differ.</summary>
    FieldsMayDiffer,
    /// <summary>
    /// tshark shows only part of the TCP fixed header (it takes trailing bytes for something else) while we decode all of
    /// it: the fields tshark does show (addresses, ports, flags, sequence, acknowledgment, VLANs) must still match.
    /// </summary>
    TsharkCutsHeader,
}

/// <summary>
/// A named class of frames in one capture where our decoder may depart from tshark, and why. Every departure the
/// differential test tolerates is listed here; an entry that matches no frame fails the test, so the table stays true.
/// </summary>
public sealed record Exclusion(string Name, string Capture, ExclusionKind Kind, Func<TsharkFrame, bool> Applies, string Reason)
{
    public override string ToString() => $"{Capture}: {Name} ({Kind}) - {Reason}";
}

public static class Exclusions
{
    private const string Garbage = Captures.SamplesPrefix + "bad/garbage-frames.pcap";
    private const string Edge = Captures.SamplesPrefix + "edge-cases.pcap";

    public static IReadOnlyList<Exclusion> All { get; } =
    [
        new("TCP options run past the IP payload", Garbage, ExclusionKind.OursMayBeMissing, GarbageCase("tcp-options-truncated"),
            "data offset 60 bytes with 24 bytes of TCP in the IP packet: tshark shows the fixed header and marks the frame malformed; " +
            "we drop it (DecodeEvent.TcpBadDataOffset), as a receiving stack does (Linux tcp_v4_rcv discards a segment shorter than its " +
            "data offset), so it can never open a connection on the target"),
        new("TCP options run past the IP total length", Garbage, ExclusionKind.OursMayBeMissing, GarbageCase("tcp-options-beyond-ip-length"),
            "the same with the IPv4 total length cutting the options while the frame holds them: tshark shows the fixed header and " +
            "'Short segment'; we drop it (TcpBadDataOffset) for the same reason"),
        new("IPv6 packet behind EtherType IPv4", Garbage, ExclusionKind.OursMayBeMissing, GarbageCase("ipv4-ethertype-carrying-ipv6"),
            "tshark's IPv4 dissector hands a version-6 header on to IPv6; we drop it (DecodeEvent.Ipv4BadVersion), as a host's IPv4 " +
            "input does (the EtherType selects the protocol; the version must match)"),
        new("IPv6 payload length 0", Garbage, ExclusionKind.OursMayBeExtra, GarbageCase("ipv6-payload-length-0-tso"),
            "segmentation offload leaves IPv6 payload length 0 in captures on the sender; we use the captured length as for IPv4 total " +
            "length 0 (DecodeEvent.Ipv6ZeroPayloadLength, a warning). tshark 4.0 notes possible TSO but then gives TCP no bytes (malformed)"),
        new("IPv6 option runs past its extension header", Garbage, ExclusionKind.OursMayBeExtra, GarbageCase("ipv6-option-overrun"),
            "tshark stops at the malformed hop-by-hop option; the decoder follows the chain by header lengths without walking the options, " +
            "so it returns the SYN. A Linux host discards such a packet (ip6_parse_tlv): reported to the decoder owner as a policy question"),

        new("FabricPath frames: tshark takes the last 4 bytes as an FCS", Captures.SharedPrefix + "zeek__cisco-fabric-path.pcap", ExclusionKind.TsharkCutsHeader,
            f => f.Has("cfp") && f.IsTcp,
            "tshark 4.0's FabricPath dissector treats the frame's last 4 bytes as an inner FCS, so the 40-byte IP packet looks 36 bytes long " +
            "and the TCP checksum and urgent pointer go missing ('Short segment'). The frame has no FCS: Zeek's baseline " +
            "(oracles/zeek-Baseline__core.cisco-fabric-path_conn.log) counts both packets of each S0 connection, orig_ip_bytes 80 = 2 x 40"),

        // Tunnelled and encapsulated TCP the decoder leaves undecoded by design (it follows one level of IP-in-IP only).
        new("IP-in-IP two levels deep", Edge, ExclusionKind.OursMayBeMissing, EdgeCase("ip-in-ip-in-ip"),
            "tunnelled TCP: the decoder follows one level of IP-in-IP and drops deeper nesting (DecodeEvent.IpTunnelTooDeep)"),
        new("GRE", Edge, ExclusionKind.OursMayBeMissing, EdgeCase("gre-ipv4"),
            "tunnelled TCP: GRE (IP protocol 47) is not decoded; the frame counts as non-TCP IP"),
        new("VXLAN", Edge, ExclusionKind.OursMayBeMissing, EdgeCase("vxlan"),
            "tunnelled TCP: VXLAN (UDP 4789) is not decoded; the frame counts as UDP"),
        new("PPPoE session", Edge, ExclusionKind.OursMayBeMissing, EdgeCase("pppoe-session"),
            "encapsulated TCP: EtherType 0x8864 (PPPoE session) is not decoded; the frame counts as non-IP"),
        new("802.3 LLC/SNAP", Edge, ExclusionKind.OursMayBeMissing, EdgeCase("llc-snap"),
            "encapsulated TCP: an 802.3 length field with LLC/SNAP is not decoded; the frame counts as non-IP"),
    ];

    public static IReadOnlyList<Exclusion> For(string capture) => [.. All.Where(e => e.Capture == capture)];

    /// <summary>The frame of samples-pcap/edge-cases.pcap built for the named case.</summary>
    public static Func<TsharkFrame, bool> EdgeCase(string name)
    {
        int index = EdgeFrames.Cases.ToList().FindIndex(c => c.Name == name);
        if (index < 0) throw new ArgumentException("no edge-cases case " + name, nameof(name));
        return f => f.Number == index + 1;
    }

    /// <summary>The frame of samples-pcap/bad/garbage-frames.pcap built for the named case.</summary>
    public static Func<TsharkFrame, bool> GarbageCase(string name)
    {
        int index = GarbageFrames.Cases.ToList().FindIndex(c => c.Name == name);
        if (index < 0) throw new ArgumentException("no garbage-frames case " + name, nameof(name));
        return f => f.Number == index + 1;
    }
}
