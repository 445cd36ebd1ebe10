using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.LinuxSll;

internal static class LinuxSllDecoder
{
    /// <summary>Reads a cooked v1 header; the payload starts at <see cref="LinuxSllHeader.Length"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out LinuxSllHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < LinuxSllHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.LinuxSllTruncated;
            return false;
        }

        header = new LinuxSllHeader(
            BinaryPrimitives.ReadUInt16BigEndian(data),
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[14..]));
        decodeEvent = DecodeEvent.None;
        return true;
    }

    /// <summary>Reads a cooked v2 header; the payload starts at <see cref="LinuxSll2Header.Length"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out LinuxSll2Header header, out DecodeEvent decodeEvent)
    {
        if (data.Length < LinuxSll2Header.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.LinuxSllTruncated;
            return false;
        }

        header = new LinuxSll2Header(
            BinaryPrimitives.ReadUInt16BigEndian(data),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[8..]),
            data[10]);
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
