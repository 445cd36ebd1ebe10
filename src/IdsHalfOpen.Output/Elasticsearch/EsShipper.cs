using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// Ships alerts (and, when given a connection writer, connection records) to their data streams.
/// <para>
/// Write-ahead: <see cref="Write(AlertEvent)"/> only serialises the document into the <see cref="IDeliveryQueue"/> as a
/// ready bulk pair (<c>create</c> action with the deterministic <c>_id</c>, then the source with its data_stream block)
/// and returns; it never waits for the network and allocates nothing in steady state. A background loop batches by
/// count, bytes and time into <c>POST /_bulk?require_data_stream=true</c>.
/// </para>
/// <para>
/// Per item: 201 delivered; 409 (the <c>_id</c> exists) already delivered, counted as a duplicate; 429/502/503/504
/// sent again after a capped exponential backoff with jitter; any other refusal goes to the dead-letter file and is
/// never retried. A whole request that fails (no connection, time-out, 429, 5xx, 401/403) is sent again whole, for as
/// long as it takes: the queue keeps the documents. A whole request refused otherwise (4xx) is sent again one document
/// at a time, so the document at fault is dead-lettered alone. The queue is acknowledged only up to the first record
/// that is not finished (delivered, duplicate or dead-lettered), so a crash re-sends at most what was in flight, and
/// <c>create</c> with the same <c>_id</c> turns that into a duplicate, not a second copy.
/// </para>
/// </summary>
public sealed class EsShipper : IAlertSink, IConnectionSink, IDisposable
{
    private static readonly TimeSpan DropWarningInterval = TimeSpan.FromSeconds(10);

    private readonly EsConnection _connection;
    private readonly IDeliveryQueue _queue;
    private readonly EsOptions _options;
    private readonly AlertDocumentWriter _alerts;
    private readonly ConnectionDocumentWriter? _connections;
    private readonly StreamTarget _alertTarget;
    private readonly StreamTarget _connectionTarget;
    private readonly EsLogCallback? _log;
    private readonly Func<CancellationToken, Task>? _prepare;

    // Producer side (any thread, one at a time).
    private readonly Lock _writeGate = new();
    private readonly ArrayBufferWriter<byte> _document = new(4096);
    private readonly ArrayBufferWriter<byte> _payload = new(4096);
    private readonly Utf8JsonWriter _json;
    private long _lastDropWarning;

    // Loop side.
    private readonly ArrayBufferWriter<byte> _body = new(64 * 1024);
    private readonly List<QueuedRecord> _peeked = [];
    private readonly List<SentRecord> _sent = [];
    private readonly List<BulkItemResult> _items = [];
    private readonly HashSet<long> _finished = [];
    private readonly DeadLetterFile? _deadLetters;
    private readonly CancellationTokenSource _stop = new();
    private readonly AsyncSignal _wake = new();
    private readonly Task _loop;
    private bool _requireDataStream = true;
    private bool _connected;
    private long _isolateThrough = -1;
    private int _consecutiveFailures;

    private TaskCompletionSource _progress = NewSignal();
    private long _lastAppended = -1;
    private long _acknowledgedThrough = -1;
    private int _flushRequests;
    private long _accepted;
    private long _delivered;
    private long _duplicates;
    private long _deadLettered;
    private long _retries;
    private long _failedRequests;
    private volatile string? _lastError;
    private volatile bool _faulted;
    private volatile bool _disposed;

