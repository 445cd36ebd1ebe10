using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Decoding.Checksums;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit one's-complement sum used by IPv4, TCP and ICMP.
/// Sums 32-bit words into a 64-bit accumulator and folds once at the end; one's-complement addition is
/// associative, so this equals the 16-bit sum (RFC 1071 §2) while touching each byte once.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/>, read as big-endian 16-bit words (an odd last byte is padded with zero), to <paramref name="sum"/>.</summary>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum)
    {
        while (data.Length >= 16)
        {
            sum += (ulong)BinaryPrimitives.ReadUInt32BigEndian(data)
                + BinaryPrimitives.ReadUInt32BigEndian(data[4..])
                + BinaryPrimitives.ReadUInt32BigEndian(data[8..])
                + BinaryPrimitives.ReadUInt32BigEndian(data[12..]);
            data = data[16..];
        }

        while (data.Length >= 4)
        {
            sum += BinaryPrimitives.ReadUInt32BigEndian(data);
            data = data[4..];
        }

        if (data.Length >= 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data);
            data = data[2..];
        }

        if (data.Length == 1) sum += (uint)data[0] << 8;
        return sum;
    }

    /// <summary>Adds the four 32-bit words of a 128-bit address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AddAddress(UInt128 address, ulong sum)
    {
        ulong high = (ulong)(address >> 64);
        ulong low = (ulong)address;
        return sum + (high >> 32) + (uint)high + (low >> 32) + (uint)low;
    }

    /// <summary>Folds a running sum to 16 bits with end-around carry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>True when data that includes its own checksum field sums to all ones, i.e. the checksum is right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ulong sumIncludingChecksumField) => Fold(sumIncludingChecksumField) == 0xFFFF;
}
