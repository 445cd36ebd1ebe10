using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.Tcp;

internal static class TcpDecoder
{
    private const TcpFlags SynFin = TcpFlags.Syn | TcpFlags.Fin;
    private const TcpFlags SynRst = TcpFlags.Syn | TcpFlags.Rst;

    /// <summary>
    /// Reads the 20-byte fixed header and checks the data offset is at least 5 words. Whether the options fit in the
    /// packet is the caller's check: only it knows the IP length and whether the capture was cut.
    /// Returns true with a warning for flag combinations no stack sends (SYN+FIN, SYN+RST, none) and for port 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> data, out TcpHeader header, out DecodeEvent decodeEvent)
    {
        header = default;
        if (data.Length < TcpHeader.MinLength)
        {
            decodeEvent = DecodeEvent.TcpTruncated;
            return false;
        }

        int headerLength = (data[12] >> 4) * 4;
        if (headerLength < TcpHeader.MinLength)
        {
            decodeEvent = DecodeEvent.TcpBadDataOffset;
            return false;
        }

        // 9 flag bits: NS is the low bit of byte 12, the rest are byte 13.
        var flags = (TcpFlags)(((data[12] & 1) << 8) | data[13]);
        ushort sourcePort = BinaryPrimitives.ReadUInt16BigEndian(data);
        ushort destinationPort = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        header = new TcpHeader(
            sourcePort,
            destinationPort,
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            (byte)headerLength,
            flags,
            BinaryPrimitives.ReadUInt16BigEndian(data[14..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[16..]));

        decodeEvent = DecodeEvent.None;
        if ((flags & SynFin) == SynFin) decodeEvent = DecodeEvent.TcpSynWithFin;
        else if ((flags & SynRst) == SynRst) decodeEvent = DecodeEvent.TcpSynWithRst;
        else if (flags == TcpFlags.None) decodeEvent = DecodeEvent.TcpNoFlags;
        else if (sourcePort == 0 || destinationPort == 0) decodeEvent = DecodeEvent.TcpZeroPort;
        return true;
    }
}