    /// <param name="connection">Where to ship; its options give the namespace, batching, backoff and dead-letter file.</param>
    /// <param name="queue">The write-ahead queue; records already in it (a previous run's) are shipped first. Not disposed here.</param>
    /// <param name="alerts">Serialises alerts.</param>
    /// <param name="connections">Serialises connection records; null when they are not shipped.</param>
    /// <param name="log">Progress and trouble reports; null for none.</param>
    /// <param name="prepare">
    /// Runs once, after the first successful contact and before the first document is sent, and again after each failure
    /// until it succeeds (with the same backoff as deliveries): a sensor installs its templates here, so it can start while
    /// the cluster is down and its documents never reach a data stream without their mappings. Null for none.
    /// </param>
    public EsShipper(EsConnection connection, IDeliveryQueue queue, AlertDocumentWriter alerts, ConnectionDocumentWriter? connections = null, EsLogCallback? log = null,
        Func<CancellationToken, Task>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(alerts);
        _connection = connection;
        _queue = queue;
        _options = connection.Options;
        _alerts = alerts;
        _connections = connections;
        _log = log;
        _prepare = prepare;
        _alertTarget = new StreamTarget(_options, AlertDocumentWriter.Dataset);
        _connectionTarget = new StreamTarget(_options, ConnectionDocumentWriter.Dataset);
        _json = new Utf8JsonWriter(_document, EcsJson.WriterOptions);
        if (_options.DeadLetterPath is { } path) _deadLetters = new DeadLetterFile(path);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Documents accepted into the queue by this shipper.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Documents Elasticsearch created (201).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Documents whose <c>_id</c> already existed (409): delivered before, e.g. by a run that stopped before its acknowledgement.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Documents refused for good and written to the dead-letter file.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    /// <summary>Documents sent again after a retryable failure (of the item or of its whole request).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Bulk requests that failed as a whole (no answer, 429, 5xx, 401/403).</summary>
    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    /// <summary>Documents in the queue, not yet finished.</summary>
    public long Pending => _queue.PendingRecords;

    /// <summary>Documents the full queue refused (lost).</summary>
    public long Dropped => _queue.Rejected;

    /// <summary>The last failure, for summaries; null when none happened.</summary>
    public string? LastError => _lastError;

    /// <summary>True once the server proved not to be Elasticsearch (or the loop failed): nothing is sent any more.</summary>
    public bool IsFaulted => _faulted;

    public EsConnection Connection => _connection;

    /// <summary>Queues an alert for delivery. Never blocks on the network; a full queue drops it (counted in <see cref="Dropped"/>).</summary>
    public void Write(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Serialize(_alerts, alert);
            EnqueueDocument(_alertTarget);
        }
    }

