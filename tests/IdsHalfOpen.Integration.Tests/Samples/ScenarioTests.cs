using System.Net;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Scenarios;

namespace IdsHalfOpen.Integration.Tests.Samples;

/// <summary>The TestKit scenario builders that samples and benchmarks share.</summary>
public sealed class ScenarioTests
{
    [Fact]
    public void Merge_InterleavedStreams_YieldsTimeOrderWithTiesInStreamOrder()
    {
        static IEnumerable<ScenarioPacket> S(int flow, params long[] times) => times.Select(t => new ScenarioPacket(t, [], flow, false));

        var merged = ScenarioStream.Merge(S(1, 1, 5, 9), S(2, 2, 5, 6), S(3, 0, 10)).ToList();

        Assert.Equal(new long[] { 0, 1, 2, 5, 5, 6, 9, 10 }, merged.Select(p => p.TimestampNs));
        Assert.Equal(new[] { 3, 1, 2, 1, 2, 2, 1, 3 }, merged.Select(p => p.Flow));
    }

    [Fact]
    public void Merge_StreamGoingBackInTime_Throws()
    {
        var bad = new[] { new ScenarioPacket(5, [], 1, false), new ScenarioPacket(4, [], 1, false) };

        Assert.Throws<InvalidOperationException>(() => ScenarioStream.Merge(bad).ToList());
    }

    [Fact]
    public void MergeFlows_FlowsOutOfStartOrder_Throws()
    {
        var a = new TcpFlow(1, IPAddress.Parse("192.0.2.1"), 1000, IPAddress.Parse("192.0.2.2"), 80, 1, 2).Syn(10);
        var b = new TcpFlow(2, IPAddress.Parse("192.0.2.1"), 1001, IPAddress.Parse("192.0.2.2"), 80, 1, 2).Syn(5);

        Assert.Throws<InvalidOperationException>(() => ScenarioStream.MergeFlows([a, b]).ToList());
    }

    [Theory]
    [InlineData(17, 131072)]
    [InlineData(8, 256)]
    public void Permute_AllInputsOfTheWidth_GiveDistinctOutputs(int bits, int count)
    {
        var seen = new HashSet<ulong>();
        for (ulong i = 0; i < (ulong)count; i++) Assert.True(seen.Add(DeterministicRandom.Permute(i, bits, 42)), $"collision at {i}");
        Assert.All(seen, v => Assert.True(v < (1UL << bits)));
    }

    [Fact]
    public void InPrefix_HostBits_StayInsideThePrefix()
    {
        Assert.Equal(IPAddress.Parse("198.19.255.255"), Addressing.InPrefix(IPAddress.Parse("198.18.0.0"), 15, ulong.MaxValue));
        Assert.Equal(IPAddress.Parse("198.18.1.2"), Addressing.InPrefix(IPAddress.Parse("198.18.0.0"), 15, 0x0102));
        Assert.Equal(IPAddress.Parse("2001:db8:bad::1:0:0:5"), Addressing.InPrefix(IPAddress.Parse("2001:db8:bad::"), 48, 0x0001_0000_0000_0005));
    }

    [Fact]
    public void SynFlood_MillionSyns_StreamsInOrderWithBoundedWork()
    {
        var o = new SynFloodOptions
        {
            Victim = IPAddress.Parse("10.0.0.10"),
            SourcePrefix = IPAddress.Parse("198.18.0.0"),
            Syns = 200_000,
            DurationNs = 1_000_000_000,
            SynAckRetransmitEvery = 10,
        };

        long last = long.MinValue, count = 0, synAcks = 0;
        foreach (var p in SynFlood.Packets(o))
        {
            Assert.True(p.TimestampNs >= last);
            last = p.TimestampNs;
            count++;
            if (p.FromResponder) synAcks++;
        }

        Assert.Equal(200_000 + 200_000 + 2 * 20_000, count);
        Assert.Equal(200_000 + 2 * 20_000, synAcks);
    }

    [Fact]
    public void Complete_Handshake_AcksFollowTheIsns()
    {
        var f = new TcpFlow(1, IPAddress.Parse("198.51.100.1"), 40000, IPAddress.Parse("192.0.2.1"), 80, 1000, 5000)
            .Complete(0, 1_000_000, Conversation.Payload(10, 0), Conversation.Payload(20, 0));

        // SYN, SYN-ACK (ack 1001), ACK (ack 5001), request (seq 1001), response (seq 5001, ack 1011), ACK, FIN, FIN, ACK.
        Assert.Equal(9, f.Packets.Count);
        static (uint Seq, uint Ack, byte Flags) Tcp(byte[] ip) => (
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(24)),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(28)),
            ip[33]);
        Assert.Equal((1000u, 0u, (byte)Tf.Syn), Tcp(f.Packets[0].Ip));
        Assert.Equal((5000u, 1001u, (byte)(Tf.Syn | Tf.Ack)), Tcp(f.Packets[1].Ip));
        Assert.Equal((1001u, 5001u, (byte)Tf.Ack), Tcp(f.Packets[2].Ip));
        Assert.Equal((5001u, 1011u, (byte)(Tf.Psh | Tf.Ack)), Tcp(f.Packets[4].Ip));
        Assert.Equal((1012u, 5022u, (byte)Tf.Ack), Tcp(f.Packets[8].Ip));
    }
}
