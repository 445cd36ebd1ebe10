using System.Runtime.ExceptionServices;
using IdsHalfOpen.Detection;

namespace IdsHalfOpen.Output;

/// <summary>
/// Fans alerts out to several sinks (e.g. the alert file and Elasticsearch). Every sink gets every alert even when
/// another one fails; the failures are rethrown afterwards (one as itself, several as an AggregateException) so the
/// caller still decides. Disposing it disposes the sinks it was given.
/// </summary>
public sealed class CompositeAlertSink : IAlertSink, IDisposable
{
    private readonly IAlertSink[] _sinks;

    public CompositeAlertSink(params IAlertSink[] sinks)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        _sinks = (IAlertSink[])sinks.Clone();
    }

    public IReadOnlyList<IAlertSink> Sinks => _sinks;

    public void Write(AlertEvent alert)
    {
        List<Exception>? failures = null;
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Write(alert);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (failures ??= []).Add(e);
            }
        }

        Rethrow(failures);
    }

    public void Flush()
    {
        List<Exception>? failures = null;
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Flush();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (failures ??= []).Add(e);
            }
        }

        Rethrow(failures);
    }

    public void Dispose()
    {
        List<Exception>? failures = null;
        foreach (var sink in _sinks)
        {
            try
            {
                (sink as IDisposable)?.Dispose();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                (failures ??= []).Add(e);
            }
        }

        Rethrow(failures);
    }

    private static void Rethrow(List<Exception>? failures)
    {
        if (failures is null) return;
        if (failures.Count == 1) ExceptionDispatchInfo.Throw(failures[0]);
        throw new AggregateException("several alert sinks failed", failures);
    }
}
