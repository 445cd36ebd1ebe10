using IdsHalfOpen.Capture;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Output.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>The pieces of a running sensor, opened (and checked) before the host starts.</summary>
internal sealed class SensorRuntime : IAsyncDisposable
{
    public required SensorSettings Settings { get; init; }

    public required IPacketSource Source { get; init; }

    public required SensorPipeline Pipeline { get; init; }

    public required SensorSinks Sinks { get; init; }

    public required RuleReloader Reloader { get; init; }

    public MetricsEndpoint? Metrics { get; init; }

    /// <summary>Set when the sensor stopped because its capture failed (not by a signal).</summary>
    public string? Failure { get; set; }

    public async ValueTask DisposeAsync()
    {
        Reloader.Dispose();
        if (Metrics is not null) await Metrics.DisposeAsync().ConfigureAwait(false);
        Pipeline.Dispose();
        Sinks.Dispose();
        Source.Dispose();
    }
}

/// <summary>
/// Runs the sensor under the generic host: starts the pipeline, the rule reloader and the stats log; on SIGTERM or
/// Ctrl-C stops capturing, drains the tracker and detection, ends open attacks (reason "shutdown"), flushes every sink
/// and gives Elasticsearch a bounded time to take what is spooled (the rest stays in the spool for the next start).
/// </summary>
internal sealed partial class SensorService(SensorRuntimeHolder holder, IHostApplicationLifetime lifetime, ILogger<SensorService> logger, TimeProvider time) : IHostedService, IDisposable
{
    private readonly ILogger _log = logger;
    private SensorRuntime Runtime => holder.Runtime ?? throw new InvalidOperationException("the sensor runtime was not opened before the host started");
    private readonly CancellationTokenSource _stopStats = new();
    private Task _stats = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var s = Runtime.Settings;
        Runtime.Pipeline.Start();
        Runtime.Reloader.Start();
        LogCapturing(s.Interface!, s.Filter ?? "(none)", s.Rules ?? "built-in rules", s.Alerts ?? "(none)");
        if (Runtime.Metrics is { } m) LogMetrics(m.Url);
        if (Runtime.Sinks.Es is { } es) LogShipping(es.Shipper.Connection.Target);
        if (s.StatsInterval > 0) _stats = StatsLoopAsync(TimeSpan.FromSeconds(s.StatsInterval), _stopStats.Token);

        // A capture that ends by itself (interface removed, capture error) stops the whole sensor, with a failure code.
        _ = Runtime.Pipeline.Completion.ContinueWith(_ =>
        {
            if (Runtime.Pipeline.StopRequested) return;
            Runtime.Failure = Runtime.Pipeline.SourceProblem ?? "the capture ended";
            LogCaptureEnded(Runtime.Failure);
            lifetime.StopApplication();
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping();
        Runtime.Pipeline.RequestStop();
        try
        {
            await Runtime.Pipeline.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDrainTimedOut();
        }

        await _stopStats.CancelAsync().ConfigureAwait(false);
        await _stats.ConfigureAwait(false);
        if (Runtime.Sinks.Es is { } es)
        {
            var timeout = TimeSpan.FromSeconds(Runtime.Settings.Elasticsearch.StopTimeout);
            bool delivered = await es.Shipper.FlushAsync(timeout, CancellationToken.None).ConfigureAwait(false);
            if (!delivered) LogEsBacklogKept(es.Shipper.Pending);
        }

        var last = Runtime.Pipeline.Latest;
        LogStats(last);
        LogStopped(Runtime.Sinks.AlertLines, last.AlertEvents);
    }

    private async Task StatsLoopAsync(TimeSpan interval, CancellationToken token)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
            {
                LogStats(Runtime.Pipeline.Latest);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public void Dispose() => _stopStats.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "capturing on {Interface} (filter {Filter}; rules {Rules}; alerts {Alerts})")]
    private partial void LogCapturing(string @interface, string filter, string rules, string alerts);

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics at {Url}")]
    private partial void LogMetrics(string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "shipping alerts to Elasticsearch at {Target} (through the durable spool)")]
    private partial void LogShipping(string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "stats {Snapshot}")]
    private partial void LogStats(SensorMetricsSnapshot snapshot);

    [LoggerMessage(Level = LogLevel.Error, Message = "capture ended: {Reason}; stopping")]
    private partial void LogCaptureEnded(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopping: draining the pipeline and flushing the sinks")]
    private partial void LogStopping();

    [LoggerMessage(Level = LogLevel.Error, Message = "the pipeline did not drain within the shutdown timeout; some events may be lost")]
    private partial void LogDrainTimedOut();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Pending} documents not yet delivered to Elasticsearch: they stay in the spool for the next start")]
    private partial void LogEsBacklogKept(long pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "stopped; {Lines} alert lines written, {Events} alert events in all")]
    private partial void LogStopped(long lines, long events);
}
