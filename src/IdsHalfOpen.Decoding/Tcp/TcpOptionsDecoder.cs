using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Tcp;

internal static class TcpOptionsDecoder
{
    private const byte KindEnd = 0;
    private const byte KindNop = 1;
    private const byte KindMss = 2;
    private const byte KindWindowScale = 3;
    private const byte KindSackPermitted = 4;
    private const byte KindSack = 5;
    private const byte KindTimestamps = 8;
    private const byte KindFastOpen = 34;
    private const byte KindExperimental = 254;
    private const ushort FastOpenExperimentId = 0xF989;
    private const byte MaxWindowScale = 14;

    /// <summary>
    /// Walks the option list (the bytes between the fixed header and the data offset). A bad option never rejects the
    /// header: an option of a known kind with the wrong length is skipped with <see cref="DecodeEvent.TcpOptionBadLength"/>
    /// and the walk goes on. Returns false when the list itself is broken (an option past the end, or a length below 2):
    /// the walk stops there and <paramref name="header"/> holds what came before.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out TcpOptions header, out DecodeEvent decodeEvent)
    {
        var present = TcpOptionFlags.None;
        ushort mss = 0;
        byte windowScale = 0;
        uint tsVal = 0;
        uint tsEcr = 0;
        byte sackBlocks = 0;
        decodeEvent = DecodeEvent.None;
        bool complete = true;
        int i = 0;
        while (i < data.Length)
        {
            byte kind = data[i];
            if (kind == KindEnd) break;
            if (kind == KindNop)
            {
                i++;
                continue;
            }

            if (data.Length - i < 2)
            {
                decodeEvent = DecodeEvent.TcpOptionTruncated;
                complete = false;
                break;
            }

            int length = data[i + 1];
            if (length < 2)
            {
                decodeEvent = DecodeEvent.TcpOptionBadLength;
                complete = false;
                break;
            }

            if (length > data.Length - i)
            {
                decodeEvent = DecodeEvent.TcpOptionTruncated;
                complete = false;
                break;
            }

            var option = data.Slice(i, length);
            bool lengthOk = true;
            switch (kind)
            {
                case KindMss:
                    lengthOk = length == 4;
                    if (lengthOk)
                    {
                        mss = BinaryPrimitives.ReadUInt16BigEndian(option[2..]);
                        present |= TcpOptionFlags.Mss;
                    }

                    break;
                case KindWindowScale:
                    lengthOk = length == 3;
                    if (lengthOk)
                    {
                        windowScale = option[2];
                        present |= TcpOptionFlags.WindowScale;
                        if (windowScale > MaxWindowScale && decodeEvent == DecodeEvent.None) decodeEvent = DecodeEvent.TcpWindowScaleTooLarge;
                    }

                    break;
                case KindSackPermitted:
                    lengthOk = length == 2;
                    if (lengthOk) present |= TcpOptionFlags.SackPermitted;
                    break;
                case KindSack:
                    lengthOk = length >= 10 && (length - 2) % 8 == 0;
                    if (lengthOk)
                    {
                        sackBlocks = (byte)((length - 2) / 8);
                        present |= TcpOptionFlags.Sack;
                    }

                    break;
                case KindTimestamps:
                    lengthOk = length == 10;
                    if (lengthOk)
                    {
                        tsVal = BinaryPrimitives.ReadUInt32BigEndian(option[2..]);
                        tsEcr = BinaryPrimitives.ReadUInt32BigEndian(option[6..]);
                        present |= TcpOptionFlags.Timestamps;
                    }

                    break;
                case KindFastOpen:
                    // Empty: a cookie request; otherwise a 4 to 16 byte cookie.
                    lengthOk = length == 2 || length is >= 6 and <= 18;
                    if (lengthOk) present |= TcpOptionFlags.FastOpen;
                    break;
                case KindExperimental:
                    if (length >= 4 && BinaryPrimitives.ReadUInt16BigEndian(option[2..]) == FastOpenExperimentId) present |= TcpOptionFlags.FastOpen;
                    break;
            }

            if (!lengthOk && decodeEvent == DecodeEvent.None) decodeEvent = DecodeEvent.TcpOptionBadLength;
            i += length;
        }

        header = new TcpOptions(present, mss, windowScale, tsVal, tsEcr, sackBlocks);
        return complete;
    }
}
