namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>One queued payload and its sequence number.</summary>
public readonly record struct QueuedRecord(long Sequence, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The write-ahead queue between the sensor and Elasticsearch (the durable spool on disk in production, memory in
/// tests). Records come out oldest first and stay until acknowledged. Contract the shipper relies on:
/// <list type="bullet">
/// <item><see cref="Append"/> may be called from one thread while another peeks and acknowledges.</item>
/// <item>Sequence numbers grow with every append.</item>
/// <item><see cref="Peek"/> always starts at the oldest unacknowledged record; a payload stays valid until the next
/// <see cref="Peek"/> or <see cref="Acknowledge"/>.</item>
/// <item><see cref="Acknowledge"/> releases every record up to and including the sequence.</item>
/// </list>
/// </summary>
public interface IDeliveryQueue
{
    /// <summary>Unacknowledged records.</summary>
    long PendingRecords { get; }

    /// <summary>Their payload bytes.</summary>
    long PendingBytes { get; }

    /// <summary>Appends refused because the queue was full.</summary>
    long Rejected { get; }

    /// <summary>Stores a copy of <paramref name="payload"/>; returns its sequence, or -1 when the queue is full.</summary>
    long Append(ReadOnlySpan<byte> payload);

    /// <summary>Makes appended records durable (a no-op in memory).</summary>
    void Flush();

    /// <summary>Adds up to <paramref name="maxRecords"/> of the oldest unacknowledged records to <paramref name="into"/>; returns how many.</summary>
    int Peek(int maxRecords, List<QueuedRecord> into);

    /// <summary>Releases every record up to and including <paramref name="sequence"/>.</summary>
    void Acknowledge(long sequence);
}
