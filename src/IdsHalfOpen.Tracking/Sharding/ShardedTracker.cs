using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Tracking.Sharding;

/// <summary>Receives the merged, totally ordered event stream of all shards (on the consumer thread).</summary>
public interface ITrackerEventHandler
{
    void OnEvent(in TrackerEvent e);

    /// <summary>
    /// A hint: <paramref name="upcoming"/> will be delivered <see cref="ShardedTracker.PrefetchDistance"/> events from now
    /// (fewer at the start of a batch), so the handler may start loading the state it will need. Called once for every
    /// event, in delivery order, so a handler that keeps the last few announcements knows which event comes 4 or 2 from
    /// now and can load the next level of a lookup for it (the entry once the index slot has arrived). It must not change
    /// results.
    /// </summary>
    void Prefetch(in TrackerEvent upcoming)
    {
    }

    /// <summary>Every event up to this packet time has been delivered (an epoch boundary).</summary>
    void OnEpochEnd(long clockNs);
}

/// <summary>How the producer behaves when the shards fall behind.</summary>
public enum BackpressureMode
{
    /// <summary>Replay: wait for the shards; never lose a packet.</summary>
    Wait,
    /// <summary>Live capture: never block the capture thread; drop and count what does not fit.</summary>
    Drop,
}

public sealed record ShardingOptions
{
    /// <summary>Tracker shards (threads). Default: one per core.</summary>
    public int Shards { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Packets per epoch. Epochs are cut by packet count (never by shard count or wall time in replay), and the consumer
    /// merges each epoch's events by (time, phase, packet order): that is why any shard count gives the same output.
    /// </summary>
    public int EpochPackets { get; init; } = 4096;

    /// <summary>Epoch batches that may wait in each shard's channel.</summary>
    public int QueueDepth { get; init; } = 16;

    public BackpressureMode Backpressure { get; init; } = BackpressureMode.Wait;

    /// <summary>Drop mode: most packets allowed in flight (posted, not yet tracked) before new ones are dropped.</summary>
    public int MaxPacketsInFlight { get; init; } = 1 << 20;

    /// <summary>
    /// Track each epoch on the producer's thread when it is cut, instead of on shard threads. For replay on a machine with
    /// few cores, where a reader, shard threads and the consumer otherwise compete for them; the output is the same. Not
    /// for live capture: the producer then waits whenever the consumer falls behind.
    /// </summary>
    public bool TrackOnProducer { get; init; }

    /// <summary>Seed of the flow hash that picks a flow's shard.</summary>
    public ulong HashSeed { get; init; } = 0x1D5_4A1F_0BE7UL;
}

/// <summary>
/// Source → N tracker shards → one ordered event stream. The producer (one thread: the reader/decoder) posts packets;
/// each shard thread owns a <see cref="HandshakeTracker"/> and is fed by a bounded single-reader channel; the consumer
/// thread (detection) receives the shards' events merged in a total order that does not depend on the shard count.
/// </summary>
public sealed class ShardedTracker : IDisposable
{
    private readonly ShardingOptions _options;
    private readonly Shard[] _shards;
    private readonly int _shardCount;
    private long _order;
    private long _clock = long.MinValue;
    private long _epoch;
    private int _inEpoch;
    private long _inFlight;
    private long _droppedPackets;
    private bool _completed;

    public ShardedTracker(TrackerOptions trackerOptions, ShardingOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.EpochPackets, 1);
        _options = options;
        _shardCount = options.Shards;
        int perShard = (int)Math.Max(1, ((long)trackerOptions.MaxEntries + _shardCount - 1) / _shardCount);
        _shards = new Shard[_shardCount];
        for (int i = 0; i < _shardCount; i++) _shards[i] = new Shard(this, new HandshakeTracker(trackerOptions, perShard), options, options.TrackOnProducer);
        foreach (var s in _shards) s.Start();
    }

    public int ShardCount => _shardCount;

    /// <summary>Packets dropped because the shards fell behind (drop mode only).</summary>
    public long DroppedPackets => Interlocked.Read(ref _droppedPackets);

    /// <summary>Packets accepted so far.</summary>
    public long Posted => _order;

