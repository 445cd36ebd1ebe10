using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.JsonLines;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>
/// Where the sensor's alerts and connection records go: JSON lines (file or stdout) and Elasticsearch through the
/// durable spool. Written on the detection thread only; flushed at every epoch that wrote something, so an alert line
/// reaches its file within an epoch interval.
/// </summary>
internal sealed class SensorSinks : IDisposable
{
    private readonly JsonLinesWriter? _alertLines;
    private readonly JsonLinesWriter? _connLines;
    private readonly AlertDocumentWriter _alertDocuments;
    private readonly ConnectionDocumentWriter _connDocuments;

    public SensorSinks(SensorInfo sensor, string? alertsPath, string? connLogPath, EsOutput? es, Stream? stdout = null)
    {
        _alertDocuments = new AlertDocumentWriter(sensor);
        _connDocuments = new ConnectionDocumentWriter(sensor);
        Es = es;
        try
        {
            // Appended, never truncated: a restarted sensor must not wipe the alerts of its previous run.
            if (alertsPath is not null) _alertLines = JsonLinesWriter.Open(alertsPath, append: true, standardOutput: stdout);
            if (connLogPath is not null) _connLines = JsonLinesWriter.Open(connLogPath, append: true, standardOutput: stdout);
        }
        catch
        {
            _alertLines?.Dispose();
            throw;
        }
    }

    public EsOutput? Es { get; }

    public bool WantsConnections => _connLines is not null || Es is { ShipsConnections: true };

    /// <summary>Documents accepted and not yet delivered.</summary>
    public long Backlog => Es?.Shipper.Pending ?? 0;

    /// <summary>Documents a full spool refused.</summary>
    public long Dropped => Es?.Shipper.Dropped ?? 0;

    public long AlertLines => _alertLines?.LinesWritten ?? 0;

    public void Write(AlertEvent alert)
    {
        _alertLines?.Write(_alertDocuments, alert);
        Es?.Shipper.Write(alert);
    }

    public void Write(ConnectionRecord record)
    {
        _connLines?.Write(_connDocuments, record);
        if (Es is { ShipsConnections: true } es) es.Shipper.Write(record);
    }

    public void Flush()
    {
        _alertLines?.Flush();
        _connLines?.Flush();
        Es?.Shipper.Flush();
    }

    public void Dispose()
    {
        _alertLines?.Dispose();
        _connLines?.Dispose();
        Es?.Dispose();
    }
}
