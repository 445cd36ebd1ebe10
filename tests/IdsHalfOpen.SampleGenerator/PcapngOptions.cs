using System.Buffers.Binary;
using System.Text;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.SampleGenerator;

/// <summary>
/// samples-pcap/pcapng-options.pcapng: a little-endian pcapng file that uses the parts of the format
/// <see cref="TestKit.PcapngWriter"/> leaves out: options on every block, a real section length, a binary if_tsresol,
/// if_tsoffset, interface snaplen 0, a decryption secrets block and a packet block with no captured bytes.
/// </summary>
public static class PcapngOptions
{
    public static byte[] Build()
    {
        var packets = CleanTraffic.Packets(new CleanTrafficOptions
        {
            Seed = 1701,
            StartNs = SampleCatalog.BaseNs,
            Connections = 6,
            Clients = SampleCatalog.Clients4,
            Servers = SampleCatalog.Servers4,
            MeanGapNs = 50 * Conversation.Millisecond,
            RefusedEvery = 6,
        }).ToList();

        using var blocks = new MemoryStream();
        // Interface 0: Ethernet, snaplen 0 (no limit), if_tsresol 2^-20 s, name and description.
        Block(blocks, 1, [.. U16(1), .. U16(0), .. U32(0), .. Option(2, "eth0"u8), .. Option(3, "binary-resolution port"u8), .. Option(9, [0x94]), .. EndOfOptions()]);
        // Interface 1: Ethernet, microseconds, if_tsoffset +1000 s (timestamps are stored 1000 s early).
        Block(blocks, 1, [.. U16(1), .. U16(0), .. U32(262144), .. Option(2, "eth1"u8), .. Option(14, I64(1000)), .. EndOfOptions()]);
        for (int i = 0; i < packets.Count; i++)
        {
            var p = packets[i];
            var frame = Framing.Ethernet(p);
            if (i % 2 == 0)
            {
                ulong ticks = (ulong)((UInt128)(ulong)p.TimestampNs * (1UL << 20) / 1_000_000_000UL);
                Block(blocks, 6, Epb(0, ticks, frame, frame.Length, [.. Option(1, Encoding.UTF8.GetBytes($"packet {i + 1}")), .. Option(2, U32(i % 4 == 0 ? 1u : 2u)), .. EndOfOptions()]));
            }
            else
            {
                ulong ticks = (ulong)((p.TimestampNs - 1000 * Conversation.Second) / 1000);
                Block(blocks, 6, Epb(1, ticks, frame, frame.Length, []));
            }

            if (i == 7) Block(blocks, 0x0000000A, [.. U32(0x544C534B), .. U32(8), .. "CLIENT_R"u8]); // TLS key log secrets
            if (i == 9) Block(blocks, 6, Epb(1, (ulong)((p.TimestampNs + 1000 - 1000 * Conversation.Second) / 1000), [], 60, [])); // nothing captured
        }

        using var file = new MemoryStream();
        byte[] shbOptions = [.. Option(2, "generated"u8), .. Option(3, "any"u8), .. Option(4, "IdsHalfOpen.SampleGenerator"u8), .. EndOfOptions()];
        Block(file, 0x0A0D0D0A, [.. U32(0x1A2B3C4D), .. U16(1), .. U16(0), .. I64(blocks.Length), .. shbOptions]);
        blocks.Position = 0;
        blocks.CopyTo(file);
        return file.ToArray();
    }

    private static byte[] Epb(uint iface, ulong ticks, byte[] data, int originalLength, byte[] options) =>
        [.. U32(iface), .. U32((uint)(ticks >> 32)), .. U32((uint)ticks), .. U32((uint)data.Length), .. U32((uint)originalLength), .. Pad(data), .. options];

    private static void Block(Stream s, uint type, byte[] body)
    {
        var padded = Pad(body);
        uint total = (uint)(12 + padded.Length);
        s.Write(U32(type));
        s.Write(U32(total));
        s.Write(padded);
        s.Write(U32(total));
    }

    private static byte[] Option(ushort code, ReadOnlySpan<byte> value) => [.. U16(code), .. U16((ushort)value.Length), .. Pad(value.ToArray())];

    private static byte[] EndOfOptions() => [0, 0, 0, 0];

    private static byte[] Pad(byte[] b) => b.Length % 4 == 0 ? b : [.. b, .. new byte[4 - b.Length % 4]];

    private static byte[] U16(ushort v)
    {
        var b = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        return b;
    }

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private static byte[] I64(long v)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return b;
    }
}