    /// <summary>Queues a connection record; needs the shipper to have been given a connection writer.</summary>
    public void Write(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_connections is null) throw new InvalidOperationException("this shipper was created without a connection document writer");
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Serialize(_connections, record);
            EnqueueDocument(_connectionTarget);
        }
    }

    /// <summary>Makes what was queued durable (the spool's flush); delivery is <see cref="FlushAsync"/>'s business.</summary>
    public void Flush()
    {
        lock (_writeGate)
        {
            if (!_disposed) _queue.Flush();
        }
    }

    /// <summary>
    /// Sends what is queued without waiting for a batch to fill, and waits until everything queued before the call is
    /// finished (delivered, duplicate or dead-lettered) or <paramref name="timeout"/> passes. True when all is finished.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long target = Interlocked.Read(ref _lastAppended);
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Interlocked.Increment(ref _flushRequests);
        _wake.Set();
        try
        {
            while (true)
            {
                var progress = Volatile.Read(ref _progress).Task;
                if (IsFinishedThrough(target)) return true;
                if (_faulted || _disposed) return false;
                long remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0) return false;
                try
                {
                    await progress.WaitAsync(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return IsFinishedThrough(target);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _flushRequests);
        }
    }

    /// <summary>
    /// Stops the loop (an in-flight request is abandoned; its documents stay queued and are sent again by the next run
    /// when the queue is durable). Does not dispose the queue or the connection.
    /// </summary>
    public void Dispose()
    {
        lock (_writeGate)
        {
            if (_disposed) return;
            _disposed = true;
        }

        _stop.Cancel();
        _wake.Set();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop reports its own failures; disposing must not throw them again.
        }

        _queue.Flush();
        _json.Dispose();
        _deadLetters?.Dispose();
        _stop.Dispose();
        PulseProgress();
    }

    /// <summary>
    /// Queues a document as given: <paramref name="json"/> must be one compact object; the data_stream block is appended.
    /// For tests and tools that need documents the writers cannot produce.
    /// </summary>
    internal bool WriteRaw(string dataset, string id, ReadOnlySpan<byte> json)
    {
        var target = dataset == AlertDocumentWriter.Dataset ? _alertTarget
            : dataset == ConnectionDocumentWriter.Dataset ? _connectionTarget
            : throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "not one of our datasets");
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Enqueue(target, json, JsonEncodedText.Encode(id).EncodedUtf8Bytes);
        }
    }

    /// <summary>Finds <c>event.id</c> (our writers' document id) in a compact document: its offset and length.</summary>
    internal static bool TryFindEventId(ReadOnlySpan<byte> document, out int offset, out int length)
    {
        offset = length = 0;
        var reader = new Utf8JsonReader(document);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isEvent = reader.ValueTextEquals("event"u8);
            reader.Read();
            if (!isEvent || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isId = reader.ValueTextEquals("id"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    offset = (int)reader.TokenStartIndex + 1;
                    length = reader.ValueSpan.Length;
                    return true;
                }

                reader.Skip();
            }

            return false;
        }

        return false;
    }

    /// <summary>Capped exponential backoff with "equal jitter": half the step is fixed, so waits never collapse to nothing.</summary>
    internal static TimeSpan Backoff(int failures, TimeSpan initial, TimeSpan max, double random01)
    {
        double step = initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 40));
        double capped = Math.Min(step, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (capped / 2 * random01));
    }

    private void Serialize<T>(IDocumentWriter<T> writer, T value)
    {
        _document.ResetWrittenCount();
        _json.Reset(_document);
        writer.Write(_json, value);
        _json.Flush();
    }

    private void EnqueueDocument(StreamTarget target)
    {
        var document = _document.WrittenSpan;
        if (!TryFindEventId(document, out int offset, out int length))
        {
            throw new InvalidOperationException("the document writer produced a document without event.id");
        }

        Enqueue(target, document, document.Slice(offset, length));
    }

    /// <summary>Composes the bulk pair and appends it; false when the queue is full.</summary>
    private bool Enqueue(StreamTarget target, ReadOnlySpan<byte> document, ReadOnlySpan<byte> escapedId)
    {
        if (document.Length < 2 || document[0] != (byte)'{' || document[^1] != (byte)'}')
        {
            throw new ArgumentException("a document must be one compact JSON object", nameof(document));
        }

        // {"create":{"_index":"<stream>","_id":"<id>"}}\n{...document...,"data_stream":{...}}\n
        bool empty = document.Slice(1, document.Length - 2).Trim(" \t\r\n"u8).IsEmpty;
        var block = empty ? target.DataStreamBlock.AsSpan(1) : target.DataStreamBlock;
        int size = target.ActionPrefix.Length + escapedId.Length + StreamTarget.ActionSuffix.Length + document.Length - 1 + block.Length + 1;
        _payload.ResetWrittenCount();
        var span = _payload.GetSpan(size);
        int n = 0;
        Append(span, ref n, target.ActionPrefix);
        Append(span, ref n, escapedId);
        Append(span, ref n, StreamTarget.ActionSuffix);
        Append(span, ref n, document[..^1]);
        Append(span, ref n, block);
        span[n++] = (byte)'\n';
        _payload.Advance(n);

        long sequence = _queue.Append(_payload.WrittenSpan);
        if (sequence < 0)
        {
            WarnDropped();
            return false;
        }

        Interlocked.Exchange(ref _lastAppended, sequence);
        Interlocked.Increment(ref _accepted);
        // Wake the loop when it may be idle (first record) or when a batch is full; otherwise its timer sends.
        long pending = _queue.PendingRecords;
        if (pending <= 1 || pending >= _options.BatchSize) _wake.Set();
        return true;

        static void Append(Span<byte> span, ref int n, ReadOnlySpan<byte> part)
        {
            part.CopyTo(span[n..]);
            n += part.Length;
        }
    }

    private void WarnDropped()
    {
        long now = Stopwatch.GetTimestamp();
        if (_lastDropWarning != 0 && Stopwatch.GetElapsedTime(_lastDropWarning, now) < DropWarningInterval) return;
        _lastDropWarning = now;
        Log(EsLogLevel.Warning, $"the delivery queue is full ({_queue.PendingBytes:N0} bytes pending): documents are being dropped ({_queue.Rejected:N0} so far); is {_connection.Target} reachable?");
    }

    private bool IsFinishedThrough(long target) =>
        _queue.PendingRecords == 0 || (target >= 0 && Interlocked.Read(ref _acknowledgedThrough) >= target);

    private async Task RunAsync()
    {
        var stop = _stop.Token;
        long batchStarted = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                _wake.Reset();
                long pending = _queue.PendingRecords;
                if (pending == 0)
                {
                    batchStarted = 0;
                    PulseProgress();
                    await _wake.WaitAsync(Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
                    continue;
                }

                long now = Stopwatch.GetTimestamp();
                if (batchStarted == 0) batchStarted = now;
                var waited = Stopwatch.GetElapsedTime(batchStarted, now);
                bool due = _consecutiveFailures > 0 || _isolateThrough >= 0 || Volatile.Read(ref _flushRequests) > 0
                    || pending >= _options.BatchSize || _queue.PendingBytes >= _options.BatchBytes || waited >= _options.FlushInterval;
                if (!due)
                {
                    await _wake.WaitAsync(_options.FlushInterval - waited, stop).ConfigureAwait(false);
                    continue;
                }

                // Whatever arrives from now on waits at most one interval.
                batchStarted = now;
                var outcome = await ShipOnceAsync(stop).ConfigureAwait(false);
                PulseProgress();
                if (outcome == Outcome.Faulted)
                {
                    await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
                }
                else if (outcome == Outcome.Retry)
                {
                    _consecutiveFailures++;
                    var delay = Backoff(_consecutiveFailures, _options.BackoffInitial, _options.BackoffMax, Random.Shared.NextDouble());
                    Log(EsLogLevel.Debug, $"next attempt in {delay.TotalSeconds:0.###} s (failure {_consecutiveFailures})");
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                else if (_consecutiveFailures > 0)
                {
                    Log(EsLogLevel.Information, $"delivery to {_connection.Target} resumed after {_consecutiveFailures} failed attempts");
                    _consecutiveFailures = 0;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception e)
        {
            // A bug, not a delivery failure: stop sending, keep the queue, say so.
            _lastError = "the Elasticsearch delivery loop failed: " + e.Message;
            _faulted = true;
            Log(EsLogLevel.Error, _lastError + Environment.NewLine + e);
        }
        finally
        {
            PulseProgress();
        }
    }

    private async Task<Outcome> ShipOnceAsync(CancellationToken stop)
    {
        if (!_connected)
        {
            try
            {
                var info = _connection.ClusterInfo ?? await _connection.GetInfoAsync(stop).ConfigureAwait(false);
                _requireDataStream = info.SupportsRequireDataStream;
                if (_prepare is not null) await _prepare(stop).ConfigureAwait(false);
                _connected = true;
                Log(EsLogLevel.Information, $"shipping to {_connection.Target}: cluster {info.ClusterName}, Elasticsearch {info.Version}{(_requireDataStream ? "" : " (before 8.13: require_data_stream not sent)")}");
            }
            catch (ElasticsearchException e)
            {
                return RequestFailed(e, 0);
            }
        }

        _peeked.Clear();
        _queue.Peek(_options.BatchSize, _peeked);
        _body.ResetWrittenCount();
        _sent.Clear();
        foreach (var record in _peeked)
        {
            if (_finished.Contains(record.Sequence)) continue;
            if (_sent.Count > 0 && (_isolateThrough >= 0 || _body.WrittenCount + record.Payload.Length > _options.BatchBytes)) break;
            _sent.Add(new SentRecord(record.Sequence, _body.WrittenCount, record.Payload.Length));
            _body.Write(record.Payload.Span);
        }

        if (_sent.Count == 0)
        {
            AcknowledgeFinished();
            return Outcome.Done;
        }

        EsResponse response;
        try
        {
            response = await _connection.BulkAsync(_body.WrittenMemory, _requireDataStream, stop).ConfigureAwait(false);
        }
        catch (ElasticsearchException e)
        {
            return RequestFailed(e, _sent.Count);
        }

        if (!response.IsSuccess) return WholeRequestRefused(response);

        _items.Clear();
        if (!BulkResponse.TryParse(response.Body, _items) || _items.Count != _sent.Count)
        {
            return RequestFailed(new ElasticsearchException(EsErrorKind.Rejected, _connection.Target, $"unreadable _bulk answer from {_connection.Target} ({_items.Count} items for {_sent.Count} documents)", response.Status), _sent.Count);
        }

        bool retry = false;
        int deadLetters = 0;
        string? firstRefusal = null;
        for (int i = 0; i < _sent.Count; i++)
        {
            var item = _items[i];
            var sent = _sent[i];
            switch (item.Status)
            {
                case 200 or 201:
                    Interlocked.Increment(ref _delivered);
                    _finished.Add(sent.Sequence);
                    break;
                case 409:
                    Interlocked.Increment(ref _duplicates);
                    _finished.Add(sent.Sequence);
                    break;
                case 429 or 502 or 503 or 504:
                    Interlocked.Increment(ref _retries);
                    retry = true;
                    _lastError = $"{item.Status} {item.ErrorType}: {item.ErrorReason}";
                    break;
                default:
                    DeadLetter(sent, item.Status, item.ErrorType, item.ErrorReason);
                    firstRefusal ??= $"{item.Status} {item.ErrorType}: {item.ErrorReason}";
                    deadLetters++;
                    break;
            }
        }

        if (deadLetters > 0) ReportDeadLetters(deadLetters, firstRefusal!);
        if (_isolateThrough >= 0 && _sent[^1].Sequence >= _isolateThrough) _isolateThrough = -1;
        AcknowledgeFinished();
        Log(EsLogLevel.Debug, $"bulk of {_sent.Count} documents, {_body.WrittenCount:N0} bytes: {(retry ? "some to retry" : "all finished")}");
        if (retry) Log(EsLogLevel.Debug, $"Elasticsearch asked to retry some documents: {_lastError}");
        return retry ? Outcome.Retry : Outcome.Done;
    }

    /// <summary>A non-2xx answer to the whole <c>_bulk</c> request.</summary>
    private Outcome WholeRequestRefused(EsResponse response)
    {
        var failure = _connection.Failure(response, "POST /_bulk");
        if (failure.IsTransient || failure.Kind is EsErrorKind.Unauthorized or EsErrorKind.Forbidden || response.Status is 408 or >= 500)
        {
            return RequestFailed(failure, _sent.Count);
        }

        if (_sent.Count > 1)
        {
            // One bad document can fail a whole request (e.g. an unreadable line): find it by sending one at a time.
            _isolateThrough = _sent[^1].Sequence;
            Log(EsLogLevel.Warning, $"{failure.Message}; sending the {_sent.Count} documents one at a time to find the one at fault");
            return Outcome.Done;
        }

        var (type, reason) = EsErrorBody.Parse(response.Body);
        DeadLetter(_sent[0], response.Status, type, reason ?? failure.Message);
        ReportDeadLetters(1, failure.Message);
        if (_isolateThrough >= 0 && _sent[0].Sequence >= _isolateThrough) _isolateThrough = -1;
        AcknowledgeFinished();
        return Outcome.Done;
    }

    private Outcome RequestFailed(ElasticsearchException e, int documents)
    {
        _lastError = e.Message;
        if (e.Kind == EsErrorKind.UnknownProduct)
        {
            _faulted = true;
            Log(EsLogLevel.Error, e.Message + "; nothing more is sent, the queued documents stay queued");
            return Outcome.Faulted;
        }

        Interlocked.Increment(ref _failedRequests);
        Interlocked.Add(ref _retries, documents);
        // The first failure of a streak is worth a warning; repeating it every few seconds is not.
        int attempt = _consecutiveFailures + 1;
        var level = e.Kind is EsErrorKind.Unauthorized or EsErrorKind.Forbidden or EsErrorKind.Tls ? EsLogLevel.Error : EsLogLevel.Warning;
        Log(attempt == 1 || attempt % 10 == 0 ? level : EsLogLevel.Debug, documents > 0
            ? $"{e.Message}; {documents} documents will be sent again (attempt {attempt.ToString(CultureInfo.InvariantCulture)})"
            : $"{e.Message}; trying again (attempt {attempt.ToString(CultureInfo.InvariantCulture)})");
        return Outcome.Retry;
    }

    private void DeadLetter(SentRecord sent, int status, string? type, string? reason)
    {
        Interlocked.Increment(ref _deadLettered);
        _finished.Add(sent.Sequence);
        Log(EsLogLevel.Debug, $"dead-lettered document (sequence {sent.Sequence}): {status} {type}: {reason}");
        if (_deadLetters is null) return;
        try
        {
            _deadLetters.Write(_body.WrittenSpan.Slice(sent.Offset, sent.Length), status, type, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keeping the document queued would block every later one behind it; it is reported and let go.
            _lastError = $"cannot write the dead-letter file '{_deadLetters.Path}': {e.Message}";
            Log(EsLogLevel.Error, _lastError);
        }
    }

    private void ReportDeadLetters(int count, string firstReason)
    {
        try
        {
            _deadLetters?.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log(EsLogLevel.Error, $"cannot flush the dead-letter file '{_deadLetters!.Path}': {e.Message}");
        }

        _lastError = firstReason;
        string where = _deadLetters is null ? "dropped (no dead-letter file configured)" : $"written to {_deadLetters.Path}";
        Log(EsLogLevel.Warning, $"Elasticsearch refused {count} document(s) for good, {where}; first: {firstReason}");
    }

    /// <summary>Acknowledges the longest finished prefix of the peeked window.</summary>
    private void AcknowledgeFinished()
    {
        long through = -1;
        foreach (var record in _peeked)
        {
            if (!_finished.Remove(record.Sequence)) break;
            through = record.Sequence;
        }

        if (through < 0) return;
        _queue.Acknowledge(through);
        Interlocked.Exchange(ref _acknowledgedThrough, through);
    }

    private void PulseProgress() => Interlocked.Exchange(ref _progress, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Log(EsLogLevel level, string message) => _log?.Invoke(level, message);

    private enum Outcome
    {
        Done,
        Retry,
        Faulted,
    }

    private readonly record struct SentRecord(long Sequence, int Offset, int Length);

    /// <summary>The fixed bytes around each document of one data stream.</summary>
    private sealed class StreamTarget
    {
        public StreamTarget(EsOptions options, string dataset)
        {
            var stream = JsonEncodedText.Encode(options.DataStreamName(dataset));
            ActionPrefix = [.. "{\"create\":{\"_index\":\""u8, .. stream.EncodedUtf8Bytes, .. "\",\"_id\":\""u8];
            var block = new ArrayBufferWriter<byte>(128);
            using (var w = new Utf8JsonWriter(block, EcsJson.WriterOptions))
            {
                w.WriteStartObject();
                w.WriteStartObject("data_stream"u8);
                w.WriteString("type"u8, EsOptions.StreamType);
                w.WriteString("dataset"u8, dataset);
                w.WriteString("namespace"u8, options.Namespace);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            // {"data_stream":{...}} becomes ,"data_stream":{...}} to close the document it is appended to.
            DataStreamBlock = [(byte)',', .. block.WrittenSpan[1..]];
        }

        public static ReadOnlySpan<byte> ActionSuffix => "\"}}\n"u8;

        public byte[] ActionPrefix { get; }

        public byte[] DataStreamBlock { get; }
    }

    /// <summary>An auto-reset signal for one waiter (the loop), set from any thread.</summary>
    private sealed class AsyncSignal
    {
        private volatile TaskCompletionSource _current = NewSignal();

        public void Set() => _current.TrySetResult();

        /// <summary>Called by the waiter before it checks its condition, so a Set after the check is not lost.</summary>
        public void Reset()
        {
            if (_current.Task.IsCompleted) _current = NewSignal();
        }

        public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                await _current.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Time to look again.
            }
        }
    }
}
