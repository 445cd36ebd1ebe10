using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.Ethernet;

internal static class EthernetDecoder
{
    /// <summary>Reads an Ethernet II header; the payload starts at <see cref="EthernetHeader.Length"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> data, out EthernetHeader header, out DecodeEvent decodeEvent)
    {
        if (data.Length < EthernetHeader.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.EthernetTruncated;
            return false;
        }

        header = new EthernetHeader(BinaryPrimitives.ReadUInt16BigEndian(data[12..]));
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
