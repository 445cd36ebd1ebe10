using System.Diagnostics;
using System.Globalization;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Metrics;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>
/// The sensor's reports about itself, raised as <c>sensor-health</c> events (never as attacks), each with a start and an
/// end like any alert:
/// <list type="bullet">
/// <item>IHO-9001, capture drops: over the last window, packets lost by the kernel, the interface or our own stages are
/// more than <see cref="SensorHealthSettings.DropRatio"/> of what arrived (and at least <see cref="SensorHealthSettings.MinDrops"/>).
/// Figures from such a time are lower bounds.</item>
/// <item>IHO-9002, one-directional mirror: over the last window, new attempts (SYNs) and unsolicited SYN-ACKs or RSTs
/// (toward hosts whose SYN was not seen) were both seen, and not one SYN-ACK answered a SYN seen here. The mirror (or
/// tap) carries one direction only, so handshakes can never be followed and embryonic counts mean nothing. Unsolicited
/// answers alone are backscatter (a rule of its own), and SYNs alone look like a flood on a silent host, which the
/// SYN-rate rule reports: neither is guessed at here. All three counts come from the tracker's events, so they describe
/// the same packets (SYN-ACK retransmissions of known attempts are not unsolicited).</item>
/// </list>
/// Checked on the detection thread once per snapshot, on wall time (drops and mirrors are facts about the sensor now).
/// </summary>
internal sealed class SensorHealthMonitor(SensorHealthSettings settings, string interfaceName, SensorPipeline owner)
{
    private static readonly RuleInfo DropsRule = new("IHO-9001", 1, "Capture drops above threshold", Severity.Medium, "sensor");
    private static readonly RuleInfo OneWayRule = new("IHO-9002", 1, "One-directional mirror: handshakes never pair", Severity.Low, "sensor");

    private readonly Queue<Sample> _history = new();
    private Open? _drops;
    private Open? _oneWay;

    private readonly record struct Sample(long WallTicks, long Frames, long Drops, long Syn, long Unsolicited, long Answered);

    private sealed class Open(string id, long startNs)
    {
        public string Id { get; } = id;
        public long StartNs { get; } = startNs;
        public int Sequence;
        public long PeakCount;
        public long LastUpdateTicks;
    }

    public void Check(SensorMetricsSnapshot s, long syn, long unsolicited, long answered, long clockNs, long wallTicks)
    {
        long drops = s.CaptureDropped + s.InterfaceDropped + s.StageDropped.Values.Sum();
        var now = new Sample(wallTicks, s.PacketsReceived, drops, syn, unsolicited, answered);
        long windowTicks = (long)(settings.Window * Stopwatch.Frequency);
        while (_history.Count > 1 && now.WallTicks - _history.Peek().WallTicks > windowTicks) _history.Dequeue();
        var first = _history.Count > 0 ? _history.Peek() : now;
        _history.Enqueue(now);
        if (now.WallTicks == first.WallTicks) return;

        double seconds = (double)(now.WallTicks - first.WallTicks) / Stopwatch.Frequency;
        long dDrops = now.Drops - first.Drops;
        long dFrames = now.Frames - first.Frames;
        double ratio = dDrops <= 0 ? 0 : (double)dDrops / Math.Max(1, dFrames + dDrops);
        bool dropping = dDrops >= settings.MinDrops && ratio > settings.DropRatio;
        var c = CultureInfo.InvariantCulture;
        Evaluate(ref _drops, DropsRule, dropping, dDrops, clockNs, wallTicks,
            string.Create(c, $"capture drops on {interfaceName}: {dDrops:N0} of {dFrames + dDrops:N0} packets ({ratio:P2}) in the last {seconds:0} s"));

        long dSyn = now.Syn - first.Syn;
        long dUnsolicited = now.Unsolicited - first.Unsolicited;
        long dAnswered = now.Answered - first.Answered;
        long min = settings.OneWayMinPackets;
        bool oneWay = dAnswered == 0 && dSyn >= min && dUnsolicited >= min;
        Evaluate(ref _oneWay, OneWayRule, oneWay, dSyn + dUnsolicited, clockNs, wallTicks,
            string.Create(c, $"one-directional mirror on {interfaceName}? {dSyn:N0} new attempts and {dUnsolicited:N0} unsolicited answers in the last {seconds:0} s, no handshake paired"));
    }

    /// <summary>The pipeline stops: open events end.</summary>
    public void Finish(long clockNs)
    {
        if (_drops is { } d) Emit(d, DropsRule, AlertPhase.End, clockNs, "shutdown", d.PeakCount, "capture drops: the sensor stopped");
        if (_oneWay is { } o) Emit(o, OneWayRule, AlertPhase.End, clockNs, "shutdown", o.PeakCount, "one-directional mirror: the sensor stopped");
        _drops = _oneWay = null;
    }

    private void Evaluate(ref Open? open, RuleInfo rule, bool holds, long count, long clockNs, long wallTicks, string message)
    {
        if (holds)
        {
            if (open is null)
            {
                open = new Open(Id(rule, clockNs), clockNs) { PeakCount = count, LastUpdateTicks = wallTicks };
                Emit(open, rule, AlertPhase.Start, clockNs, null, count, message);
                return;
            }

            open.PeakCount = Math.Max(open.PeakCount, count);
            if (wallTicks - open.LastUpdateTicks >= 60 * Stopwatch.Frequency)
            {
                open.LastUpdateTicks = wallTicks;
                Emit(open, rule, AlertPhase.Update, clockNs, null, count, message);
            }
        }
        else if (open is not null)
        {
            Emit(open, rule, AlertPhase.End, clockNs, "recovered", open.PeakCount, message);
            open = null;
        }
    }

    private void Emit(Open open, RuleInfo rule, AlertPhase phase, long clockNs, string? endReason, long count, string message)
    {
        long t = Math.Max(clockNs, open.StartNs);
        owner.EmitHealth(new AlertEvent
        {
            AttackId = open.Id,
            Kind = AlertKind.SensorHealth,
            Phase = phase,
            Sequence = open.Sequence++,
            TimestampNs = t,
            StartNs = open.StartNs,
            EndNs = phase == AlertPhase.End ? t : null,
            EndReason = endReason,
            Rule = rule,
            Severity = rule.Severity,
            Count = count,
            Message = message,
        });
    }

    private string Id(RuleInfo rule, long startNs)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in interfaceName) h = (h ^ ch) * 1099511628211UL;
        h ^= (ulong)startNs;
        return string.Create(CultureInfo.InvariantCulture, $"{rule.Id}-{h:x16}");
    }
}
