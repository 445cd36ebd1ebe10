using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>Address arithmetic for scenarios (documentation, benchmarking and private ranges only).</summary>
public static class Addressing
{
    /// <summary>The address in <paramref name="prefix"/>/<paramref name="prefixLength"/> whose host part is <paramref name="host"/> (host bits above 64 stay as in the prefix).</summary>
    public static IPAddress InPrefix(IPAddress prefix, int prefixLength, ulong host)
    {
        var bytes = prefix.GetAddressBytes();
        int hostBits = bytes.Length * 8 - prefixLength;
        if (hostBits < 0 || prefixLength < 0) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        if (bytes.Length == 4)
        {
            uint mask = hostBits >= 32 ? uint.MaxValue : (1u << hostBits) - 1;
            uint v = (BinaryPrimitives.ReadUInt32BigEndian(bytes) & ~mask) | ((uint)host & mask);
            BinaryPrimitives.WriteUInt32BigEndian(bytes, v);
            return new IPAddress(bytes);
        }

        ulong low = BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8));
        ulong lowMask = hostBits >= 64 ? ulong.MaxValue : (1UL << hostBits) - 1;
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), (low & ~lowMask) | (host & lowMask));
        return new IPAddress(bytes);
    }

    /// <summary>Number of host bits of a prefix.</summary>
    public static int HostBits(IPAddress prefix, int prefixLength) => (prefix.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32) - prefixLength;

    public static IPEndPoint Endpoint(string address, int port) => new(IPAddress.Parse(address), port);
}
