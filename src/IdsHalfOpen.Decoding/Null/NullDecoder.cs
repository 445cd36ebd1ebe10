using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Null;

internal static class NullDecoder
{
    /// <summary>LINKTYPE_NULL: the family is in the writer's byte order, which the file does not record.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out NullHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < NullHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.NullTruncated;
            return false;
        }

        // Families are small: if the high half is set when read little-endian, a big-endian host wrote it.
        uint family = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if ((family & 0xFFFF_0000) != 0) family = BinaryPrimitives.ReadUInt32BigEndian(data);
        header = new NullHeader(family);
        decodeEvent = DecodeEvent.None;
        return true;
    }

    /// <summary>LINKTYPE_LOOP: the family is in network byte order.</summary>
    public static bool TryDecodeLoop(ReadOnlySpan<byte> data, out NullHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < NullHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.NullTruncated;
            return false;
        }

        header = new NullHeader(BinaryPrimitives.ReadUInt32BigEndian(data));
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
