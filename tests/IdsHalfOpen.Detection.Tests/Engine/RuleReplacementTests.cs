using System.Net;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Detection.Tests.Engine;

/// <summary>
/// A live sensor reloads its rules without restarting: gauges and open attacks must survive, changed rules apply from
/// the next evaluation, and attacks of rules that went away end.
/// </summary>
public class RuleReplacementTests
{
    private const long Second = 1_000_000_000L;
    private const long T0 = 1_763_800_000L * Second;
    private static readonly UInt128 Victim = Ip("10.0.0.10");

    private const string BaseYaml = """
        version: 1
        networks:
          protected: [10.0.0.0/8]
        rules:
          - id: T-1
            name: flood
            kind: syn-flood
            severity: high
            track_by: destination-port
            metric: embryonic
            threshold: THRESHOLD
            hysteresis: { clear_below: 10, quiet: 5s }
            scope: { destinations: [protected] }
        """;

    private static RuleSet Rules(string yaml)
    {
        var r = RuleLoader.Parse(yaml, "test.yaml");
        Assert.True(r.Success, string.Join("; ", r.Diagnostics));
        return r.RuleSet!;
    }

    private static RuleSet Flood(int threshold, string id = "T-1", string trackBy = "destination-port") =>
        Rules(BaseYaml.Replace("THRESHOLD", threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)).Replace("T-1", id).Replace("destination-port", trackBy));

    private sealed class Output : IDetectionOutput
    {
        public List<AlertEvent> Alerts { get; } = [];

        public void OnAlert(AlertEvent alert) => Alerts.Add(alert);

        public void OnConnection(in TrackerEvent closed) { }
    }

    /// <summary>Runs <paramref name="first"/> SYN/SYN-ACK pairs, replaces the rules, runs <paramref name="second"/> more.</summary>
    private static (DetectionEngine Engine, Output Output, int Ended) Run(RuleSet before, RuleSet after, int first, int second)
    {
        var output = new Output();
        var engine = new DetectionEngine(before, new DetectionOptions(), output);
        var tracker = new HandshakeTracker(new TrackerOptions(), 4096);
        var buffer = new EventBuffer(64);
        long order = 0;
        int ended = -1;
        int Replace(int i)
        {
            engine.OnEpochEnd(T0 + i * (Second / 100));
            return engine.ReplaceRules(after);
        }

        void Feed(TcpPacket p)
        {
            tracker.Process(in p, p.TimestampNs, order++, buffer);
            foreach (ref readonly var e in buffer.Events) engine.OnEvent(in e);
            buffer.Clear();
        }

        for (int i = 0; i < first + second; i++)
        {
            if (i == first) ended = Replace(i);
            long t = T0 + i * (Second / 100);
            var src = Ip("198.18.0.0") + (UInt128)i;
            Feed(Packet(t, src, (ushort)(10000 + i), Victim, 80, TcpFlags.Syn, (uint)i, 0));
            Feed(Packet(t + 1000, Victim, 80, src, (ushort)(10000 + i), TcpFlags.Syn | TcpFlags.Ack, 5, (uint)i + 1));
        }

        if (second == 0) ended = Replace(first);
        engine.OnEpochEnd(T0 + (first + second) * (Second / 100) + Second);
        return (engine, output, ended);
    }

    [Fact]
    public void ReplaceRules_LowerThreshold_GaugeKeptAndAlertRaisedWithoutNewTraffic()
    {
        // 50 embryonic attempts under a threshold of 100: no alert; after the reload the threshold is 40, and the 50 the
        // engine already counts must raise it at once, with no further packet.
        var (engine, output, ended) = Run(Flood(100), Flood(40), first: 50, second: 0);
        Assert.Equal(0, ended);
        Assert.Equal(50, engine.ServiceEmbryonic(new ServiceKey(Victim, 80)));
        var start = Assert.Single(output.Alerts, a => a.Phase == AlertPhase.Start);
        Assert.Equal("T-1", start.Rule.Id);
        Assert.True(start.EmbryonicPeak >= 50, $"peak {start.EmbryonicPeak}");
    }

    [Fact]
    public void ReplaceRules_SameRuleNewThreshold_OpenAttackCarriesOnUnderItsId()
    {
        var (_, output, ended) = Run(Flood(20), Flood(30), first: 40, second: 40);
        Assert.Equal(0, ended);
        var starts = output.Alerts.Where(a => a.Phase == AlertPhase.Start).ToList();
        Assert.Single(starts);
        Assert.DoesNotContain(output.Alerts, a => a.Phase == AlertPhase.End);
        Assert.True(output.Alerts.Max(a => a.Embryonic) <= 80);
    }

    [Fact]
    public void ReplaceRules_RuleRemoved_OpenAttackEndsWithRuleChanged()
    {
        var (_, output, ended) = Run(Flood(20), Flood(20, id: "T-2"), first: 40, second: 10);
        Assert.Equal(1, ended);
        var end = Assert.Single(output.Alerts, a => a.Phase == AlertPhase.End);
        Assert.Equal("rule-changed", end.EndReason);
        Assert.Equal("T-1", end.Rule.Id);

        // The new rule sees the gauge the engine kept: it starts an attack of its own.
        Assert.Contains(output.Alerts, a => a.Phase == AlertPhase.Start && a.Rule.Id == "T-2");
    }

    [Fact]
    public void ReplaceRules_RuleChangesTrackBy_OpenAttackEnds()
    {
        var (_, output, ended) = Run(Flood(20), Flood(20, trackBy: "destination"), first: 40, second: 0);
        Assert.Equal(1, ended);
        Assert.Equal("rule-changed", Assert.Single(output.Alerts, a => a.Phase == AlertPhase.End).EndReason);
    }

    private static TcpPacket Packet(long t, UInt128 src, ushort sp, UInt128 dst, ushort dp, TcpFlags f, uint seq, uint ack) => new()
    {
        TimestampNs = t, Source = src, Destination = dst, SourcePort = sp, DestinationPort = dp,
        Flags = f, Sequence = seq, Acknowledgment = ack, Ttl = 64, IpVersion = 4,
    };

    private static UInt128 Ip(string s)
    {
        var b = IPAddress.Parse(s).MapToIPv6().GetAddressBytes();
        UInt128 v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }
}
