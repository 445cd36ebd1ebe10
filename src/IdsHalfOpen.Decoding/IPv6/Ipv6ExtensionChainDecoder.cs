namespace IdsHalfOpen.Decoding.IPv6;

internal static class Ipv6ExtensionChainDecoder
{
    /// <summary>
    /// Walks the extension headers starting at <paramref name="data"/> (just after the fixed header), the first being
    /// of type <paramref name="firstHeader"/>. Stops at the first non-extension next header, or at a non-first fragment.
    /// Returns true with <see cref="DecodeEvent.Ipv6HopByHopNotFirst"/> for a misplaced hop-by-hop header.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, byte firstHeader, out Ipv6ExtensionChain header, out DecodeEvent decodeEvent)
    {
        header = default;
        decodeEvent = DecodeEvent.None;
        byte next = firstHeader;
        int offset = 0;
        int count = 0;
        bool fragmented = false;
        int fragmentOffset = 0;
        bool more = false;
        var destination = Ipv6ChecksumDestination.Header;
        UInt128 final = UInt128.Zero;
        while (Ipv6ExtensionDecoder.IsExtension(next))
        {
            if (count == Ipv6ExtensionChain.MaxHeaders)
            {
                decodeEvent = DecodeEvent.Ipv6TooManyExtensionHeaders;
                return false;
            }

            if (next == IpProtocol.HopByHop && count != 0) decodeEvent = DecodeEvent.Ipv6HopByHopNotFirst;
            count++;
            if (!Ipv6ExtensionDecoder.TryDecode(data[offset..], next, out var ext, out var extEvent))
            {
                decodeEvent = extEvent;
                return false;
            }

            offset += ext.Length;
            next = ext.NextHeader;
            if (ext.Type == IpProtocol.Fragment)
            {
                fragmented = true;
                fragmentOffset = ext.FragmentOffset;
                more = ext.MoreFragments;
                if (fragmentOffset != 0) break;
            }
            else if (ext.SegmentsLeft != 0 && destination != Ipv6ChecksumDestination.Unknown)
            {
                destination = ext.HasFinalDestination ? Ipv6ChecksumDestination.RoutingFinal : Ipv6ChecksumDestination.Unknown;
                final = ext.FinalDestination;
            }
        }

        header = new Ipv6ExtensionChain(next, offset, count, fragmented, fragmentOffset, more, destination, final);
        return true;
    }
}
