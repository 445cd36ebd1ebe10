using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Icmp;

/// <summary>ICMP for IPv4 and ICMPv6: same header, different error types.</summary>
internal static class IcmpDecoder
{
    /// <summary>ICMP (IPv4): destination unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter problem 12.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out IcmpHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < IcmpHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.IcmpTruncated;
            return false;
        }

        byte type = data[0];
        header = new IcmpHeader(type, data[1], BinaryPrimitives.ReadUInt16BigEndian(data[2..]), type is 3 or 4 or 5 or 11 or 12);
        decodeEvent = DecodeEvent.None;
        return true;
    }

    /// <summary>ICMPv6: destination unreachable 1, packet too big 2, time exceeded 3, parameter problem 4.</summary>
    public static bool TryDecodeV6(ReadOnlySpan<byte> data, out IcmpHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < IcmpHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.IcmpTruncated;
            return false;
        }

        byte type = data[0];
        header = new IcmpHeader(type, data[1], BinaryPrimitives.ReadUInt16BigEndian(data[2..]), type is >= 1 and <= 4);
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
