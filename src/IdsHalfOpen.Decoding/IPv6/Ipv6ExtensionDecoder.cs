using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.IPv6;

internal static class Ipv6ExtensionDecoder
{
    /// <summary>Every extension header is at least 8 bytes long.</summary>
    public const int MinLength = 8;

    private const byte RoutingType0 = 0;
    private const byte RoutingType2 = 2;
    private const byte RoutingSegment = 4;

    /// <summary>Next-header values that are extension headers with the common layout (ESP is not: it hides what follows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsExtension(byte nextHeader) => nextHeader is IpProtocol.HopByHop or IpProtocol.Routing or IpProtocol.Fragment
        or IpProtocol.DestinationOptions or IpProtocol.AuthenticationHeader or IpProtocol.Mobility or IpProtocol.Hip or IpProtocol.Shim6;

    /// <summary>
    /// Reads one extension header of type <paramref name="type"/> (the previous header's next-header value: unlike the
    /// other decoders this one needs it, as the type decides the length unit).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, byte type, out Ipv6ExtensionHeader header, out DecodeEvent decodeEvent)
    {
        header = default;
        if (data.Length < MinLength)
        {
            decodeEvent = DecodeEvent.Ipv6ExtensionTruncated;
            return false;
        }

        int length = type switch
        {
            IpProtocol.Fragment => 8,
            IpProtocol.AuthenticationHeader => (data[1] + 2) * 4,
            _ => (data[1] + 1) * 8,
        };
        if (length > data.Length)
        {
            decodeEvent = DecodeEvent.Ipv6ExtensionTruncated;
            return false;
        }

        ushort fragmentField = 0;
        byte segmentsLeft = 0;
        bool hasFinal = false;
        UInt128 final = UInt128.Zero;
        if (type == IpProtocol.Fragment)
        {
            fragmentField = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        }
        else if (type == IpProtocol.Routing)
        {
            segmentsLeft = data[3];
            if (segmentsLeft != 0)
            {
                // Where the final destination sits depends on the routing type; others (e.g. RPL's compressed form)
                // leave it unknown and the checksum unverified.
                int addresses = data[1] / 2;
                byte routingType = data[2];
                if (routingType == RoutingType0 && addresses >= 1)
                {
                    final = Ipv6Decoder.ReadAddress(data[(8 + ((addresses - 1) * 16))..]); // the last address listed
                    hasFinal = true;
                }
                else if ((routingType is RoutingType2 or RoutingSegment) && addresses >= 1)
                {
                    final = Ipv6Decoder.ReadAddress(data[8..]); // home address; SRH Segment List[0] is the last segment
                    hasFinal = true;
                }
            }
        }

        header = new Ipv6ExtensionHeader(type, data[0], length, fragmentField, segmentsLeft, hasFinal, final);
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
