using System.Diagnostics;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Live;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Metrics;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;
using Microsoft.Extensions.Logging;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>What one sensor pipeline runs with.</summary>
internal sealed record SensorPipelineOptions
{
    public required RuleSet Rules { get; init; }

    public TrackerOptions Tracker { get; init; } = new();

    public int Shards { get; init; } = 1;

    public int MaxPacketsInFlight { get; init; } = 1 << 20;

    /// <summary>
    /// Live capture: when no packet arrives, the packet clock follows the wall clock (less <see cref="IdleClockLag"/>), so
    /// attempts still age, windows still empty and attacks still end on a quiet link. Off for a recorded source, whose
    /// packet times have nothing to do with now.
    /// </summary>
    public bool FollowWallClock { get; init; } = true;

    /// <summary>How far behind the wall clock the idle packet clock stays: longer than a packet may wait in the kernel buffer.</summary>
    public TimeSpan IdleClockLag { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Wall time between two epoch cuts: the longest an event waits before detection sees it.</summary>
    public TimeSpan EpochInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Wall time between two metrics snapshots (and sensor-health checks). /metrics serves the latest snapshot, so this
    /// bounds how stale a scraped gauge is: at 1 s a gauge read during a flood trailed the kernel's SYN_RECV count by a
    /// second of SYNs (the live lab test compares them within 10%).
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public int TopDestinations { get; init; } = 10;

    public SensorHealthSettings Health { get; init; } = new();
}

/// <summary>
/// The live sensor's pipeline: a capture thread reads and decodes frames and posts TCP packets to the sharded tracker in
/// drop mode (it never blocks: what the shards cannot take is dropped and counted); a detection thread consumes the merged
/// event stream, runs the engine, writes the sinks, applies rule reloads and publishes metrics snapshots. The engine is
/// touched by the detection thread only.
/// </summary>
internal sealed partial class SensorPipeline : IDetectionOutput, ITrackerEventHandler, IDisposable
{
    private readonly SensorPipelineOptions _options;
    private readonly IPacketSource _source;
    private readonly Func<CaptureStatistics>? _captureStatistics;
    private readonly SensorSinks _sinks;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly PacketDecoder _decoder = new();
    private readonly ShardedTracker _tracker;
    private readonly DetectionEngine _engine;
    private readonly SensorHealthMonitor _health;
    private readonly Thread _captureThread;
    private readonly Thread _detectionThread;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RuleSet? _pendingRules;
    private volatile SensorMetricsSnapshot _latest = SensorMetricsSnapshot.Empty;
    private volatile bool _stopRequested;
    private long _nextSnapshotTicks;
    private long _answered;
    private long _attemptsStarted;
    private long _unsolicited;
    private long _ruleReloads;
    private long _ruleReloadFailures;
    private bool _sinksDirty;
    private Exception? _failure;

    public SensorPipeline(SensorPipelineOptions options, IPacketSource source, Func<CaptureStatistics>? captureStatistics, SensorSinks sinks, ILogger log, TimeProvider time)
    {
        _options = options;
        _source = source;
        _captureStatistics = captureStatistics;
        _sinks = sinks;
        _log = log;
        _time = time;
        _tracker = new ShardedTracker(options.Tracker, new ShardingOptions
        {
            Shards = options.Shards,
            Backpressure = BackpressureMode.Drop,
            MaxPacketsInFlight = options.MaxPacketsInFlight,
        });
        _engine = new DetectionEngine(options.Rules, new DetectionOptions { EmbryonicTimeout = options.Tracker.EmbryonicTimeout }, this);
        _health = new SensorHealthMonitor(options.Health, source.Name, this);
        _captureThread = new Thread(Capture) { IsBackground = true, Name = "idshalfopen-capture" };
        _detectionThread = new Thread(Detect) { IsBackground = true, Name = "idshalfopen-detection" };
    }

    /// <summary>Completes when the pipeline has stopped and every sink was flushed (after a stop, or when the source ended).</summary>
    public Task Completion => _completion.Task;

    /// <summary>The source ended by itself (the interface went away, a capture error): set when <see cref="Completion"/> is.</summary>
    public string? SourceProblem { get; private set; }

    public bool StopRequested => _stopRequested;

    /// <summary>The latest metrics, taken on the detection thread about every <see cref="SensorPipelineOptions.SnapshotInterval"/>.</summary>
    public SensorMetricsSnapshot Latest => _latest;

    public void Start()
    {
        _nextSnapshotTicks = _time.GetTimestamp();
        _detectionThread.Start();
        _captureThread.Start();
    }

