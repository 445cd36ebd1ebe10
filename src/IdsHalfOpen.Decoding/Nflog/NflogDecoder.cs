using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Nflog;

internal static class NflogDecoder
{
    private const int TlvHeaderLength = 4;
    private const ushort TypePayload = 9;
    /// <summary>Type bits left after the netlink NLA_F_NESTED and NLA_F_NET_BYTEORDER flags.</summary>
    private const ushort TypeMask = 0x3FFF;

    /// <summary>
    /// Finds the packet TLV. A record without one (a rule logging with copy size 0) decodes with no payload; the caller
    /// decides whether that is a record cut by the snapshot length.
    /// The packet TLV may be cut by the snapshot length: its value is then what the frame holds.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out NflogHeader header, out DecodeEvent decodeEvent)
    {
        header = default;
        if (data.Length < NflogHeader.Length)
        {
            decodeEvent = DecodeEvent.NflogTruncated;
            return false;
        }

        // The writer's byte order is not recorded; attribute types are small numbers, so a type that only looks
        // small when read big-endian says the file came from a big-endian host.
        bool bigEndian = data.Length >= NflogHeader.Length + TlvHeaderLength
            && (BinaryPrimitives.ReadUInt16LittleEndian(data[(NflogHeader.Length + 2)..]) & TypeMask) > 0xFF;

        if (data.Length == NflogHeader.Length)
        {
            // The kernel always sends at least the packet-header attribute: nothing after the header is a cut record.
            decodeEvent = DecodeEvent.NflogTruncated;
            return false;
        }

        int offset = NflogHeader.Length;
        while (offset < data.Length)
        {
            var tlv = data[offset..];
            if (tlv.Length < TlvHeaderLength)
            {
                decodeEvent = DecodeEvent.NflogTruncated;
                return false;
            }

            int length = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(tlv) : BinaryPrimitives.ReadUInt16LittleEndian(tlv);
            int type = (bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(tlv[2..]) : BinaryPrimitives.ReadUInt16LittleEndian(tlv[2..])) & TypeMask;
            if (length < TlvHeaderLength)
            {
                decodeEvent = DecodeEvent.NflogBadTlv;
                return false;
            }

            if (type == TypePayload)
            {
                int available = Math.Min(length, tlv.Length) - TlvHeaderLength;
                header = new NflogHeader(data[0], data[1], BinaryPrimitives.ReadUInt16BigEndian(data[2..]), offset + TlvHeaderLength, available);
                decodeEvent = DecodeEvent.None;
                return true;
            }

            if (length > tlv.Length)
            {
                // An attribute running past the frame: the packet TLV, if any, was after it.
                decodeEvent = DecodeEvent.NflogTruncated;
                return false;
            }

            // The last attribute's padding may be missing; the loop ends either way.
            offset += (length + 3) & ~3;
        }

        header = new NflogHeader(data[0], data[1], BinaryPrimitives.ReadUInt16BigEndian(data[2..]), 0, 0);
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
