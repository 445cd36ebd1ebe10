using System.Buffers.Binary;
using System.IO.Compression;
using IdsHalfOpen.Capture;

namespace IdsHalfOpen.Decoding.Tests.Support;

/// <summary>One record of a capture file, copied out.</summary>
internal sealed record CapturedFrame(LinkType LinkType, byte[] Data, long TimestampNs, int OriginalLength, int InterfaceId);

/// <summary>
/// A test-only reader for the shared real captures: classic pcap (either byte order, µs or ns) and pcapng (enhanced and
/// simple packet blocks), gzip or not, detected by magic number. Reads whole files into memory; no validation beyond what
/// the tests need. The product's readers live in IdsHalfOpen.Capture.
/// </summary>
internal static class TinyCaptureReader
{
    public static List<CapturedFrame> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length > 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            bytes = plain.ToArray();
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return magic == 0x0A0D0D0A ? ReadPcapng(bytes) : ReadPcap(bytes);
    }

    private static List<CapturedFrame> ReadPcap(byte[] b)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(b);
        bool swapped = magic is 0xD4C3B2A1 or 0x4D3CB2A1;
        uint native = swapped ? BinaryPrimitives.ReverseEndianness(magic) : magic;
        bool nanos = native == 0xA1B23C4D;
        if (native is not (0xA1B2C3D4 or 0xA1B23C4D)) throw new InvalidDataException("not a capture file");
        var linkType = (LinkType)(U32(b, 20, swapped) & 0xFFFF);
        var frames = new List<CapturedFrame>();
        int o = 24;
        while (o + 16 <= b.Length)
        {
            long seconds = U32(b, o, swapped);
            long fraction = U32(b, o + 4, swapped);
            int captured = (int)U32(b, o + 8, swapped);
            int original = (int)U32(b, o + 12, swapped);
            o += 16;
            if (captured < 0 || o + captured > b.Length) break;
            frames.Add(new CapturedFrame(linkType, b[o..(o + captured)], (seconds * 1_000_000_000) + (nanos ? fraction : fraction * 1000), original, 0));
            o += captured;
        }

        return frames;
    }

    private static List<CapturedFrame> ReadPcapng(byte[] b)
    {
        var frames = new List<CapturedFrame>();
        var interfaces = new List<(LinkType LinkType, int SnapLength, long TicksPerSecond)>();
        bool swapped = false;
        int o = 0;
        while (o + 12 <= b.Length)
        {
            uint type = U32(b, o, swapped);
            if (type == 0x0A0D0D0A)
            {
                swapped = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o + 8)) != 0x1A2B3C4D;
                interfaces.Clear();
            }

            int length = (int)U32(b, o + 4, swapped);
            if (length < 12 || o + length > b.Length) break;
            var body = b.AsSpan(o + 8, length - 12);
            switch (type)
            {
                case 1:
                    interfaces.Add(((LinkType)U16(body, 0, swapped), (int)U32(body, 4, swapped), TicksPerSecond(body[8..], swapped)));
                    break;
                case 6:
                {
                    int id = (int)U32(body, 0, swapped);
                    ulong ticks = ((ulong)U32(body, 4, swapped) << 32) | U32(body, 8, swapped);
                    int captured = (int)U32(body, 12, swapped);
                    int original = (int)U32(body, 16, swapped);
                    var (lt, _, tps) = interfaces[id];
                    long ns = (long)((decimal)ticks * 1_000_000_000m / tps);
                    frames.Add(new CapturedFrame(lt, body.Slice(20, captured).ToArray(), ns, original, id));
                    break;
                }

                case 3:
                {
                    int original = (int)U32(body, 0, swapped);
                    var (lt, snap, _) = interfaces[0];
                    int captured = Math.Min(original, snap > 0 ? snap : original);
                    frames.Add(new CapturedFrame(lt, body.Slice(4, captured).ToArray(), 0, original, 0));
                    break;
                }
            }

            o += length;
        }

        return frames;
    }

    /// <summary>if_tsresol (option 9) of an interface description block's options; microseconds by default.</summary>
    private static long TicksPerSecond(ReadOnlySpan<byte> options, bool swapped)
    {
        while (options.Length >= 4)
        {
            int code = U16(options, 0, swapped);
            int length = U16(options, 2, swapped);
            if (code == 0 || 4 + length > options.Length) break;
            if (code == 9 && length >= 1)
            {
                byte r = options[4];
                return (r & 0x80) != 0 ? 1L << (r & 0x7F) : (long)Math.Pow(10, r);
            }

            options = options[(4 + ((length + 3) & ~3))..];
        }

        return 1_000_000;
    }

    private static uint U32(ReadOnlySpan<byte> b, int o, bool swapped) =>
        swapped ? BinaryPrimitives.ReadUInt32BigEndian(b[o..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[o..]);

    private static ushort U16(ReadOnlySpan<byte> b, int o, bool swapped) =>
        swapped ? BinaryPrimitives.ReadUInt16BigEndian(b[o..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[o..]);
}
