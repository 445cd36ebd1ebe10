using System.Net;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Detection.Tests.Engine;

/// <summary>
/// Mixed traffic whose truth the generator knows: a spoofed SYN flood on one victim service, ordinary clients of
/// another server, a half-open port scan, a periodic health monitor, and backscatter toward a protected host.
/// </summary>
public class GroundTruthTests
{
    private const long Second = 1_000_000_000L;
    private const long T0 = 1_763_800_000L * Second;

    private static readonly UInt128 Victim = Ip("10.0.0.10");
    private static readonly UInt128 Web = Ip("10.0.0.20");
    private static readonly UInt128 Scanner = Ip("192.0.2.66");
    private static readonly UInt128 ScanTarget = Ip("10.0.0.30");
    private static readonly UInt128 Monitor = Ip("10.0.9.1");
    private static readonly UInt128 Reflected = Ip("10.0.0.40");

    private sealed record Scenario(List<TcpPacket> Packets, long FloodStartNs, Dictionary<long, long> VictimGaugeAt);

    /// <summary>The flood starts at 20 s: 1,000 SYNs/s for 5 s from spoofed 198.18.0.0/15 sources, each answered by the victim.</summary>
    private static Scenario Build()
    {
        var rng = new Random(7);
        var list = new List<(long T, TcpPacket P)>();
        void Add(double seconds, UInt128 src, ushort sp, UInt128 dst, ushort dp, TcpFlags f, uint seq, uint ack, byte ttl = 64) =>
            list.Add(((long)(seconds * Second), new TcpPacket
            {
                TimestampNs = T0 + (long)(seconds * Second), Source = src, Destination = dst, SourcePort = sp, DestinationPort = dp,
                Flags = f, Sequence = seq, Acknowledgment = ack, Ttl = ttl, IpVersion = 4,
            }));

        // Ordinary clients of the web server for the whole minute: complete handshakes, 20 per second.
        for (int i = 0; i < 1200; i++)
        {
            double t = i * 0.05;
            var c = Ip($"192.0.2.{10 + i % 40}");
            ushort p = (ushort)(20000 + i);
            uint isn = (uint)rng.Next();
            Add(t, c, p, Web, 443, TcpFlags.Syn, isn, 0);
            Add(t + 0.001, Web, 443, c, p, TcpFlags.Syn | TcpFlags.Ack, 777, isn + 1);
            Add(t + 0.002, c, p, Web, 443, TcpFlags.Ack, isn + 1, 778);
        }

        // The flood.
        var synAckTimes = new List<double>();
        for (int i = 0; i < 5000; i++)
        {
            double t = 20 + i * 0.001;
            var src = (UInt128)0xFFFF << 32 | (198u << 24 | 18u << 16) | (uint)rng.Next(1 << 17);
            ushort p = (ushort)rng.Next(1024, 65535);
            uint isn = (uint)rng.Next();
            Add(t, src, p, Victim, 80, TcpFlags.Syn, isn, 0, (byte)rng.Next(30, 60));
            Add(t + 0.0002, Victim, 80, src, p, TcpFlags.Syn | TcpFlags.Ack, (uint)rng.Next(), isn + 1);
            synAckTimes.Add(t + 0.0002);
        }

        // A half-open scan at 40 s: 100 ports, closed ones answer RST-ACK, every tenth is open and the scanner resets.
        for (int i = 0; i < 100; i++)
        {
            double t = 40 + i * 0.01;
            ushort port = (ushort)(1 + i);
            uint isn = 5000u + (uint)i;
            Add(t, Scanner, 45000, ScanTarget, port, TcpFlags.Syn, isn, 0);
            if (i % 10 == 0)
            {
                Add(t + 0.001, ScanTarget, port, Scanner, 45000, TcpFlags.Syn | TcpFlags.Ack, 9000, isn + 1);
                Add(t + 0.002, Scanner, 45000, ScanTarget, port, TcpFlags.Rst, isn + 1, 0);
            }
            else
            {
                Add(t + 0.001, ScanTarget, port, Scanner, 45000, TcpFlags.Rst | TcpFlags.Ack, 0, isn + 1);
            }
        }

        // A health monitor: SYN → SYN-ACK → RST to three pool members every 5 s.
        for (int round = 0; round < 12; round++)
        {
            for (int m = 0; m < 3; m++)
            {
                double t = round * 5 + m * 0.01;
                var member = Ip($"10.0.5.{m + 1}");
                ushort p = (ushort)(30000 + round * 3 + m);
                Add(t, Monitor, p, member, 80, TcpFlags.Syn, 100, 0);
                Add(t + 0.0005, member, 80, Monitor, p, TcpFlags.Syn | TcpFlags.Ack, 200, 101);
                Add(t + 0.001, Monitor, p, member, 80, TcpFlags.Rst, 101, 0);
            }
        }

        // Backscatter: 300 unsolicited SYN-ACKs toward a protected host from 300 reflectors, at 50 s.
        for (int i = 0; i < 300; i++)
        {
            Add(50 + i * 0.002, Ip($"203.0.113.{i % 250}"), (ushort)(80 + i / 250), Reflected, (ushort)(10000 + i), TcpFlags.Syn | TcpFlags.Ack, 1, 12345);
        }

        var packets = list.OrderBy(x => x.T).Select(x => x.P).ToList();
        var gauge = new Dictionary<long, long>();
        foreach (double s in new[] { 20.5, 21.0, 22.5, 24.0, 24.9, 27.0, 49.0, 56.0 })
        {
            long at = T0 + (long)(s * Second);
            // The victim never completes a flood handshake; every attempt lives 30 s after its SYN-ACK.
            gauge[at] = synAckTimes.Count(x => T0 + (long)(x * Second) < at && T0 + (long)((x + 30) * Second) > at);
        }

        return new Scenario(packets, T0 + 20 * Second, gauge);
    }

