using IdsHalfOpen.Decoding.Checksums;
using IdsHalfOpen.Decoding.IPv4;
using IdsHalfOpen.Decoding.IPv6;

namespace IdsHalfOpen.Decoding;

/// <summary>Network layer: IPv4, IPv6 with its extension headers, one level of IP-in-IP, then the transport.</summary>
public sealed partial class PacketDecoder
{
    /// <summary>
    /// An IPv4 packet. <paramref name="depth"/> is 0 for the outer header, 1 inside a tunnel; <paramref name="extent"/> says
    /// whether the capture or an enclosing packet already cut <paramref name="data"/>.
    /// </summary>
    private Outcome DecodeIpv4(ReadOnlySpan<byte> data, ref TcpPacket packet, int depth, Extent extent)
    {
        if (!Ipv4Decoder.TryDecode(data, out var ip, out var e)) return Fail(e);
        if (depth == 0) _stats.Ipv4++;

        int end = ip.TotalLength;
        if (e != DecodeEvent.None)
        {
            // Total length 0: a segmentation-offload capture. Trust the captured bytes, not the length.
            Note(e);
            end = data.Length;
            extent |= Extent.LengthUnknown;
        }
        else if (end > data.Length)
        {
            if (extent == Extent.Whole) Note(DecodeEvent.IpLengthBeyondFrame);
            end = data.Length;
            extent |= Extent.Cut;
        }

        // Beyond the IP length is Ethernet padding: dropped by slicing to end.
        packet.Source = Ipv4Header.ToMapped(ip.Source);
        packet.Destination = Ipv4Header.ToMapped(ip.Destination);
        packet.Ttl = ip.Ttl;
        packet.IpVersion = 4;
        _pseudoHeaderSum = (ulong)ip.Source + ip.Destination;

        if (_checksums != ChecksumPolicy.None && (extent & Extent.LengthUnknown) == 0
            && !InternetChecksum.IsValid(InternetChecksum.Add(data[..ip.HeaderLength], 0)))
        {
            Note(DecodeEvent.Ipv4BadHeaderChecksum);
        }

        if (ip.FragmentOffset != 0) return NonFirstFragment(ip.Protocol);
        if (ip.MoreFragments) extent |= Extent.FirstFragment;

        var payload = data[ip.HeaderLength..end];
        int claimed = (extent & Extent.LengthUnknown) != 0 ? payload.Length : ip.TotalLength - ip.HeaderLength;
        return DecodeTransport(ip.Protocol, payload, claimed, ref packet, depth, extent);
    }

    /// <summary>An IPv6 packet and its extension headers; parameters as for <see cref="DecodeIpv4"/>.</summary>
    private Outcome DecodeIpv6(ReadOnlySpan<byte> data, ref TcpPacket packet, int depth, Extent extent)
    {
        if (!Ipv6Decoder.TryDecode(data, out var ip, out var e)) return Fail(e);
        if (depth == 0) _stats.Ipv6++;

        int end;
        if (ip.PayloadLength == 0 && ip.NextHeader != IpProtocol.NoNextHeader)
        {
            // Payload length 0 without "no next header": segmentation offload (jumbograms are not expected on a mirror port).
            Note(DecodeEvent.Ipv6ZeroPayloadLength);
            end = data.Length;
            extent |= Extent.LengthUnknown;
        }
        else
        {
            end = Ipv6Header.Length + ip.PayloadLength;
            if (end > data.Length)
            {
                if (extent == Extent.Whole) Note(DecodeEvent.IpLengthBeyondFrame);
                end = data.Length;
                extent |= Extent.Cut;
            }
        }

        packet.Source = ip.Source;
        packet.Destination = ip.Destination;
        packet.Ttl = ip.HopLimit;
        packet.IpVersion = 6;

        var payload = data[Ipv6Header.Length..end];
        byte protocol = ip.NextHeader;
        var checksumDestination = ip.Destination;
        int extensionLength = 0;
        if (Ipv6ExtensionDecoder.IsExtension(protocol))
        {
            if (!Ipv6ExtensionChainDecoder.TryDecode(payload, protocol, out var chain, out e)) return Fail(e);
            if (e != DecodeEvent.None) Note(e);
            protocol = chain.Protocol;
            if (chain.FragmentOffset != 0) return NonFirstFragment(protocol);
            if (chain.MoreFragments) extent |= Extent.FirstFragment;
            if (chain.Destination == Ipv6ChecksumDestination.RoutingFinal) checksumDestination = chain.FinalDestination;
            else if (chain.Destination == Ipv6ChecksumDestination.Unknown) extent |= Extent.DestinationUnknown;
            extensionLength = chain.Length;
            payload = payload[extensionLength..];
        }

        _pseudoHeaderSum = InternetChecksum.AddAddress(ip.Source, InternetChecksum.AddAddress(checksumDestination, 0));
        int claimed = (extent & Extent.LengthUnknown) != 0 ? payload.Length : ip.PayloadLength - extensionLength;
        return DecodeTransport(protocol, payload, claimed, ref packet, depth, extent);
    }

    /// <summary>
    /// Dispatches on the protocol. <paramref name="claimed"/> is the transport length by the IP length fields: more than
    /// <paramref name="payload"/> holds when cut.
    /// </summary>
    private Outcome DecodeTransport(byte protocol, ReadOnlySpan<byte> payload, int claimed, ref TcpPacket packet, int depth, Extent extent)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp:
                return DecodeTcp(payload, claimed, ref packet, extent);
            case IpProtocol.Icmp when packet.IpVersion == 4:
            case IpProtocol.Icmpv6 when packet.IpVersion == 6:
                return DecodeIcmp(payload, ref packet);
            case IpProtocol.IpInIp:
            case IpProtocol.Ipv6InIp:
                if (depth != 0) return Fail(DecodeEvent.IpTunnelTooDeep);
                _stats.Tunneled++;
                // The inner packet is whole only if the outer one is; a first fragment holds only its start.
                var inner = (extent & (Extent.Cut | Extent.FirstFragment)) != 0 ? Extent.Cut : Extent.Whole;
                return protocol == IpProtocol.IpInIp
                    ? DecodeIpv4(payload, ref packet, 1, inner)
                    : DecodeIpv6(payload, ref packet, 1, inner);
            case IpProtocol.Udp:
                _stats.Udp++;
                return Outcome.NonTcpIp;
            default:
                return Outcome.NonTcpIp;
        }
    }

    /// <summary>A non-first fragment holds no transport header. Only TCP (or a tunnel that may carry it) makes that an anomaly.</summary>
    private Outcome NonFirstFragment(byte protocol)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp:
            case IpProtocol.IpInIp:
            case IpProtocol.Ipv6InIp:
                return Fail(DecodeEvent.IpFragmentNotFirst);
            case IpProtocol.Udp:
                _stats.Udp++;
                return Outcome.NonTcpIp;
            case IpProtocol.Icmp:
            case IpProtocol.Icmpv6:
                _stats.Icmp++;
                return Outcome.NonTcpIp;
            default:
                return Outcome.NonTcpIp;
        }
    }
}
