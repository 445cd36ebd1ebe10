using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.FabricPath;

internal static class FabricPathDecoder
{
    /// <summary>Reads the 2-byte FTag/TTL after EtherType 0x8903; an inner Ethernet header follows at <see cref="FabricPathTag.Length"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out FabricPathTag header, out DecodeEvent decodeEvent)
    {
        if (data.Length < FabricPathTag.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.FabricPathTruncated;
            return false;
        }

        header = new FabricPathTag(BinaryPrimitives.ReadUInt16BigEndian(data));
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
