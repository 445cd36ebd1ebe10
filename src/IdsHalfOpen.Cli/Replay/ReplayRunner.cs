using System.Diagnostics;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Output.JsonLines;
using IdsHalfOpen.Output.Report;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Cli.Replay;

/// <summary>
/// One replay: files are read and decoded on the calling thread, TCP packets go through the sharded tracker (which
/// waits rather than drops), and the detection engine runs on its own thread over the merged event stream.
/// </summary>
internal sealed class ReplayRunner : IDetectionOutput, IDisposable
{
    private readonly PacketDecoder _decoder = new();
    private readonly ReplayOptions _options;
    private readonly ShardedTracker _tracker;
    private readonly DetectionEngine _engine;
    private readonly GaugeSampler? _sampler;
    private readonly JsonLinesWriter? _alertLines;
    private readonly JsonLinesWriter? _connLines;
    private readonly AlertDocumentWriter _alertDocuments;
    private readonly ConnectionDocumentWriter _connDocuments;
    private readonly EsOutput? _es;
    private readonly EsShipper? _esConnections;
    private readonly Thread _consumer;
    private readonly Dictionary<string, AlertEvent> _attackStarts = [];
    private readonly Dictionary<string, AlertEvent> _attackLatest = [];
    private Exception? _consumerFailure;
    private bool _completed;

    /// <exception cref="IOException">An output cannot be opened; Elasticsearch (setup included) first, so a refused
    /// cluster does not truncate the output files.</exception>
    public ReplayRunner(ReplayOptions options, Stream stdout, TextWriter? stderr = null)
    {
        _options = options;
        var sensor = options.SensorName is { } name ? new SensorInfo(name, SensorInfo.ProductVersion) : SensorInfo.ForThisHost();
        _alertDocuments = new AlertDocumentWriter(sensor);
        _connDocuments = new ConnectionDocumentWriter(sensor);
        if (options.Elasticsearch is { } es)
        {
            _es = EsOutput.Open(es, sensor, stderr ?? TextWriter.Null);
            if (es.Connections) _esConnections = _es.Shipper;
        }

        if (options.AlertsPath is { } a) _alertLines = JsonLinesWriter.Open(a, append: false, standardOutput: stdout);
        if (options.ConnLogPath is { } c) _connLines = JsonLinesWriter.Open(c, append: false, standardOutput: stdout);
        // With one shard and at most two cores, a shard thread would only compete with the reader and the detection thread:
        // track on the reader thread instead (same output).
        bool onReader = options.Shards == 1 && Environment.ProcessorCount <= 2;
        _tracker = new ShardedTracker(options.Tracker, new ShardingOptions { Shards = options.Shards, Backpressure = BackpressureMode.Wait, TrackOnProducer = onReader });
        _engine = new DetectionEngine(options.Rules, new DetectionOptions { EmbryonicTimeout = options.Tracker.EmbryonicTimeout }, this);
        if (options.SampleGauges) _sampler = new GaugeSampler(_engine);
        _consumer = new Thread(Consume) { IsBackground = true, Name = "idshalfopen-detection" };
        _consumer.Start();
    }

    public DecodeStatistics Decoding => _decoder.Statistics;

    public List<string> Problems { get; } = [];

    /// <summary>
    /// Replays one file. A file that cannot be opened throws <see cref="CaptureException"/> before any packet is read.
    /// <paramref name="progress"/> gets (bytes of the file read, file size or -1, frames) every 64K frames and at the end.
    /// </summary>
    public void Run(string path, CancellationToken cancellationToken, Action<long, long, long>? progress = null)
    {
        using IPacketSource source = OfflineSource.Open(path);
        var position = source as IReadProgress;
        var decoder = _decoder;
        var tracker = _tracker;
        long n = 0;
        while (source.Read(out RawFrame frame) == ReadResult.Packet)
        {
            if (decoder.TryDecode(in frame, out TcpPacket packet, out _)) tracker.Post(in packet);

            // Checking the token per packet costs more than decoding a small frame; every 64K frames is plenty, for the
            // progress display too.
            if ((++n & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_consumerFailure is not null) break;
                if (progress is not null && position is not null) progress(position.BytesRead, position.TotalBytes, n);
            }
        }

        if (progress is not null && position is not null) progress(position.TotalBytes, position.TotalBytes, n);
        if (source.Problem is { } problem) Problems.Add(problem.ToString());
    }

