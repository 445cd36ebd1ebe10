using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Ethernet;
using IdsHalfOpen.Decoding.FabricPath;
using IdsHalfOpen.Decoding.LinuxSll;
using IdsHalfOpen.Decoding.Mpls;
using IdsHalfOpen.Decoding.Nflog;
using IdsHalfOpen.Decoding.Null;
using IdsHalfOpen.Decoding.Vlan;

namespace IdsHalfOpen.Decoding;

/// <summary>Link layer: from the frame's link type to the first IP header.</summary>
public sealed partial class PacketDecoder
{
    private Outcome DecodeLink(LinkType linkType, ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        DecodeEvent e;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (!EthernetDecoder.TryDecode(data, out var ethernet, out e)) return Fail(e);
                return DecodeEtherType(ethernet.EtherType, data[EthernetHeader.Length..], ref packet);
            case LinkType.Raw:
            case LinkType.RawDlt12:
            case LinkType.RawDlt14:
                return DecodeIpByVersion(data, ref packet);
            case LinkType.Ipv4:
                return DecodeIpv4(data, ref packet, 0, _frameExtent);
            case LinkType.Ipv6:
                return DecodeIpv6(data, ref packet, 0, _frameExtent);
            case LinkType.LinuxSll:
                if (!LinuxSllDecoder.TryDecode(data, out LinuxSllHeader sll, out e)) return Fail(e);
                return DecodeEtherType(sll.Protocol, data[LinuxSllHeader.Length..], ref packet);
            case LinkType.LinuxSll2:
                if (!LinuxSllDecoder.TryDecode(data, out LinuxSll2Header sll2, out e)) return Fail(e);
                return DecodeEtherType(sll2.Protocol, data[LinuxSll2Header.Length..], ref packet);
            case LinkType.Nflog:
                return DecodeNflog(data, ref packet);
            case LinkType.Null:
                if (!NullDecoder.TryDecode(data, out var family, out e)) return Fail(e);
                return DecodeByFamily(family.IpVersion, data[NullHeader.Length..], ref packet);
            case LinkType.Loop:
                if (!NullDecoder.TryDecodeLoop(data, out var loopFamily, out e)) return Fail(e);
                return DecodeByFamily(loopFamily.IpVersion, data[NullHeader.Length..], ref packet);
            default:
                return Fail(DecodeEvent.UnknownLinkType);
        }
    }

    /// <summary>Follows VLAN tags and FabricPath to IP or MPLS; shared by Ethernet and the Linux cooked headers.</summary>
    private Outcome DecodeEtherType(ushort etherType, ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        int tags = 0;
        bool inFabricPath = false;
        while (true)
        {
            DecodeEvent e;
            switch (etherType)
            {
                case EtherTypes.Ipv4:
                    return DecodeIpv4(data, ref packet, 0, _frameExtent);
                case EtherTypes.Ipv6:
                    return DecodeIpv6(data, ref packet, 0, _frameExtent);
                case EtherTypes.Vlan:
                case EtherTypes.QinQ:
                case EtherTypes.QinQLegacy:
                    if (tags == VlanTag.MaxTags) return Fail(DecodeEvent.VlanTooManyTags);
                    if (!VlanDecoder.TryDecode(data, out var tag, out e)) return Fail(e);
                    if (tags == 0) packet.OuterVlan = tag.VlanId;
                    else if (tags == 1) packet.InnerVlan = tag.VlanId;
                    tags++;
                    etherType = tag.EtherType;
                    data = data[VlanTag.Length..];
                    break;
                case EtherTypes.MplsUnicast:
                case EtherTypes.MplsMulticast:
                    if (!MplsDecoder.TryDecode(data, out var stack, out e)) return Fail(e);
                    return DecodeMplsPayload(data[stack.Length..], ref packet);
                case EtherTypes.FabricPath:
                    if (inFabricPath) return Fail(DecodeEvent.FabricPathNested);
                    inFabricPath = true;
                    if (!FabricPathDecoder.TryDecode(data, out _, out e)) return Fail(e);
                    data = data[FabricPathTag.Length..];
                    if (!EthernetDecoder.TryDecode(data, out var inner, out e)) return Fail(e);
                    etherType = inner.EtherType;
                    data = data[EthernetHeader.Length..];
                    break;
                case EtherTypes.Arp:
                    _stats.Arp++;
                    return Outcome.NonIp;
                default:
                    return Outcome.NonIp;
            }
        }
    }

    /// <summary>After the bottom label: IP by its version nibble; anything else (pseudowires) is not IP.</summary>
    private Outcome DecodeMplsPayload(ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        if (data.IsEmpty) return Fail(DecodeEvent.IpEmpty);
        return (data[0] >> 4) switch
        {
            4 => DecodeIpv4(data, ref packet, 0, _frameExtent),
            6 => DecodeIpv6(data, ref packet, 0, _frameExtent),
            _ => Outcome.NonIp,
        };
    }

    /// <summary>Raw IP link types: the version nibble is all there is.</summary>
    private Outcome DecodeIpByVersion(ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        if (data.IsEmpty) return Fail(DecodeEvent.IpEmpty);
        return (data[0] >> 4) switch
        {
            4 => DecodeIpv4(data, ref packet, 0, _frameExtent),
            6 => DecodeIpv6(data, ref packet, 0, _frameExtent),
            _ => Fail(DecodeEvent.IpVersionUnknown),
        };
    }

    /// <summary>Null/Loop/NFLOG name the IP version by address family; other families are not IP.</summary>
    private Outcome DecodeByFamily(int ipVersion, ReadOnlySpan<byte> data, ref TcpPacket packet) => ipVersion switch
    {
        4 => DecodeIpv4(data, ref packet, 0, _frameExtent),
        6 => DecodeIpv6(data, ref packet, 0, _frameExtent),
        _ => Outcome.NonIp,
    };

    private Outcome DecodeNflog(ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        if (!NflogDecoder.TryDecode(data, out var nflog, out var e)) return Fail(e);
        if (!nflog.HasPayload)
        {
            // Cut by the snapshot length at an attribute boundary, the packet attribute may have been next.
            return _frameExtent == Extent.Cut ? Fail(DecodeEvent.NflogTruncated) : Outcome.NonIp;
        }

        int ipVersion = nflog.Family switch
        {
            NflogHeader.FamilyIpv4 => 4,
            NflogHeader.FamilyIpv6 => 6,
            _ => 0,
        };
        return DecodeByFamily(ipVersion, data.Slice(nflog.PayloadOffset, nflog.PayloadLength), ref packet);
    }
}