    /// <summary>Stops capturing; what was captured is still tracked, detected and flushed. Any thread.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        if (_source is LivePacketSource live) live.BreakLoop();
    }

    /// <summary>Hands new rules to the detection thread, which applies them at its next epoch. Any thread.</summary>
    public void ReplaceRules(RuleSet rules) => Volatile.Write(ref _pendingRules, rules);

    /// <summary>A reload was rejected (counted in the metrics); the caller logged why.</summary>
    public void CountRejectedReload() => Interlocked.Increment(ref _ruleReloadFailures);

    // ---- capture thread ----

    private void Capture()
    {
        try
        {
            var decoder = _decoder;
            var tracker = _tracker;
            long epochTicks = (long)(_options.EpochInterval.TotalSeconds * Stopwatch.Frequency);
            long lagNs = _options.IdleClockLag.Ticks * 100;
            long lastEpoch = _time.GetTimestamp();
            while (!_stopRequested)
            {
                var r = _source.Read(out RawFrame frame);
                if (r == ReadResult.EndOfStream) break;
                if (r == ReadResult.Packet && decoder.TryDecode(in frame, out TcpPacket packet, out _)) tracker.Post(in packet);

                // Cut epochs on wall time: events reach detection within an interval even on a slow link, and on an idle
                // link the packet clock moves on so attempts age and attacks end.
                long now = _time.GetTimestamp();
                if (now - lastEpoch >= epochTicks)
                {
                    lastEpoch = now;
                    long clock = tracker.ClockNs;
                    if (_options.FollowWallClock)
                    {
                        long wall = (_time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100 - lagNs;
                        if (wall > clock) clock = wall;
                    }

                    if (clock != long.MinValue) tracker.CloseEpoch(clock);
                }
            }

            if (!_stopRequested && _source.Problem is { } problem) SourceProblem = problem.ToString();
        }
        catch (Exception e)
        {
            _failure = e;
            SourceProblem = "the capture thread failed: " + e.Message;
        }
        finally
        {
            _tracker.Complete();
        }
    }

    // ---- detection thread ----

    private void Detect()
    {
        try
        {
            _tracker.Consume(this);
            // A recorded source that simply ran out ends like a replay; a live one that ended by itself failed.
            string reason = _stopRequested ? "shutdown" : _source is LivePacketSource ? "capture-failed" : "end-of-capture";
            _engine.Finish(_tracker.ClockNs == long.MinValue ? 0 : _tracker.ClockNs, reason);
            _health.Finish(_engine.Clock);
            Publish();
        }
        catch (Exception e)
        {
            _failure ??= e;
            LogDetectionFailed(e);
        }
        finally
        {
            try
            {
                _sinks.Flush();
            }
            catch (IOException e)
            {
                LogSinkFailed(e.Message);
            }

            _completion.TrySetResult();
        }
    }

    public void OnEvent(in TrackerEvent e)
    {
        // Counted here, on the thread that pairs them, so the three counts of a health check describe the same events.
        if (e.Kind == TrackerEventKind.Answered) _answered++;
        else if (e.Kind == TrackerEventKind.AttemptStarted) _attemptsStarted++;
        else if (e.Kind == TrackerEventKind.Backscatter) _unsolicited++;
        _engine.OnEvent(in e);
    }

    public void Prefetch(in TrackerEvent upcoming) => _engine.Prefetch(in upcoming);

    public void OnEpochEnd(long clockNs)
    {
        _engine.OnEpochEnd(clockNs);
        if (Interlocked.Exchange(ref _pendingRules, null) is { } rules) ApplyRules(rules);
        if (_sinksDirty)
        {
            _sinksDirty = false;
            try
            {
                _sinks.Flush();
            }
            catch (IOException e)
            {
                LogSinkFailed(e.Message);
            }
        }

        long now = _time.GetTimestamp();
        if (now >= _nextSnapshotTicks)
        {
            _nextSnapshotTicks = now + (long)(_options.SnapshotInterval.TotalSeconds * Stopwatch.Frequency);
            var snapshot = Publish();
            _health.Check(snapshot, _attemptsStarted, _unsolicited, _answered, _engine.Clock, _time.GetTimestamp());
        }
    }

    private void ApplyRules(RuleSet rules)
    {
        var before = _engine.Rules;
        int ended = _engine.ReplaceRules(rules);
        Interlocked.Increment(ref _ruleReloads);
        LogRulesApplied(rules.EnabledRules.Count, ended);
        if (rules.Tracker.EmbryonicTimeoutNs != before.Tracker.EmbryonicTimeoutNs || rules.Tracker.UnansweredTimeoutNs != before.Tracker.UnansweredTimeoutNs)
            LogTrackerSettingsNeedRestart();
    }

    void IDetectionOutput.OnAlert(AlertEvent alert)
    {
        try
        {
            _sinks.Write(alert);
        }
        catch (IOException e)
        {
            LogSinkFailed(e.Message);
        }

        _sinksDirty = true;
        string kind = alert.Kind.Name();
        if (alert.Phase == AlertPhase.Start) LogAlertStarted(kind, alert.Rule.Id, alert.Message ?? "");
        else if (alert.Phase == AlertPhase.End) LogAlertEnded(kind, alert.Rule.Id, alert.Message ?? "");
    }

    void IDetectionOutput.OnConnection(in TrackerEvent closed)
    {
        if (!_sinks.WantsConnections) return;
        try
        {
            _sinks.Write(closed.ToRecord());
        }
        catch (IOException e)
        {
            LogSinkFailed(e.Message);
        }

        _sinksDirty = true;
    }

    /// <summary>Sensor-health events join the alert stream on the detection thread.</summary>
    internal void EmitHealth(AlertEvent alert) => ((IDetectionOutput)this).OnAlert(alert);

    private SensorMetricsSnapshot Publish()
    {
        var d = _decoder.Statistics;
        var t = _tracker.Statistics;
        var decodeEvents = new Dictionary<string, long>();
        foreach (var e in Enum.GetValues<DecodeEvent>())
        {
            if (e != DecodeEvent.None && d[e] > 0) decodeEvents[e.ToString()] = d[e];
        }

        var outcomes = new Dictionary<string, long>();
        foreach (var o in Enum.GetValues<AttemptOutcome>())
        {
            if (t[o] > 0) outcomes[o.Name()] = t[o];
        }

        CaptureStatistics capture = default;
        if (_captureStatistics is not null)
        {
            try
            {
                capture = _captureStatistics();
            }
            catch (Exception e) when (e is LiveCaptureException or ObjectDisposedException)
            {
                // The capture is closing: keep the last figures.
                capture = new CaptureStatistics(0, (ulong)_latest.CaptureDropped, (ulong)_latest.InterfaceDropped);
            }
        }

        var snapshot = new SensorMetricsSnapshot
        {
            TakenAt = _time.GetUtcNow(),
            Interfaces = [_source.Name],
            PacketsReceived = d.Frames,
            BytesReceived = d.Bytes,
            TcpPackets = d.TcpSegments,
            CaptureDropped = (long)capture.DroppedByKernel,
            InterfaceDropped = (long)capture.DroppedByInterface,
            StageDropped = new Dictionary<string, long> { ["tracker"] = _tracker.DroppedPackets, ["output"] = _sinks.Dropped },
            DecodeEvents = decodeEvents,
            Outcomes = outcomes,
            Attempts = t.Attempts,
            Tracked = _tracker.Tracked,
            PeakTracked = t.PeakTracked,
            Evictions = t.Evictions,
            Alerts = _engine.Statistics.Alerts,
            AlertEvents = _engine.Statistics.AlertEvents,
            SinkBacklog = _sinks.Backlog,
            GlobalEmbryonic = _engine.GlobalEmbryonic,
            TopDestinations = [.. _engine.TopServices(_options.TopDestinations).Select(x => new DestinationGauge(AddressText.Format(x.Service), x.Embryonic))],
            RuleReloads = Interlocked.Read(ref _ruleReloads),
            RuleReloadFailures = Interlocked.Read(ref _ruleReloadFailures),
        };
        _latest = snapshot;
        return snapshot;
    }

    /// <summary>Waits for both threads; for tests and the host's stop.</summary>
    public void Join()
    {
        _captureThread.Join();
        _detectionThread.Join();
    }

    public Exception? Failure => _failure;

    public void Dispose()
    {
        RequestStop();
        if (_captureThread.IsAlive) _captureThread.Join();
        if (_detectionThread.IsAlive) _detectionThread.Join();
        _tracker.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "alert started: {Kind} ({RuleId}) {Message}")]
    private partial void LogAlertStarted(string kind, string ruleId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "alert ended: {Kind} ({RuleId}) {Message}")]
    private partial void LogAlertEnded(string kind, string ruleId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "rules reloaded: {Enabled} rules enabled; {Ended} open attacks ended because their rule changed")]
    private partial void LogRulesApplied(int enabled, int ended);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the reloaded rules change the tracker timeouts: they take effect at the next start")]
    private partial void LogTrackerSettingsNeedRestart();

    [LoggerMessage(Level = LogLevel.Error, Message = "an alert sink failed: {Message}")]
    private partial void LogSinkFailed(string message);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the detection stage failed")]
    private partial void LogDetectionFailed(Exception e);
}