    /// <summary>The pipeline's packet clock: the latest packet time seen (never goes back).</summary>
    public long ClockNs => _clock;

    /// <summary>Tracker counters summed over shards. Read after <see cref="Complete"/> and the consumer finished.</summary>
    public TrackerStatistics Statistics
    {
        get
        {
            var total = new TrackerStatistics();
            foreach (var s in _shards) total.Add(s.Tracker.Statistics);
            return total;
        }
    }

    /// <summary>Entries tracked now, summed over shards (approximate while running).</summary>
    public long Tracked
    {
        get
        {
            long n = 0;
            foreach (var s in _shards) n += s.Tracker.Count;
            return n;
        }
    }

    /// <summary>Producer: routes one packet to its shard. Returns false when it was dropped (drop mode).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Post(in TcpPacket packet)
    {
        if (_options.Backpressure == BackpressureMode.Drop && Interlocked.Read(ref _inFlight) >= _options.MaxPacketsInFlight)
        {
            Interlocked.Increment(ref _droppedPackets);
            return false;
        }

        // Out-of-order timestamps in a capture must not move time backwards for aging and windows.
        if (packet.TimestampNs > _clock) _clock = packet.TimestampNs;
        int shard = _shardCount == 1 ? 0 : FlowKey.Create(in packet, out _).Shard(_options.HashSeed, _shardCount);
        _shards[shard].Pending.Add(in packet, _clock, _order++);
        if (_options.Backpressure == BackpressureMode.Drop) Interlocked.Increment(ref _inFlight);
        if (++_inEpoch >= _options.EpochPackets) CloseEpoch(_clock);
        return true;
    }

    /// <summary>
    /// Producer: ends the current epoch at <paramref name="clockNs"/> (live capture calls this on a timer so timeouts fire
    /// and events flow when traffic is sparse). A clock earlier than the current one is ignored.
    /// </summary>
    public void CloseEpoch(long clockNs)
    {
        if (clockNs > _clock) _clock = clockNs;
        if (_clock == long.MinValue) return;
        long epoch = _epoch++;
        foreach (var s in _shards) s.Dispatch(epoch, _clock, final: false);
        _inEpoch = 0;
    }

