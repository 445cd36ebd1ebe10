using System.Buffers.Binary;
using System.Net;
using IdsHalfOpen.Capture;

namespace IdsHalfOpen.Decoding.Tests.Support;

/// <summary>What one call of <see cref="PacketDecoder.TryDecode"/> gave, plus the decoder for its statistics.</summary>
internal sealed record DecodeResult(bool Ok, TcpPacket Packet, DecodeEvent Event, PacketDecoder Decoder)
{
    public DecodeStatistics Stats => Decoder.Statistics;
}

internal static class Decode
{
    /// <summary>Decodes one frame with a fresh decoder. <paramref name="originalLength"/> defaults to the data length (not cut).</summary>
    public static DecodeResult One(byte[] data, LinkType linkType, int? originalLength = null, ChecksumPolicy checksums = ChecksumPolicy.ControlSegments,
        long timestampNs = 1_700_000_000_123_456_789, int interfaceId = 0)
    {
        var decoder = new PacketDecoder(new DecoderOptions { Checksums = checksums });
        var frame = new RawFrame(data, timestampNs, originalLength ?? data.Length, linkType, interfaceId, 1);
        bool ok = decoder.TryDecode(frame, out var packet, out var e);
        return new DecodeResult(ok, packet, e, decoder);
    }

    /// <summary>Decodes the first <paramref name="length"/> bytes as a capture cut by the snapshot length.</summary>
    public static DecodeResult Prefix(byte[] data, int length, LinkType linkType) => One(data[..length], linkType, data.Length);
}

internal static class Addr
{
    public static readonly IPAddress V4A = IPAddress.Parse("192.0.2.10");
    public static readonly IPAddress V4B = IPAddress.Parse("198.51.100.20");
    public static readonly IPAddress V6A = IPAddress.Parse("2001:db8::a");
    public static readonly IPAddress V6B = IPAddress.Parse("2001:db8:1::b");

    /// <summary>The 128-bit form <see cref="TcpPacket"/> uses: IPv4 as ::ffff:a.b.c.d, most significant byte first.</summary>
    public static UInt128 Of(IPAddress address)
    {
        var bytes = (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address).GetAddressBytes();
        return new UInt128(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)));
    }

    public static UInt128 Of(string address) => Of(IPAddress.Parse(address));
}
