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
    public async Task CollectTopServices_ScanLeavesIdleServices_SameAsReadingEveryService()
    {
        // A scan touches 3,000 services once each; half-open attempts come and go on a few others, and one goes idle and busy again in turn; a quiet gap of 11 minutes (longer than the 5 minute scan window)
        // lets the engine sweep them all, and then the same services are touched again. At every 100 ms tick the top-N
        // from the active list must be what reading every service ever seen gives.
        var rng = new Random(7);
        var packets = new List<TcpPacket>();
        var services = new HashSet<ServiceKey>();
        void Add(long t, string client, ushort port, string server, ushort serverPort, bool complete)
        {
            Handshake(packets, t, client, port, server, serverPort, complete);
            services.Add(new ServiceKey(Ip(server), serverPort));
        }

        foreach (long phase in new[] { 0L, 700 * Second })
        {
            for (int i = 0; i < 3000; i++)
            {
                long t = T0 + phase + (i * 5_000_000L);
                packets.Add(Make(t, "203.0.113.5", 54321, "10.0.0.20", (ushort)(1 + i), TcpFlags.Syn, 777, 0));
                packets.Add(Make(t + 100_000, "10.0.0.20", (ushort)(1 + i), "203.0.113.5", 54321, TcpFlags.Rst | TcpFlags.Ack, 0, 778));
                services.Add(new ServiceKey(Ip("10.0.0.20"), (ushort)(1 + i)));
            }

            for (int i = 0; i < 600; i++)
            {
                long t = T0 + phase + rng.NextInt64(15 * Second);
                Add(t, "198.18.0." + (1 + rng.Next(200)), (ushort)(1024 + i), "10.0.0." + (30 + rng.Next(8)), (ushort)(80 + rng.Next(3)), complete: rng.Next(3) == 0);
            }

            // Bursts of completed handshakes 15 s apart (the SYN window is 10 s): the service goes idle between them and
            // must come back each time.
            for (int i = 0; i < 100; i++) Add(T0 + phase + (i / 5 * 15 * Second) + (i % 5 * 1_000_000L), "192.0.2.7", (ushort)(30000 + i), "10.0.0.40", 443, complete: true);
        }

        packets.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        var engine = new DetectionEngine(RuleSet.Default, new DetectionOptions(), new Collect());
        var check = new TopServicesCheck(engine, services);
        using var tracker = new ShardedTracker(new TrackerOptions(), new ShardingOptions { Shards = 1 });
        var consumer = Task.Run(() => tracker.Consume(check));
        foreach (var p in packets) tracker.Post(in p);
        tracker.Complete();
        await consumer;

        Assert.True(check.Ticks > 1000, $"ticks {check.Ticks}");
        Assert.True(check.NonEmpty > 100, $"non-empty ticks {check.NonEmpty}");
        Assert.True(check.PeakServiceCount >= 3000, $"services {check.PeakServiceCount}");
        Assert.True(check.SweptSeen, "the engine must have swept the idle services during the gap");
        Assert.Empty(check.Mismatches);
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

    /// <summary>Forwards to the engine; before each event past a 100 ms tick compares the engine's top-N with a full read.</summary>
    private sealed class TopServicesCheck(DetectionEngine engine, IReadOnlyCollection<ServiceKey> everyService) : ITrackerEventHandler
    {
        private long _next = long.MinValue;

        public int Ticks { get; private set; }

        public int NonEmpty { get; private set; }

        public int PeakServiceCount { get; private set; }

        public bool SweptSeen { get; private set; }

        public List<string> Mismatches { get; } = [];

        public void OnEvent(in TrackerEvent e)
        {
            if (_next == long.MinValue) _next = e.TimestampNs;
            while (_next <= e.TimestampNs)
            {
                Compare(_next);
                _next += GaugeSampler.BaseIntervalNs;
            }

            engine.OnEvent(in e);
        }

        public void OnEpochEnd(long clockNs) => engine.OnEpochEnd(clockNs);

        private void Compare(long now)
        {
            Ticks++;
            PeakServiceCount = Math.Max(PeakServiceCount, engine.ServiceCount);
            if (PeakServiceCount >= 3000 && engine.ServiceCount < 100) SweptSeen = true;
            var got = new List<ServiceGauge>();
            engine.CollectTopServices(now, 5, got);
            var all = everyService.Select(k => new ServiceGauge(k, engine.ServiceEmbryonic(k), engine.ServiceSynRateAt(k, now))).ToList();
            var want = all.Where(g => g.Embryonic > 0).OrderByDescending(g => g.Embryonic).ThenBy(g => g.Service.Address).ThenBy(g => g.Service.Port).Take(5).ToList();
            want.AddRange(all.Where(g => g.SynRate > 0).OrderByDescending(g => g.SynRate).ThenBy(g => g.Service.Address).ThenBy(g => g.Service.Port).Take(5)
                .Where(g => !want.Exists(w => w.Service == g.Service)).ToList());
            if (got.Count > 0) NonEmpty++;
            if (!got.SequenceEqual(want) && Mismatches.Count < 5)
            {
                Mismatches.Add(FormattableString.Invariant($"at {now}: got [{string.Join(", ", got)}], want [{string.Join(", ", want)}]"));
            }
        }
    }

    private sealed class Collect : IDetectionOutput
    {
        public List<AlertEvent> Alerts { get; } = [];

        public void OnAlert(AlertEvent alert) => Alerts.Add(alert);

        public void OnConnection(in TrackerEvent closed) { }
    }
}