    /// <summary>Producer: no more packets; shards report every open attempt (end of capture) and stop.</summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        long epoch = _epoch++;
        long clock = _clock == long.MinValue ? 0 : _clock;
        foreach (var s in _shards) s.Dispatch(epoch, clock, final: true);
    }

    /// <summary>
    /// Consumer: delivers every event, epoch by epoch, in (time, phase, order) order, until the producer completed.
    /// Run it on its own thread. Shard failures surface here.
    /// </summary>
    public void Consume(ITrackerEventHandler handler, CancellationToken cancellationToken = default)
    {
        var merge = new MergeState(_shardCount);
        while (true)
        {
            merge.Final = false;
            long clock = 0;
            for (int i = 0; i < _shardCount; i++) clock = merge.Take(i, Read(i, cancellationToken));
            Merge(merge, handler, cancellationToken);
            for (int i = 0; i < _shardCount; i++) _shards[i].Recycle(merge.Heads[i]);
            handler.OnEpochEnd(clock);
            if (merge.Final) break;
        }

        foreach (var s in _shards) s.Join();
    }

    private EpochResult Read(int shard, CancellationToken cancellationToken) =>
        _shards[shard].Output.Reader.ReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// How many events ahead of delivery the handler hears of each (single shard only: see Merge): a cache miss (about
    /// 100 ns) completes within two events at the engine's pace, so 8 leaves room for three dependent levels.
    /// </summary>
    public const int PrefetchDistance = 8;

    /// <summary>
    /// Merges one epoch. A shard may deliver an epoch in several parts (<see cref="EpochResult.More"/>: the end-of-capture
    /// flush); each part is sorted and continues the previous one, so the next part is read when one runs out.
    /// </summary>
    private void Merge(MergeState m, ITrackerEventHandler handler, CancellationToken cancellationToken)
    {
        var heads = m.Heads;
        var pos = m.Pos;
        if (heads.Length == 1)
        {
            while (true)
            {
                var events = heads[0].Events;
                for (int i = 0; i < Math.Min(PrefetchDistance, events.Length); i++) handler.Prefetch(in events[i]);
                for (int i = 0; i < events.Length; i++)
                {
                    if (i + PrefetchDistance < events.Length) handler.Prefetch(in events[i + PrefetchDistance]);
                    handler.OnEvent(in events[i]);
                }

                if (!m.More[0]) return;
                _shards[0].Recycle(heads[0]);
                m.Take(0, Read(0, cancellationToken));
            }
        }

        while (true)
        {
            int best = -1;
            for (int i = 0; i < heads.Length; i++)
            {
                while (pos[i] >= heads[i].Count && m.More[i])
                {
                    _shards[i].Recycle(heads[i]);
                    m.Take(i, Read(i, cancellationToken));
                }

                if (pos[i] >= heads[i].Count) continue;
                if (best < 0 || Precedes(in heads[i].Events[pos[i]], in heads[best].Events[pos[best]])) best = i;
            }

            if (best < 0) return;
            handler.OnEvent(in heads[best].Events[pos[best]++]);
        }
    }

    /// <summary>The consumer's view of each shard's current part of the epoch being merged.</summary>
    private sealed class MergeState(int shards)
    {
        public readonly EventBuffer[] Heads = new EventBuffer[shards];
        public readonly int[] Pos = new int[shards];
        public readonly bool[] More = new bool[shards];
        public bool Final;

        public long Take(int shard, EpochResult result)
        {
            Heads[shard] = result.Events;
            Pos[shard] = 0;
            More[shard] = result.More;
            Final |= result.Final;
            return result.ClockNs;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Precedes(in TrackerEvent a, in TrackerEvent b)
    {
        if (a.TimestampNs != b.TimestampNs) return a.TimestampNs < b.TimestampNs;
        if (a.Phase != b.Phase) return a.Phase < b.Phase;
        return a.Order < b.Order;
    }

    public void Dispose()
    {
        foreach (var s in _shards) s.Input.Writer.TryComplete();
    }

    /// <summary>Packets of one shard for one epoch, with their clock and global order.</summary>
    private sealed class Batch
    {
        public TcpPacket[] Packets = new TcpPacket[256];
        public long[] Clocks = new long[256];
        public long[] Orders = new long[256];
        public int Count;
        public long Epoch;
        public long ClockEnd;
        public bool Final;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(in TcpPacket p, long clock, long order)
        {
            if (Count == Packets.Length)
            {
                Array.Resize(ref Packets, Count * 2);
                Array.Resize(ref Clocks, Count * 2);
                Array.Resize(ref Orders, Count * 2);
            }

            Packets[Count] = p;
            Clocks[Count] = clock;
            Orders[Count] = order;
            Count++;
        }
    }

    /// <summary>One shard's events of one epoch, or a part of them when <see cref="More"/> is set (more parts follow).</summary>
    private readonly record struct EpochResult(EventBuffer Events, long ClockNs, bool Final, bool More = false);

    /// <summary>Events per part of the end-of-capture flush (a few MB per buffer rather than one buffer for the whole table).</summary>
    private const int FlushPartEvents = 16384;

    private sealed class Shard
    {
        private readonly ShardedTracker _owner;
        private readonly bool _inline;
        private readonly ConcurrentQueue<Batch> _freeBatches = new();
        private readonly ConcurrentQueue<EventBuffer> _freeBuffers = new();
        private Thread? _thread;
        private Exception? _failure;
        private bool _stopped;

        public Shard(ShardedTracker owner, HandshakeTracker tracker, ShardingOptions options, bool inline)
        {
            _owner = owner;
            _inline = inline;
            Tracker = tracker;

            // Synchronous continuations: the thread that frees a slot or adds an item wakes the waiting thread itself,
            // rather than queueing that to the thread pool, which on two cores cost a third thread's wake-up per epoch.
            var bounded = new BoundedChannelOptions(options.QueueDepth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait, AllowSynchronousContinuations = true };
            Input = options.Backpressure == BackpressureMode.Wait
                ? Channel.CreateBounded<Batch>(bounded)
                : Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });

            // The consumer reads one result per shard per epoch; a small bound keeps a slow consumer from piling up work.
            Output = Channel.CreateBounded<EpochResult>(bounded);
            Pending = new Batch();
        }

        public HandshakeTracker Tracker { get; }

        public Channel<Batch> Input { get; }

        public Channel<EpochResult> Output { get; }

        public Batch Pending { get; private set; }

        public void Start()
        {
            if (_inline) return;
            _thread = new Thread(Run) { IsBackground = true, Name = "idshalfopen-shard" };
            _thread.Start();
        }

        public void Join()
        {
            _thread?.Join();
            if (_failure is not null) throw new InvalidOperationException("a tracker shard failed", _failure);
        }

        public void Dispatch(long epoch, long clockEnd, bool final)
        {
            var batch = Pending;
            batch.Epoch = epoch;
            batch.ClockEnd = clockEnd;
            batch.Final = final;
            Pending = _freeBatches.TryDequeue(out var b) ? b : new Batch();
            if (_inline)
            {
                if (_stopped) return;
                if (final && _owner._shardCount > 1)
                {
                    // The end-of-capture flush comes in parts through a bounded queue, and the consumer merges all shards'
                    // parts at once: flushed one shard after another on this thread, the first shard would wait on a full
                    // queue while the consumer waits for the second. Each shard flushes on its own thread instead.
                    _thread = new Thread(() => Guarded(batch)) { IsBackground = true, Name = "idshalfopen-shard-flush" };
                    _thread.Start();
                    return;
                }

                // Tracked on the producer's thread: no hand-off, one thread fewer competing for the cores.
                Guarded(batch);
                return;
            }

            var writer = Input.Writer;
            while (!writer.TryWrite(batch))
            {
                // Only in wait mode (replay) can the bounded channel be full: block the reader, lose nothing.
                if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult()) return;
            }
        }

        public void Recycle(EventBuffer buffer)
        {
            buffer.Clear();
            _freeBuffers.Enqueue(buffer);
        }

        /// <summary>Hands a result to the consumer, waiting while its queue is full; false once the channel was closed.</summary>
        private bool Deliver(EpochResult result)
        {
            var writer = Output.Writer;
            while (!writer.TryWrite(result))
            {
                if (!writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult()) return false;
            }

            return true;
        }

        private void Run()
        {
            var reader = Input.Reader;
            while (!_stopped && reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (!_stopped && reader.TryRead(out var batch)) Guarded(batch);
            }
        }

        /// <summary>Runs one batch; a failure is kept for <see cref="Join"/> and ends the shard's output with it.</summary>
        private void Guarded(Batch batch)
        {
            try
            {
                _stopped = !Work(batch);
            }
            catch (Exception e)
            {
                _failure = e;
                _stopped = true;
                Output.Writer.TryComplete(e);
            }
        }

        /// <summary>Tracks one epoch's batch and delivers its events; false when the shard is done (final, or closed).</summary>
        private bool Work(Batch batch)
        {
            var output = _freeBuffers.TryDequeue(out var buf) ? buf : new EventBuffer(batch.Count * 2 + 16);
            var tracker = Tracker;
            int count = batch.Count;
            tracker.ProcessBatch(batch.Packets.AsSpan(0, count), batch.Clocks.AsSpan(0, count), batch.Orders.AsSpan(0, count), output);
            if (batch.Final)
            {
                while (!tracker.FlushPart(batch.ClockEnd, output, FlushPartEvents))
                {
                    if (!Deliver(new EpochResult(output, batch.ClockEnd, Final: false, More: true))) return false;
                    output = _freeBuffers.TryDequeue(out var part) ? part : new EventBuffer(FlushPartEvents);
                }
            }
            else
            {
                tracker.AdvanceTo(batch.ClockEnd, output);
            }

            if (_owner._options.Backpressure == BackpressureMode.Drop) Interlocked.Add(ref _owner._inFlight, -batch.Count);
            bool final = batch.Final;
            var result = new EpochResult(output, batch.ClockEnd, final);
            batch.Count = 0;
            _freeBatches.Enqueue(batch);
            if (!Deliver(result)) return false;
            if (!final) return true;
            Output.Writer.TryComplete();
            return false;
        }
    }
}
