using System.Buffers;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// A bounded <see cref="IDeliveryQueue"/> in memory: what is pending is lost with the process. Payloads are packed into
/// pooled segments (a record never spans two), so appending allocates nothing once the segments are warm; a segment
/// goes back to the pool when every record in it is acknowledged.
/// </summary>
public sealed class MemoryDeliveryQueue : IDeliveryQueue, IDisposable
{
    private readonly Lock _gate = new();
    private readonly long _maxBytes;
    private readonly int _segmentBytes;
    private readonly Queue<Entry> _entries = new();
    private readonly Queue<Segment> _segments = new();
    private Segment? _tail;
    private long _nextSequence = 1;
    private long _pendingBytes;
    private long _rejected;
    private bool _disposed;

    /// <param name="maxBytes">Payload bytes held at most; appends beyond are refused.</param>
    /// <param name="segmentBytes">Size of the pooled blocks payloads are packed into.</param>
    public MemoryDeliveryQueue(long maxBytes = 256L << 20, int segmentBytes = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 1);
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
    }

    public long PendingRecords
    {
        get
        {
            lock (_gate) return _entries.Count;
        }
    }

    public long PendingBytes
    {
        get
        {
            lock (_gate) return _pendingBytes;
        }
    }

    public long Rejected
    {
        get
        {
            lock (_gate) return _rejected;
        }
    }

    public long Append(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pendingBytes + payload.Length > _maxBytes)
            {
                _rejected++;
                return -1;
            }

            if (_tail is null || _tail.Buffer.Length - _tail.Used < payload.Length)
            {
                _tail = new Segment(ArrayPool<byte>.Shared.Rent(Math.Max(_segmentBytes, payload.Length)));
                _segments.Enqueue(_tail);
            }

            long sequence = _nextSequence++;
            payload.CopyTo(_tail.Buffer.AsSpan(_tail.Used));
            _entries.Enqueue(new Entry(sequence, _tail, _tail.Used, payload.Length));
            _tail.Used += payload.Length;
            _tail.LastSequence = sequence;
            _pendingBytes += payload.Length;
            return sequence;
        }
    }

    public void Flush()
    {
    }

    public int Peek(int maxRecords, List<QueuedRecord> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        lock (_gate)
        {
            int n = 0;
            foreach (var entry in _entries)
            {
                if (n == maxRecords) break;
                into.Add(new QueuedRecord(entry.Sequence, new ReadOnlyMemory<byte>(entry.Segment.Buffer, entry.Offset, entry.Length)));
                n++;
            }

            return n;
        }
    }

    public void Acknowledge(long sequence)
    {
        lock (_gate)
        {
            while (_entries.TryPeek(out var entry) && entry.Sequence <= sequence)
            {
                _entries.Dequeue();
                _pendingBytes -= entry.Length;
            }

            while (_segments.TryPeek(out var segment) && segment.LastSequence <= sequence)
            {
                if (segment == _tail)
                {
                    // Everything in the tail is acknowledged: write from its start again rather than rent another.
                    segment.Used = 0;
                    break;
                }

                _segments.Dequeue();
                ArrayPool<byte>.Shared.Return(segment.Buffer);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _entries.Clear();
            while (_segments.TryDequeue(out var segment)) ArrayPool<byte>.Shared.Return(segment.Buffer);
            _tail = null;
            _pendingBytes = 0;
        }
    }

    private readonly record struct Entry(long Sequence, Segment Segment, int Offset, int Length);

    private sealed class Segment(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        public int Used { get; set; }

        public long LastSequence { get; set; }
    }
}
