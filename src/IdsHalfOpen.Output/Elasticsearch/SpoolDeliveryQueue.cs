using IdsHalfOpen.Output.Spool;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// The shipper's write-ahead queue on the durable spool: documents survive an unreachable cluster, a restart and a
/// kill -9, and are delivered in order when Elasticsearch answers again.
/// </summary>
public sealed class SpoolDeliveryQueue : IDeliveryQueue, IDisposable
{
    private readonly DurableSpool _spool;
    private readonly List<SpoolRecord> _scratch = [];

    private SpoolDeliveryQueue(DurableSpool spool) => _spool = spool;

    /// <summary>Opens (or recovers) the spool in <paramref name="directory"/>; an IOException names it when another process holds it.</summary>
    public static SpoolDeliveryQueue Open(string directory, long maxBytes = 256L << 20) => new(DurableSpool.Open(directory, maxBytes));

    public DurableSpool Spool => _spool;

    public long PendingRecords => _spool.PendingRecords;

    public long PendingBytes => _spool.PendingBytes;

    public long Rejected => _spool.Rejected;

    public long Append(ReadOnlySpan<byte> payload) => _spool.Append(payload);

    public void Flush() => _spool.Flush();

    public int Peek(int maxRecords, List<QueuedRecord> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        int n = _spool.Peek(maxRecords, _scratch);
        into.Clear();
        foreach (var r in _scratch) into.Add(new QueuedRecord(r.Sequence, r.Payload));
        _scratch.Clear();
        return n;
    }

    public void Acknowledge(long sequence) => _spool.Acknowledge(sequence);

    public void Dispose() => _spool.Dispose();
}
