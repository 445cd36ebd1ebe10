using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.JsonLines;

/// <summary>Alerts as ECS JSON lines (the eve.json of this sensor).</summary>
public sealed class AlertJsonLinesSink(JsonLinesWriter lines, AlertDocumentWriter documents) : IAlertSink, IDisposable
{
    public JsonLinesWriter Lines { get; } = lines ?? throw new ArgumentNullException(nameof(lines));

    public AlertDocumentWriter Documents { get; } = documents ?? throw new ArgumentNullException(nameof(documents));

    /// <summary>Opens <paramref name="path"/> ("-" = standard output) with every alert flushed as it is written.</summary>
    /// <exception cref="OutputException">The file cannot be opened.</exception>
    public static AlertJsonLinesSink Open(string path, SensorInfo sensor, bool append = true, Stream? standardOutput = null) =>
        new(JsonLinesWriter.Open(path, append, autoFlush: true, standardOutput), new AlertDocumentWriter(sensor));

    public void Write(AlertEvent alert) => Lines.Write(Documents, alert);

    public void Flush() => Lines.Flush();

    public void Dispose() => Lines.Dispose();
}

/// <summary>Connection records as ECS JSON lines; buffered, since there may be very many.</summary>
public sealed class ConnectionJsonLinesSink(JsonLinesWriter lines, ConnectionDocumentWriter documents) : IConnectionSink, IDisposable
{
    public JsonLinesWriter Lines { get; } = lines ?? throw new ArgumentNullException(nameof(lines));

    public ConnectionDocumentWriter Documents { get; } = documents ?? throw new ArgumentNullException(nameof(documents));

    /// <summary>Opens <paramref name="path"/> ("-" = standard output); lines are batched until <see cref="Flush"/>.</summary>
    /// <exception cref="OutputException">The file cannot be opened.</exception>
    public static ConnectionJsonLinesSink Open(string path, SensorInfo sensor, bool append = true, Stream? standardOutput = null, ushort communityIdSeed = 0) =>
        new(JsonLinesWriter.Open(path, append, autoFlush: false, standardOutput), new ConnectionDocumentWriter(sensor, communityIdSeed));

    public void Write(ConnectionRecord record) => Lines.Write(Documents, record);

    public void Flush() => Lines.Flush();

    public void Dispose() => Lines.Dispose();
}
