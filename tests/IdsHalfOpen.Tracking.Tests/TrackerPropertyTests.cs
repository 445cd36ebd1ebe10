using IdsHalfOpen.Decoding;
using IdsHalfOpen.Tracking.Sharding;
using static IdsHalfOpen.Tracking.Tests.Pkt;

namespace IdsHalfOpen.Tracking.Tests;

public class TrackerPropertyTests
{
    /// <summary>Random handshake fragments over a small address space, so tuples collide, retransmit and reuse ports.</summary>
    internal static List<TcpPacket> RandomTraffic(int seed, int count, int hosts = 6, int ports = 4)
    {
        var rng = new Random(seed);
        var list = new List<TcpPacket>(count);
        double t = 0;
        TcpFlags[] flags = [Syn, SynAck, Ack, Rst, RstAck, FinAck, TcpFlags.Ack | TcpFlags.Psh];
        uint[] isns = [100, 200, 300, 5000, 6000];
        for (int i = 0; i < count; i++)
        {
            t += rng.NextDouble() * (rng.Next(50) == 0 ? 40 : 0.5);
            string a = $"10.0.0.{rng.Next(hosts)}", b = $"10.0.1.{rng.Next(hosts)}";
            ushort pa = (ushort)(40000 + rng.Next(ports)), pb = (ushort)(80 + rng.Next(2));
            bool forward = rng.Next(2) == 0;
            uint seq = isns[rng.Next(isns.Length)] + (uint)rng.Next(2);
            uint ack = isns[rng.Next(isns.Length)] + (uint)rng.Next(2);
            var p = forward ? Make(a, pa, b, pb, flags[rng.Next(flags.Length)], seq, ack, t) : Make(b, pb, a, pa, flags[rng.Next(flags.Length)], seq, ack, t);
            if (rng.Next(100) == 0) p.TimestampNs -= Second; // out-of-order capture timestamps
            list.Add(p);
        }

        return list;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Process_RandomTraffic_EveryAttemptClosedExactlyOnceAndEventsOrdered(int seed)
    {
        var h = new TrackerHarness(new TrackerOptions { UnansweredTimeout = TimeSpan.FromSeconds(5), EmbryonicTimeout = TimeSpan.FromSeconds(7) }, capacity: 20);
        foreach (var p in RandomTraffic(seed, 20_000))
        {
            h.Feed(p);
            Assert.True(h.Tracker.Count <= 20);
        }

        h.Flush();
        var events = h.Events;
        int started = events.Count(e => e.Kind == TrackerEventKind.AttemptStarted);
        int closedAttempts = events.Count(e => e.Kind == TrackerEventKind.Closed && e.PreviousState is AttemptState.SynSent or AttemptState.SynReceived);
        Assert.Equal(started, closedAttempts);
        Assert.Equal(0, h.Tracker.Count);

        // Embryonic gauge never negative, back to zero at the end.
        long gauge = 0;
        foreach (var e in events)
        {
            if (e.Kind == TrackerEventKind.Answered) gauge++;
            if (e.Kind == TrackerEventKind.Closed && e.PreviousState == AttemptState.SynReceived) gauge--;
            Assert.True(gauge >= 0);
        }

        Assert.Equal(0, gauge);
        for (int i = 1; i < events.Count; i++)
        {
            var (a, b) = (events[i - 1], events[i]);
            bool ordered = a.TimestampNs < b.TimestampNs || (a.TimestampNs == b.TimestampNs && (a.Phase < b.Phase || (a.Phase == b.Phase && a.Order <= b.Order)));
            Assert.True(ordered, $"event {i} out of order: ({a.TimestampNs},{a.Phase},{a.Order}) then ({b.TimestampNs},{b.Phase},{b.Order})");
        }
    }

    [Fact]
    public void Process_SteadyStateHandshakes_AllocatesNothing()
    {
        var tracker = new HandshakeTracker(new TrackerOptions(), 1 << 16);
        var output = new EventBuffer(1 << 16);
        var packets = new List<TcpPacket>();
        for (int i = 0; i < 2000; i++)
        {
            string c = $"192.0.2.{i % 250}";
            ushort cp = (ushort)(1024 + i);
            double t = i * 0.001;
            packets.Add(Make(c, cp, "10.0.0.10", 80, Syn, (uint)i, 0, t));
            packets.Add(Make("10.0.0.10", 80, c, cp, SynAck, 7, (uint)i + 1, t));
            packets.Add(Make(c, cp, "10.0.0.10", 80, Ack, (uint)i + 1, 8, t));
            packets.Add(Make(c, cp, "10.0.0.10", 80, RstAck, (uint)i + 1, 8, t));
        }

        var arr = packets.ToArray();
        long order = 0;
        void Run(long offset)
        {
            for (int i = 0; i < arr.Length; i++)
            {
                var p = arr[i];
                p.TimestampNs += offset;
                tracker.Process(in p, p.TimestampNs, order++, output);
            }

            output.Clear();
        }

        Run(0);
        Run(10 * Second);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(20 * Second);
        Run(30 * Second);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ShardedTracker_AnyShardCount_IdenticalEventStream()
    {
        var traffic = RandomTraffic(42, 30_000, hosts: 40, ports: 8);
        string? reference = null;
        foreach (int shards in new[] { 1, 2, 4, 8 })
        {
            string stream = RunSharded(traffic, shards, epoch: 97);
            reference ??= stream;
            Assert.True(reference == stream, $"--shards {shards} differs from --shards 1");
        }
    }

    [Fact]
    public void ShardedTracker_TrackOnProducer_IdenticalEventStream()
    {
        var traffic = RandomTraffic(43, 30_000, hosts: 40, ports: 8);
        string reference = RunSharded(traffic, 1, epoch: 97);
        foreach (int shards in new[] { 1, 3 })
        {
            Assert.True(reference == RunSharded(traffic, shards, epoch: 97, onProducer: true), $"--shards {shards} on the producer differs");
        }
    }

    /// <summary>More attempts open at the end than one flush part holds: the parts stream through the merge in order.</summary>
    [Fact]
    public void ShardedTracker_EndOfCaptureFlushInParts_IdenticalEventStream()
    {
        var traffic = new List<TcpPacket>();
        for (int i = 0; i < 40_000; i++)
        {
            var p = Pkt.Make($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", (ushort)(1024 + (i % 50_000)), "10.200.0.1", 80, Pkt.Syn, (uint)i * 7, 0, i * 1e-5);
            traffic.Add(p);
        }

        string reference = RunSharded(traffic, 1, epoch: 4096);
        Assert.Equal(40_000, reference.Split('\n').Count(l => l.Contains(" Closed ", StringComparison.Ordinal)));
        foreach (int shards in new[] { 2, 3 })
        {
            Assert.True(reference == RunSharded(traffic, shards, epoch: 4096), $"--shards {shards} differs from --shards 1");
            Assert.True(reference == RunSharded(traffic, shards, epoch: 4096, onProducer: true), $"--shards {shards} on the producer differs");
        }
    }

    /// <summary>
    /// Tracked on the producer with several shards, an end-of-capture flush of more parts than a shard's queue holds:
    /// flushed one shard after the other on the producer, the first shard waited on its full queue while the consumer
    /// waited for the second shard's first part (a hang found by the stage benchmark).
    /// </summary>
    [Fact]
    public async Task ShardedTracker_TrackOnProducerFlushLongerThanQueue_Completes()
    {
        var traffic = new List<TcpPacket>();
        for (int i = 0; i < 70_000; i++)
        {
            traffic.Add(Pkt.Make($"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", (ushort)(1024 + (i % 50_000)), "10.200.0.1", 80, Pkt.Syn, (uint)i * 7, 0, i * 1e-5));
        }

        string reference = RunSharded(traffic, 1, epoch: 4096);
        var run = Task.Run(() => RunSharded(traffic, 2, epoch: 4096, onProducer: true, queueDepth: 1));
        string sharded = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(reference == sharded, "--shards 2 on the producer differs from --shards 1");
    }

    internal static string RunSharded(IEnumerable<TcpPacket> traffic, int shards, int epoch, bool onProducer = false, int queueDepth = 16)
    {
        using var sharded = new ShardedTracker(new TrackerOptions { UnansweredTimeout = TimeSpan.FromSeconds(5) }, new ShardingOptions { Shards = shards, EpochPackets = epoch, TrackOnProducer = onProducer, QueueDepth = queueDepth });
        var collector = new Collector();
        var consumer = Task.Run(() => sharded.Consume(collector));
        foreach (var p in traffic) sharded.Post(in p);
        sharded.Complete();
        consumer.GetAwaiter().GetResult();
        return collector.Text.ToString();
    }

    private sealed class Collector : ITrackerEventHandler
    {
        public System.Text.StringBuilder Text { get; } = new();

        public void OnEvent(in TrackerEvent e) =>
            Text.Append(e.TimestampNs).Append(' ').Append(e.Order).Append(' ').Append(e.Kind).Append(' ').Append(e.Outcome)
                .Append(' ').Append(e.Client).Append(':').Append(e.ClientPort).Append('>').Append(e.Server).Append(':').Append(e.ServerPort)
                .Append(' ').Append(HistoryLetters.ToString(e.History)).Append('\n');

        public void OnEpochEnd(long clockNs) { }
    }
}
