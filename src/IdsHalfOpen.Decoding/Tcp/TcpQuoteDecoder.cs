using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Tcp;

internal static class TcpQuoteDecoder
{
    /// <summary>Reads as much of a quoted TCP header as is there; fewer than 8 bytes is <see cref="DecodeEvent.IcmpQuoteTruncated"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out TcpQuote header, out DecodeEvent decodeEvent)
    {
        if (data.Length < TcpQuote.MinLength)
        {
            header = default;
            decodeEvent = DecodeEvent.IcmpQuoteTruncated;
            return false;
        }

        uint acknowledgment = data.Length >= 12 ? BinaryPrimitives.ReadUInt32BigEndian(data[8..]) : 0;
        byte headerLength = data.Length >= 13 ? (byte)((data[12] >> 4) * 4) : (byte)0;
        var flags = data.Length >= 14 ? (TcpFlags)(((data[12] & 1) << 8) | data[13]) : TcpFlags.None;
        ushort window = data.Length >= 16 ? BinaryPrimitives.ReadUInt16BigEndian(data[14..]) : (ushort)0;
        header = new TcpQuote(
            BinaryPrimitives.ReadUInt16BigEndian(data),
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            acknowledgment,
            headerLength,
            flags,
            window,
            data.Length);
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