    private static UInt128 Ip(string s)
    {
        var b = IPAddress.Parse(s).MapToIPv6().GetAddressBytes();
        UInt128 v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }

    private sealed class Output : IDetectionOutput
    {
        public List<AlertEvent> Alerts { get; } = [];

        public void OnAlert(AlertEvent alert) => Alerts.Add(alert);

        public void OnConnection(in TrackerEvent closed) { }
    }

    /// <summary>Feeds the engine and samples the victim's gauge just before the first event at or after each instant.</summary>
    private sealed class Sampler(DetectionEngine engine, IEnumerable<long> instants) : ITrackerEventHandler
    {
        private readonly Queue<long> _pending = new(instants.Order());

        public Dictionary<long, long> Seen { get; } = [];

        public void OnEvent(in TrackerEvent e)
        {
            while (_pending.Count > 0 && e.TimestampNs >= _pending.Peek()) Seen[_pending.Dequeue()] = engine.ServiceEmbryonic(new ServiceKey(Victim, 80));
            engine.OnEvent(in e);
        }

        public void OnEpochEnd(long clockNs) => engine.OnEpochEnd(clockNs);
    }

    private static (List<AlertEvent> Alerts, Dictionary<long, long> Gauge, Scenario S) Run(RuleSet rules)
    {
        var s = Build();
        var output = new Output();
        var engine = new DetectionEngine(rules, new DetectionOptions(), output);
        var sampler = new Sampler(engine, s.VictimGaugeAt.Keys);
        using var tracker = new ShardedTracker(new TrackerOptions(), new ShardingOptions { Shards = 2 });
        var consumer = Task.Run(() => tracker.Consume(sampler));
        foreach (var p in s.Packets) tracker.Post(in p);
        tracker.Complete();
        consumer.GetAwaiter().GetResult();
        engine.Finish(tracker.ClockNs);
        return (output.Alerts, sampler.Seen, s);
    }

