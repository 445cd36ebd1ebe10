using System.Buffers.Binary;

namespace IdsHalfOpen.Decoding.Mpls;

internal static class MplsDecoder
{
    private const uint BottomOfStack = 0x100;

    /// <summary>Walks label stack entries until the bottom-of-stack bit.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out MplsStack header, out DecodeEvent decodeEvent)
    {
        uint top = 0;
        for (int count = 1; count <= MplsStack.MaxLabels; count++)
        {
            int offset = (count - 1) * MplsStack.EntryLength;
            if (data.Length < offset + MplsStack.EntryLength)
            {
                header = default;
                decodeEvent = DecodeEvent.MplsTruncated;
                return false;
            }

            uint entry = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            if (count == 1) top = entry >> 12;
            if ((entry & BottomOfStack) != 0)
            {
                header = new MplsStack(count, top, entry >> 12);
                decodeEvent = DecodeEvent.None;
                return true;
            }
        }

        header = default;
        decodeEvent = DecodeEvent.MplsTooManyLabels;
        return false;
    }
}
