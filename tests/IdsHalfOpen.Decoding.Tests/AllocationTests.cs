using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;

namespace IdsHalfOpen.Decoding.Tests;

public class AllocationTests
{
    public static TheoryData<string> CorpusNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Frames.Corpus()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void TryDecode_AfterWarmUp_AllocatesZeroBytesPerPacket(string name)
    {
        var (_, linkType, data) = Frames.Corpus().Single(c => c.Name == name);
        var decoder = new PacketDecoder(new DecoderOptions { Checksums = ChecksumPolicy.All });
        int ok = 0;
        for (int i = 0; i < 1000; i++) ok += DecodeOnce(decoder, data, linkType);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) ok += DecodeOnce(decoder, data, linkType);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(11_000, decoder.Statistics.Frames);
        Assert.True(ok == 0 || ok == 11_000);
    }

    private static int DecodeOnce(PacketDecoder decoder, byte[] data, LinkType linkType)
    {
        var frame = new RawFrame(data, 1, data.Length, linkType, 0, 1);
        return decoder.TryDecode(frame, out _, out _) ? 1 : 0;
    }
}
