using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using IdsHalfOpen.Decoding.Ethernet;

namespace IdsHalfOpen.Decoding.Vlan;

internal static class VlanDecoder
{
    /// <summary>True for the TPIDs that announce a VLAN tag.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsTagType(ushort etherType) =>
        etherType is EtherTypes.Vlan or EtherTypes.QinQ or EtherTypes.QinQLegacy;

    /// <summary>Reads the 4 bytes after a VLAN TPID.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryDecode(ReadOnlySpan<byte> data, out VlanTag header, out DecodeEvent decodeEvent)
    {
        if (data.Length < VlanTag.Length)
        {
            header = default;
            decodeEvent = DecodeEvent.VlanTruncated;
            return false;
        }

        header = new VlanTag(BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]));
        decodeEvent = DecodeEvent.None;
        return true;
    }
}
