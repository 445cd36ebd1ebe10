using System.Net;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Report;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Output.Tests.Report;

public sealed class GaugeSamplerTests
{
    private const long Second = 1_000_000_000L;
    private const long T0 = 1_700_000_000L * Second;

    [Fact]
    public void Snapshot_CaptureLongerThanTheGrid_PointsStayBoundedAndPeakSurvives()
    {
        // 3,000 s of one answered SYN every 2 s, plus a burst of 50 half-open attempts at 1,500 s: at 100 ms a tick that
        // is 30,000 points, far past the cap of 64.
        var packets = new List<TcpPacket>();
        for (int i = 0; i < 1500; i++) Handshake(packets, T0 + (i * 2 * Second), "192.0.2.1", (ushort)(10000 + i), "10.0.0.20", 443, complete: true);
        for (int i = 0; i < 50; i++) Handshake(packets, T0 + (1500 * Second) + (i * 1_000_000L), "198.18.0." + (1 + i), 40000, "10.0.0.10", 80, complete: false);
        packets.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));

        var (series, _) = Run(packets, shards: 1, maxPoints: 64);

        Assert.InRange(series.Points, 32, 64);
        Assert.True(series.IntervalNs > GaugeSampler.BaseIntervalNs, "the grid must have been coarsened");
        Assert.Equal(0, series.IntervalNs % GaugeSampler.BaseIntervalNs);
        Assert.True(long.IsPow2(series.IntervalNs / GaugeSampler.BaseIntervalNs), "the interval doubles each time");
        Assert.True((series.Points - 1) * series.IntervalNs <= 3000 * Second + series.IntervalNs, "the grid covers the capture, not more");
        Assert.Equal(series.Points, series.LinkEmbryonic.Length);
        Assert.Equal(series.Points, series.LinkSynRate.Length);
        foreach (var s in series.Services)
        {
            Assert.Equal(series.Points - s.Start, s.Embryonic.Length);
            Assert.Equal(s.Embryonic.Length, s.SynRate.Length);
        }

        // The burst's 50 embryonic attempts outlive one coarse interval: merging keeps the highest sample, so 50 survives.
        var victim = Assert.Single(series.Services, s => s.Label == "10.0.0.10:80");
        Assert.Equal(50, victim.PeakEmbryonic);
        Assert.Equal(50, victim.Embryonic.Max());
        Assert.Equal(50, series.LinkEmbryonic.Max());
    }

    [Fact]
    public void Snapshot_AnyShardCount_SameSeries()
    {
        var packets = new List<TcpPacket>();
        for (int i = 0; i < 400; i++) Handshake(packets, T0 + (i * 7_000_000L), "198.18.1." + (i % 250), (ushort)(2000 + i), "10.0.0.10", 80, complete: i % 3 == 0);
        for (int i = 0; i < 40; i++) Handshake(packets, T0 + (i * 50_000_000L), "192.0.2.9", (ushort)(3000 + i), "10.0.0.30", 22, complete: false);
        packets.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));

        var (one, _) = Run(packets, shards: 1, maxPoints: 2000);
        var (four, _) = Run(packets, shards: 4, maxPoints: 2000);

        Assert.True(one.Points > 10);
        Assert.Equal(one.OriginNs, four.OriginNs);
        Assert.Equal(one.IntervalNs, four.IntervalNs);
        Assert.Equal(one.LinkEmbryonic, four.LinkEmbryonic);
        Assert.Equal(one.LinkSynRate, four.LinkSynRate);
        Assert.Equal(one.Services.Select(s => (s.Label, s.Start)), four.Services.Select(s => (s.Label, s.Start)));
        for (int i = 0; i < one.Services.Count; i++)
        {
            Assert.Equal(one.Services[i].Embryonic, four.Services[i].Embryonic);
            Assert.Equal(one.Services[i].SynRate, four.Services[i].SynRate);
        }
    }

    [Fact]
    public void OnEvent_Sampling_LeavesTheAlertsAsWithoutIt()
    {
        // A flood big enough to alert: peeking at windows must never change what the engine computes.
        var packets = new List<TcpPacket>();
        for (int i = 0; i < 3000; i++) Handshake(packets, T0 + (i * 1_000_000L), "198.18." + (i / 250) + "." + (i % 250), (ushort)(1024 + i), "10.0.0.10", 80, complete: false);
        packets.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));

        var (_, sampled) = Run(packets, shards: 2, maxPoints: 16);
        var plain = RunWithoutSampler(packets);

        Assert.NotEmpty(plain);
        Assert.Equal(plain.Select(Describe), sampled.Select(Describe));
    }

    [Fact]
    public void Constructor_TooFewPoints_Throws()
    {
        var engine = new DetectionEngine(RuleSet.Default, new DetectionOptions(), new Collect());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaugeSampler(engine, maxPoints: 2));
    }

    private static string Describe(AlertEvent a) =>
        FormattableString.Invariant($"{a.AttackId} {a.Phase} {a.TimestampNs} {a.EmbryonicPeak} {a.SynRatePeak} {a.DistinctSources} {a.EndReason}");

    private static (GaugeSeries Series, List<AlertEvent> Alerts) Run(List<TcpPacket> packets, int shards, int maxPoints)
    {
        var output = new Collect();
        var engine = new DetectionEngine(RuleSet.Default, new DetectionOptions(), output);
        var sampler = new GaugeSampler(engine, maxPoints);
        using var tracker = new ShardedTracker(new TrackerOptions(), new ShardingOptions { Shards = shards });
        var consumer = Task.Run(() => tracker.Consume(sampler));
        foreach (var p in packets) tracker.Post(in p);
        tracker.Complete();
        consumer.GetAwaiter().GetResult();
        sampler.Finish(tracker.ClockNs);
        return (sampler.Snapshot(5), output.Alerts);
    }

    private static List<AlertEvent> RunWithoutSampler(List<TcpPacket> packets)
    {
        var output = new Collect();
        var engine = new DetectionEngine(RuleSet.Default, new DetectionOptions(), output);
        using var tracker = new ShardedTracker(new TrackerOptions(), new ShardingOptions { Shards = 2 });
        var consumer = Task.Run(() => tracker.Consume(engine));
        foreach (var p in packets) tracker.Post(in p);
        tracker.Complete();
        consumer.GetAwaiter().GetResult();
        engine.Finish(tracker.ClockNs);
        return output.Alerts;
    }

    /// <summary>SYN, SYN-ACK 1 ms later, and the final ACK 2 ms later when <paramref name="complete"/>.</summary>
    private static void Handshake(List<TcpPacket> into, long t, string client, ushort port, string server, ushort serverPort, bool complete)
    {
        uint isn = (uint)(t / 1000) ^ port;
        into.Add(Make(t, client, port, server, serverPort, TcpFlags.Syn, isn, 0));
        into.Add(Make(t + 1_000_000, server, serverPort, client, port, TcpFlags.Syn | TcpFlags.Ack, 7000, isn + 1));
        if (complete) into.Add(Make(t + 2_000_000, client, port, server, serverPort, TcpFlags.Ack, isn + 1, 7001));
    }

    private static TcpPacket Make(long t, string src, ushort sport, string dst, ushort dport, TcpFlags flags, uint seq, uint ack) => new()
    {
        TimestampNs = t,
        Source = Ip(src),
        Destination = Ip(dst),
        SourcePort = sport,
        DestinationPort = dport,
        Flags = flags,
        Sequence = seq,
        Acknowledgment = ack,
        Ttl = 64,
        IpVersion = 4,
    };

    private static UInt128 Ip(string text)
    {
        UInt128 v = 0;
        foreach (var x in IPAddress.Parse(text).MapToIPv6().GetAddressBytes()) v = (v << 8) | x;
        return v;
    }

    private sealed class Collect : IDetectionOutput
    {
        public List<AlertEvent> Alerts { get; } = [];

        public void OnAlert(AlertEvent alert) => Alerts.Add(alert);

        public void OnConnection(in TrackerEvent closed) { }
    }
}
