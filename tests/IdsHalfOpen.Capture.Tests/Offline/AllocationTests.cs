using IdsHalfOpen.Capture.Offline;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>The read loop is the hot path: after warm-up it must not allocate per packet, plain or gzip.</summary>
public sealed class AllocationTests
{
    private const int Packets = 20_000;

    public static TheoryData<string, bool> Inputs => new()
    {
        { "pcap", false },
        { "pcap", true },
        { "pcapng", false },
        { "pcapng", true },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Read_ManyPackets_AllocatesNothingPerPacket(string format, bool gzip)
    {
        var bytes = format == "pcap" ? CaptureFiles.Pcap(Packets).Bytes : ManyPacketsPcapng();
        if (gzip) bytes = CaptureFiles.Gzip(bytes);
        using var dir = new TempDir();
        using var source = OfflineSource.Open(dir.Write("many." + format, bytes));

        long checksum = 0;
        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(ReadResult.Packet, source.Read(out var warm));
            checksum += warm.Data[^1];
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = 1000;
        while (source.Read(out var frame) == ReadResult.Packet)
        {
            checksum += frame.Data[^1] + frame.TimestampNs;
            count++;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Null(source.Problem);
        Assert.Equal(Packets, count);
        // A few hundred bytes of slack for the runtime itself; one allocation per packet would be >= 480 KB.
        Assert.True(allocated < 4096, $"{allocated} bytes allocated for {Packets - 1000} packets (checksum {checksum})");
    }

    private static byte[] ManyPacketsPcapng()
    {
        var b = new PcapngBuild();
        int eth = b.Interface(LinkType.Ethernet, tsResol: 9);
        int raw = b.Interface(LinkType.Raw, tsResol: 0x80 | 20);
        var synEth = CaptureFiles.EthernetSyn(1, 10);
        var synRaw = CaptureFiles.RawSyn(2);
        for (int i = 0; i < Packets; i++)
        {
            if (i % 100 == 99) b.Simple(synEth);
            else if (i % 2 == 0) b.Enhanced(eth, CaptureFiles.BaseNs + i, synEth);
            else b.Enhanced(raw, CaptureFiles.BaseNs, synRaw);
        }

        return b.Build().Bytes;
    }
}
