using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Community ID v1 flow hash (https://github.com/corelight/community-id-spec), the value ECS puts in
/// <c>network.community_id</c> so our records join with Zeek, Suricata and Elastic Agent data on the same flow.
/// Hash input: seed (2 bytes) | lower endpoint address | higher endpoint address | protocol | 0 | lower port | higher
/// port, all in network byte order; IPv4-mapped addresses contribute their 4 IPv4 bytes, as the packet carried them.
/// Ports are used as given: right for TCP, UDP and SCTP; ICMP's type/code mapping is not implemented (not needed here).
/// </summary>
public static class CommunityId
{
    /// <summary>"1:" and the base64 of a 20-byte SHA-1 digest.</summary>
    public const int Length = 30;

    public const int DigestLength = 20;

    public const byte Tcp = 6;

    /// <summary>Computes the raw SHA-1 digest into <paramref name="digest"/> (at least <see cref="DigestLength"/> bytes).</summary>
    public static void ComputeDigest(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, Span<byte> digest, byte protocol = Tcp, ushort seed = 0)
    {
        // Order the endpoints so both directions of a flow hash alike. For two IPv4-mapped (or two IPv6) addresses
        // comparing the UInt128 values is the same as comparing the address bytes, which the spec asks for.
        if (source > destination || (source == destination && sourcePort > destinationPort))
        {
            (source, destination) = (destination, source);
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[2 + 16 + 16 + 2 + 4];
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        int offset = 2;
        offset += WriteAddress(source, input[offset..]);
        offset += WriteAddress(destination, input[offset..]);
        input[offset++] = protocol;
        input[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[offset..], sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(input[(offset + 2)..], destinationPort);
        offset += 4;
        Sha1Block.Hash(input[..offset], digest);
    }

    /// <summary>Writes <c>1:&lt;base64&gt;</c> as UTF-8; false when <paramref name="destination"/> is shorter than <see cref="Length"/>.</summary>
    public static bool TryFormatUtf8(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, Span<byte> utf8Destination, out int bytesWritten, byte protocol = Tcp, ushort seed = 0)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        ComputeDigest(source, sourcePort, destination, destinationPort, digest, protocol, seed);
        return TryFormatDigestUtf8(digest, utf8Destination, out bytesWritten);
    }

    public static bool TryFormat(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, Span<char> charDestination, out int charsWritten, byte protocol = Tcp, ushort seed = 0)
    {
        charsWritten = 0;
        if (charDestination.Length < Length) return false;
        Span<byte> digest = stackalloc byte[DigestLength];
        ComputeDigest(source, sourcePort, destination, destinationPort, digest, protocol, seed);
        charDestination[0] = '1';
        charDestination[1] = ':';
        if (!Convert.TryToBase64Chars(digest, charDestination[2..], out int n)) return false;
        charsWritten = 2 + n;
        return true;
    }

    /// <summary>Allocating convenience for tests and consoles.</summary>
    public static string Compute(UInt128 source, ushort sourcePort, UInt128 destination, ushort destinationPort, byte protocol = Tcp, ushort seed = 0)
    {
        Span<char> text = stackalloc char[Length];
        TryFormat(source, sourcePort, destination, destinationPort, text, out int n, protocol, seed);
        return new string(text[..n]);
    }

    internal static bool TryFormatDigestUtf8(ReadOnlySpan<byte> digest, Span<byte> utf8Destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (utf8Destination.Length < Length) return false;
        utf8Destination[0] = (byte)'1';
        utf8Destination[1] = (byte)':';
        if (Base64.EncodeToUtf8(digest[..DigestLength], utf8Destination[2..], out _, out int n) != OperationStatus.Done) return false;
        bytesWritten = 2 + n;
        return true;
    }

    private static int WriteAddress(UInt128 address, Span<byte> destination)
    {
        if (IpText.IsIPv4Mapped(address))
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
            return 4;
        }

        BinaryPrimitives.WriteUInt128BigEndian(destination, address);
        return 16;
    }
}
