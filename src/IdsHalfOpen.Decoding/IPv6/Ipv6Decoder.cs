using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.IPv6;

internal static class Ipv6Decoder
{
    /// <summary>
    /// Checks the version and reads the fixed header. The payload length is not compared with the captured bytes:
    /// only the caller knows whether the snapshot length cut the frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> data, out Ipv6Header header, out DecodeEvent decodeEvent)
    {
        header = default;
        if (data.Length < Ipv6Header.Length)
        {
            decodeEvent = DecodeEvent.Ipv6Truncated;
            return false;
        }

        if ((data[0] >> 4) != 6)
        {
            decodeEvent = DecodeEvent.Ipv6BadVersion;
            return false;
        }

        header = new Ipv6Header(
            ReadAddress(data[8..]),
            ReadAddress(data[24..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[4..]),
            data[6],
            data[7]);
        decodeEvent = DecodeEvent.None;
        return true;
    }

    /// <summary>A 16-byte address, most significant byte first, as the 128-bit integer <see cref="TcpPacket"/> stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 ReadAddress(ReadOnlySpan<byte> data) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(data), BinaryPrimitives.ReadUInt64BigEndian(data[8..]));
}