    [Fact]
    public void Engine_MixedTraffic_FloodAlertedWithinOneSecondOfOnset()
    {
        var (alerts, _, s) = Run(RuleSet.Default);
        var flood = alerts.Where(a => a.Kind == AlertKind.SynFlood && a.Phase == AlertPhase.Start && a.DestinationIp == Victim).OrderBy(a => a.TimestampNs).First();
        Assert.InRange(flood.TimestampNs - s.FloodStartNs, 0, Second);
        Assert.Equal((ushort)80, alerts.First(a => a.Rule.Id == "IHO-1001").DestinationPort);
        var end = alerts.Single(a => a.AttackId == flood.AttackId && a.Phase == AlertPhase.End);
        Assert.True(end.EmbryonicPeak >= 4900, $"peak {end.EmbryonicPeak}");
        Assert.True(end.DistinctSources > 4500, $"distinct {end.DistinctSources}");
        Assert.NotNull(end.Spoofing);
        Assert.Equal(0, end.Spoofing!.AnsweredShare);
    }

    [Fact]
    public void Engine_MixedTraffic_ScanIsScanNotFlood()
    {
        var (alerts, _, _) = Run(RuleSet.Default);
        Assert.Contains(alerts, a => a.Kind == AlertKind.PortScan && a.SourceIp == Scanner && a.Phase == AlertPhase.Start);
        Assert.DoesNotContain(alerts, a => a.Kind is AlertKind.SynFlood or AlertKind.EmbryonicSource && (a.DestinationIp == ScanTarget || a.SourceIp == Scanner));
    }

    [Fact]
    public void Engine_MixedTraffic_LegitimateServerNeverAlerted()
    {
        var (alerts, _, _) = Run(RuleSet.Default);
        Assert.DoesNotContain(alerts, a => a.DestinationIp == Web);
    }

    [Fact]
    public void Engine_MixedTraffic_BackscatterReportedAsBackscatterOnly()
    {
        var (alerts, _, _) = Run(RuleSet.Default);
        Assert.Contains(alerts, a => a.Kind == AlertKind.Backscatter && a.DestinationIp == Reflected);
        Assert.DoesNotContain(alerts, a => a.Kind != AlertKind.Backscatter && a.DestinationIp == Reflected);
    }

    [Fact]
    public void Engine_MonitorNotAllowListed_ClassifiedAsHealthMonitorNotScan()
    {
        var (alerts, _, _) = Run(RuleSet.Default);
        var monitor = alerts.Where(a => a.SourceIp == Monitor).ToList();
        Assert.Contains(monitor, a => a.Kind == AlertKind.HealthMonitor && a.Severity <= Severity.Low);
        Assert.DoesNotContain(monitor, a => a.Kind is AlertKind.PortScan or AlertKind.SynFlood or AlertKind.EmbryonicSource);
    }

    [Fact]
    public void Engine_MonitorAllowListed_NothingAboutIt()
    {
        var yaml = RuleSet.DefaultYaml.Replace("health_monitors: []", "health_monitors: [10.0.9.1/32]", StringComparison.Ordinal);
        var rules = RuleLoader.Parse(yaml, "allow.yaml");
        Assert.True(rules.Success, string.Join("\n", rules.Diagnostics));
        var (alerts, _, _) = Run(rules.RuleSet!);
        Assert.DoesNotContain(alerts, a => a.SourceIp == Monitor || (a.DestinationIp is { } d && d >> 8 == Ip("10.0.5.0") >> 8));
        Assert.Contains(alerts, a => a.Kind == AlertKind.SynFlood); // everything else still works
    }

    [Fact]
    public void Engine_MixedTraffic_VictimGaugeEqualsTruthAtSampledInstants()
    {
        var (_, gauge, s) = Run(RuleSet.Default);
        foreach (var (at, truth) in s.VictimGaugeAt) Assert.True(truth == gauge[at], $"at +{(at - T0) / 1e9:F1}s: engine {gauge[at]}, truth {truth}");
    }
}
