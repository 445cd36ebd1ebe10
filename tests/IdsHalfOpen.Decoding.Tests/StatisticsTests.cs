using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class StatisticsTests
{
    private static PacketDecoder DecodeAll(IEnumerable<(LinkType LinkType, byte[] Data)> frames)
    {
        var decoder = new PacketDecoder();
        foreach (var (linkType, data) in frames)
            decoder.TryDecode(new RawFrame(data, 0, data.Length, linkType, 0, 1), out _, out _);
        return decoder;
    }

    [Fact]
    public void Statistics_Corpus_OutcomesSumToFrames()
    {
        var corpus = Frames.Corpus().Select(c => (c.LinkType, c.Data)).ToList();
        corpus.Add((LinkType.Ethernet, new byte[5]));
        corpus.Add(((LinkType)999, new byte[5]));

        var s = DecodeAll(corpus).Statistics;

        Assert.Equal(corpus.Count, s.Frames);
        Assert.Equal(s.Frames, s.TcpSegments + s.IcmpTcpQuotes + s.NonIp + s.NonTcpIp + s.Malformed);
        Assert.Equal(2, s.Malformed);
        Assert.Equal(corpus.Sum(c => (long)c.Data.Length), s.Bytes);
        Assert.True(s.Ipv4 > 0 && s.Ipv6 > 0 && s.Syn > 0 && s.SynAck > 0 && s.Arp == 1 && s.Udp == 1);
    }

    [Fact]
    public void Add_TwoShards_SumsEveryCounter()
    {
        var a = DecodeAll([(LinkType.Raw, Frames.Syn()), (LinkType.Ethernet, new byte[3])]);
        var b = DecodeAll([(LinkType.Raw, Frames.Syn(v6: true)), (LinkType.Ethernet, new byte[3]), ((LinkType)999, [1])]);
        var total = new DecodeStatistics();

        total.Add(a.Statistics);
        total.Add(b.Statistics);

        Assert.Equal(5, total.Frames);
        Assert.Equal(2, total.Syn);
        Assert.Equal(1, total.Ipv4);
        Assert.Equal(1, total.Ipv6);
        Assert.Equal(2, total.ChecksumsVerified);
        Assert.Equal(3, total.Malformed);
        Assert.Equal(2, total[DecodeEvent.EthernetTruncated]);
        Assert.Equal(1, total[DecodeEvent.UnknownLinkType]);
        Assert.Equal(3, total.TotalEvents);
    }

    [Fact]
    public void NonZeroEvents_ListsOnlyMetEventsInEnumOrder()
    {
        var d = DecodeAll([((LinkType)999, [1]), (LinkType.Ethernet, new byte[3]), (LinkType.Ethernet, new byte[3])]);

        var list = new List<(DecodeEvent, long, string)>();
        foreach (var entry in d.Statistics.NonZeroEvents) list.Add((entry.Event, entry.Count, entry.Name));

        Assert.Equal([(DecodeEvent.UnknownLinkType, 1L, "UnknownLinkType"), (DecodeEvent.EthernetTruncated, 2L, "EthernetTruncated")], list);
    }

    [Fact]
    public void NonZeroEvents_Enumerating_AllocatesNothing()
    {
        var d = DecodeAll([((LinkType)999, [1]), (LinkType.Ethernet, new byte[3])]);
        long sum = 0;
        foreach (var entry in d.Statistics.NonZeroEvents) sum += entry.Count + entry.Name.Length;

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
            foreach (var entry in d.Statistics.NonZeroEvents) sum += entry.Count + entry.Name.Length;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    [Fact]
    public void NameOf_EveryEvent_IsItsEnumName()
    {
        foreach (var e in Enum.GetValues<DecodeEvent>())
            Assert.Equal(e.ToString(), DecodeStatistics.NameOf(e));
        Assert.Equal(Enum.GetValues<DecodeEvent>().Length, DecodeStatistics.EventKindCount);
    }

    [Fact]
    public void Indexer_NoneAndOutOfRange_Zero()
    {
        var d = DecodeAll([(LinkType.Raw, Frames.Syn())]);

        Assert.Equal(0, d.Statistics[DecodeEvent.None]);
        Assert.Equal(0, d.Statistics[(DecodeEvent)250]);
    }

    [Fact]
    public void TryDecode_WarningThenFatal_ReportsFatalCountsBoth()
    {
        // IPv4 header checksum wrong (a warning), then a TCP header too short (fatal).
        var ip = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, new byte[10]);
        ip[10] ^= 0xFF;

        var r = Decode.One(ip, LinkType.Raw);

        Assert.False(r.Ok);
        Assert.Equal(DecodeEvent.TcpTruncated, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.Ipv4BadHeaderChecksum]);
        Assert.Equal(1, r.Stats[DecodeEvent.TcpTruncated]);
    }

    [Fact]
    public void TryDecode_TwoWarnings_ReportsFirstCountsBoth()
    {
        var tcp = Packets.Tcp(Addr.V4A, Addr.V4B, 1, 2, Tf.Syn | Tf.Fin, 1, 0, badChecksum: true);

        var r = Decode.One(Packets.Ipv4(Addr.V4A, Addr.V4B, 6, tcp), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(DecodeEvent.TcpSynWithFin, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.TcpSynWithFin]);
        Assert.Equal(1, r.Stats[DecodeEvent.TcpBadChecksum]);
    }
}
