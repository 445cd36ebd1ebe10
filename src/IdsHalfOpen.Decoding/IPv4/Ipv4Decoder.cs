using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.IPv4;

internal static class Ipv4Decoder
{
    /// <summary>
    /// Checks version and header length and reads the header; options are skipped by the header length.
    /// Total length is checked against the header only (0 is accepted with <see cref="DecodeEvent.Ipv4ZeroTotalLength"/>):
    /// how it compares with the captured bytes is the caller's business, since only the caller knows the snapshot length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> data, out Ipv4Header header, out DecodeEvent decodeEvent)
    {
        header = default;
        if (data.Length < Ipv4Header.MinLength)
        {
            decodeEvent = DecodeEvent.Ipv4Truncated;
            return false;
        }

        byte versionIhl = data[0];
        if ((versionIhl >> 4) != 4)
        {
            decodeEvent = DecodeEvent.Ipv4BadVersion;
            return false;
        }

        int headerLength = (versionIhl & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinLength)
        {
            decodeEvent = DecodeEvent.Ipv4BadHeaderLength;
            return false;
        }

        if (headerLength > data.Length)
        {
            decodeEvent = DecodeEvent.Ipv4Truncated;
            return false;
        }

        ushort totalLength = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        decodeEvent = DecodeEvent.None;
        if (totalLength < headerLength)
        {
            if (totalLength != 0)
            {
                decodeEvent = DecodeEvent.Ipv4BadTotalLength;
                return false;
            }

            decodeEvent = DecodeEvent.Ipv4ZeroTotalLength;
        }

        header = new Ipv4Header(
            BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[16..]),
            totalLength,
            BinaryPrimitives.ReadUInt16BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[6..]),
            (byte)headerLength,
            data[9],
            data[8]);
        return true;
    }
}
