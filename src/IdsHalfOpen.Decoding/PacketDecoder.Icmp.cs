using IdsHalfOpen.Decoding.Icmp;
using IdsHalfOpen.Decoding.IPv4;
using IdsHalfOpen.Decoding.IPv6;
using IdsHalfOpen.Decoding.Tcp;

namespace IdsHalfOpen.Decoding;

/// <summary>
/// ICMP and ICMPv6 errors that quote a TCP header: the quoted segment's tuple is returned as
/// <see cref="TcpPacketKind.IcmpErrorQuote"/>. The quoted packet's own length fields describe the original, not the
/// quote, so they are not checked against the bytes present.
/// </summary>
public sealed partial class PacketDecoder
{
    /// <summary>The ICMP message; ICMP (IPv4) or ICMPv6 as the enclosing packet's version says.</summary>
    private Outcome DecodeIcmp(ReadOnlySpan<byte> data, ref TcpPacket packet)
    {
        bool v6 = packet.IpVersion == 6;
        IcmpHeader icmp;
        DecodeEvent e;
        bool ok = v6 ? IcmpDecoder.TryDecodeV6(data, out icmp, out e) : IcmpDecoder.TryDecode(data, out icmp, out e);
        if (!ok) return Fail(e);
        if (!icmp.IsError)
        {
            _stats.Icmp++;
            return Outcome.NonTcpIp;
        }

        var quoted = data[IcmpHeader.Length..];
        var outcome = v6 ? DecodeQuotedIpv6(quoted, ref packet) : DecodeQuotedIpv4(quoted, ref packet);
        if (outcome == Outcome.IcmpQuote)
        {
            packet.Kind = TcpPacketKind.IcmpErrorQuote;
            packet.IcmpType = icmp.Type;
            packet.IcmpCode = icmp.Code;
        }
        else if (outcome == Outcome.NonTcpIp)
        {
            _stats.Icmp++;
        }

        return outcome;
    }

    private Outcome DecodeQuotedIpv4(ReadOnlySpan<byte> quoted, ref TcpPacket packet)
    {
        if (!Ipv4Decoder.TryDecode(quoted, out var ip, out var e))
        {
            return Fail(e == DecodeEvent.Ipv4Truncated ? DecodeEvent.IcmpQuoteTruncated : DecodeEvent.IcmpQuoteMalformed);
        }

        if (ip.Protocol != IpProtocol.Tcp || ip.FragmentOffset != 0) return Outcome.NonTcpIp;
        if (!TcpQuoteDecoder.TryDecode(quoted[ip.HeaderLength..], out var tcp, out e)) return Fail(e);

        packet.Source = Ipv4Header.ToMapped(ip.Source);
        packet.Destination = Ipv4Header.ToMapped(ip.Destination);
        FillQuote(ref packet, tcp, ip.TotalLength - ip.HeaderLength);
        return Outcome.IcmpQuote;
    }

    private Outcome DecodeQuotedIpv6(ReadOnlySpan<byte> quoted, ref TcpPacket packet)
    {
        if (!Ipv6Decoder.TryDecode(quoted, out var ip, out var e))
        {
            return Fail(e == DecodeEvent.Ipv6Truncated ? DecodeEvent.IcmpQuoteTruncated : DecodeEvent.IcmpQuoteMalformed);
        }

        var rest = quoted[Ipv6Header.Length..];
        byte protocol = ip.NextHeader;
        int extensionLength = 0;
        if (Ipv6ExtensionDecoder.IsExtension(protocol))
        {
            if (!Ipv6ExtensionChainDecoder.TryDecode(rest, protocol, out var chain, out e))
            {
                return Fail(e == DecodeEvent.Ipv6ExtensionTruncated ? DecodeEvent.IcmpQuoteTruncated : DecodeEvent.IcmpQuoteMalformed);
            }

            if (chain.FragmentOffset != 0) return Outcome.NonTcpIp;
            protocol = chain.Protocol;
            extensionLength = chain.Length;
            rest = rest[extensionLength..];
        }

        if (protocol != IpProtocol.Tcp) return Outcome.NonTcpIp;
        if (!TcpQuoteDecoder.TryDecode(rest, out var tcp, out e)) return Fail(e);

        packet.Source = ip.Source;
        packet.Destination = ip.Destination;
        FillQuote(ref packet, tcp, ip.PayloadLength - extensionLength);
        return Outcome.IcmpQuote;
    }

    /// <summary>The quoted segment's fields; TTL and IP version stay the ICMP packet's own.</summary>
    private static void FillQuote(ref TcpPacket packet, in TcpQuote tcp, int quotedSegmentLength)
    {
        packet.SourcePort = tcp.SourcePort;
        packet.DestinationPort = tcp.DestinationPort;
        packet.Sequence = tcp.Sequence;
        packet.Acknowledgment = tcp.Acknowledgment;
        packet.Flags = tcp.Flags;
        packet.Window = tcp.Window;
        // The original segment's payload, when the quote reaches its data offset and the lengths agree.
        int payload = quotedSegmentLength - tcp.HeaderLength;
        packet.PayloadLength = tcp.HeaderLength >= TcpHeader.MinLength && payload >= 0 ? payload : 0;
    }
}
