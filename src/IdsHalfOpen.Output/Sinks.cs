using IdsHalfOpen.Detection;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output;

/// <summary>
/// Receives alerts from the detection stage. Synchronous: detection runs on one thread, and a sink that must wait
/// (Elasticsearch) queues internally. A sink reports an output failure by throwing <see cref="OutputException"/>.
/// </summary>
public interface IAlertSink
{
    void Write(AlertEvent alert);

    void Flush();
}

/// <summary>Receives finished connection attempts; implementations must accept calls from several threads (tracker shards).</summary>
public interface IConnectionSink
{
    void Write(ConnectionRecord record);

    void Flush();
}

/// <summary>Discards everything: the sink for outputs the user turned off.</summary>
public sealed class NullSink : IAlertSink, IConnectionSink
{
    public static NullSink Instance { get; } = new();

    private NullSink()
    {
    }

    public void Write(AlertEvent alert)
    {
    }

    public void Write(ConnectionRecord record)
    {
    }

    public void Flush()
    {
    }
}

/// <summary>An output (file, stream, server) failed; <see cref="Target"/> names it, the inner exception says why.</summary>
public sealed class OutputException : IOException
{
    public OutputException()
    {
        Target = "";
    }

    public OutputException(string message)
        : base(message)
    {
        Target = "";
    }

    public OutputException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
    }

    public OutputException(string target, string message, Exception? innerException)
        : base(message, innerException)
    {
        Target = target;
    }

    /// <summary>The path, "-" for standard output, or the server address.</summary>
    public string Target { get; }
}