    /// <summary>After <see cref="Complete"/>: every attack in start order (then id), as the report shows it.</summary>
    public IReadOnlyList<ReportAlert> Attacks() =>
        [.. _attackStarts.OrderBy(kv => kv.Value.StartNs).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => ReportAlert.From(kv.Value, _attackLatest[kv.Key]))];

    /// <summary>After <see cref="Complete"/>: the sampled gauges of the <paramref name="topServices"/> busiest services; null when not sampling.</summary>
    public GaugeSeries? Gauges(int topServices) => _sampler?.Snapshot(topServices);

    /// <summary>No more input: the tracker reports open attempts, the engine ends open attacks, sinks are flushed.</summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        _tracker.Complete();
        _consumer.Join();
        _alertLines?.Flush();
        _connLines?.Flush();
        _es?.Shipper.Flush();
        if (_consumerFailure is not null) throw new InvalidOperationException("the detection stage failed: " + _consumerFailure.Message, _consumerFailure);
    }

    public ReplaySummary Summarize(IEnumerable<string> files, TimeSpan elapsed)
    {
        var s = _decoder.Statistics;
        var t = _tracker.Statistics;
        var summary = new ReplaySummary
        {
            Packets = s.Frames,
            Bytes = s.Bytes,
            TcpPackets = s.TcpSegments,
            Syn = s.Syn,
            Synack = s.SynAck,
            Rst = s.Rst,
            Fin = s.Fin,
            ElapsedS = Math.Round(elapsed.TotalSeconds, 6),
            Pps = elapsed.TotalSeconds > 0 ? Math.Round(s.Frames / elapsed.TotalSeconds, 1) : 0,
            Files = [.. files],
            Problems = Problems,
            Attempts = t.Attempts,
            Alerts = _engine.Statistics.Alerts,
            AlertEvents = _engine.Statistics.AlertEvents,
            Evictions = t.Evictions,
            PeakTracked = t.PeakTracked,
            Shards = _tracker.ShardCount,
        };
        foreach (var e in Enum.GetValues<DecodeEvent>())
        {
            if (e != DecodeEvent.None && s[e] > 0) summary.DecodeEvents[e.ToString()] = s[e];
        }

        foreach (var o in Enum.GetValues<AttemptOutcome>())
        {
            if (t[o] > 0) summary.Outcomes[o.Name()] = t[o];
        }

        foreach (var (id, start) in _attackStarts.OrderBy(kv => kv.Value.StartNs).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            summary.Attacks.Add(AttackSummary.From(start, _attackLatest[id]));
        }

        return summary;
    }

    /// <summary>
    /// After <see cref="Complete"/>: waits for Elasticsearch delivery (up to its timeout; not at all once
    /// <paramref name="cancellationToken"/> fired) and returns the figures; null when not shipping.
    /// </summary>
    public EsSummary? FinishElasticsearch(CancellationToken cancellationToken) => _es?.Finish(cancellationToken);

    public static Stopwatch StartClock() => Stopwatch.StartNew();

    void IDetectionOutput.OnAlert(AlertEvent alert)
    {
        _alertLines?.Write(_alertDocuments, alert);
        _es?.Shipper.Write(alert);
        if (alert.Phase == AlertPhase.Start) _attackStarts[alert.AttackId] = alert;
        _attackLatest[alert.AttackId] = alert;
    }

    void IDetectionOutput.OnConnection(in TrackerEvent closed)
    {
        // The record object is built only when someone asked for connection records.
        if (_connLines is null && _esConnections is null) return;
        var record = closed.ToRecord();
        _connLines?.Write(_connDocuments, record);
        _esConnections?.Write(record);
    }

    private void Consume()
    {
        try
        {
            if (_sampler is null)
            {
                _tracker.Consume(_engine);
                _engine.Finish(_tracker.ClockNs);
            }
            else
            {
                _tracker.Consume(_sampler);
                _sampler.Finish(_tracker.ClockNs);
            }
        }
        catch (Exception e)
        {
            _consumerFailure = e;
        }
    }

    public void Dispose()
    {
        if (!_completed)
        {
            try
            {
                Complete();
            }
            catch (InvalidOperationException)
            {
                // Already reported by Complete's caller path; disposing must not throw again.
            }
        }

        _tracker.Dispose();
        _alertLines?.Dispose();
        _connLines?.Dispose();
        _es?.Dispose();
    }
}
