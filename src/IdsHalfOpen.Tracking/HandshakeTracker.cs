using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// One shard's handshake tracker: a bounded table of connection attempts keyed by canonical 4-tuple, a timer wheel in
/// packet time, and the state machine that tells unanswered, embryonic, completed, rejected, aborted, reset, backscatter
/// and invalid attempts apart. Single-threaded: the shard's reader owns it.
/// </summary>
/// <remarks>
/// Entries live in a slab (struct array) indexed by a dictionary; the timer wheel is an intrusive doubly-linked list per
/// slot threaded through the slab, so scheduling and cancelling are O(1) and nothing is allocated per packet once the
/// slab and index have grown. Deadlines that move later (retransmissions, traffic on established connections) are not
/// re-filed at once: the slot re-checks the real deadline when it fires and files the entry again ("lazy" rescheduling).
/// </remarks>
public sealed partial class HandshakeTracker
{
    private const int NoEntry = -1;
    private const int WheelSlots = 4096; // × 100 ms = 409.6 s horizon: covers every default timeout without re-filing

    private readonly TrackerOptions _options;
    private readonly int _capacity;
    private readonly long _slotNs;
    private readonly long _unansweredNs;
    private readonly long _embryonicNs;
    private readonly long _orphanNs;
    private readonly long _idleNs;
    private readonly int[] _slotHead = new int[WheelSlots];
    private readonly int[] _slotTail = new int[WheelSlots];
    private readonly List<int> _fired = [];
    private Entry[] _entries;
    private int _used;
    private int _freeHead = NoEntry;
    private long _currentTick = long.MinValue;
    private long _saturatedUntilNs = long.MinValue;
    private long _evictFrom = long.MinValue; // no entry is filed in a wheel slot before this tick
    private long[] _sortKeys = new long[256];
    private bool _flushing;
    private int _flushNext;

    public HandshakeTracker(TrackerOptions options, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _options = options;
        _capacity = capacity;
        _slotNs = Math.Max(1, options.TimerResolution.Ticks * 100);
        _unansweredNs = options.UnansweredTimeout.Ticks * 100;
        _embryonicNs = options.EmbryonicTimeout.Ticks * 100;
        _orphanNs = options.OrphanTimeout.Ticks * 100;
        _idleNs = options.IdleTimeout.Ticks * 100;
        int initial = Math.Min(capacity, 4096);
        _entries = new Entry[initial];
        _maxIndexSlots = IndexSlotsFor(capacity);
        _slots = new ulong[Math.Min(MinIndexSlots, _maxIndexSlots)];
        _slotMask = _slots.Length - 1;
        _slotHead.AsSpan().Fill(NoEntry);
        _slotTail.AsSpan().Fill(NoEntry);
    }

    public TrackerStatistics Statistics { get; } = new();

    /// <summary>Entries currently tracked.</summary>
    public int Count => _count;

    public TrackerOptions Options => _options;

    /// <summary>
    /// Handles one decoded packet. <paramref name="clockNs"/> is the pipeline's monotonic packet clock (never earlier than
    /// any previous call), <paramref name="order"/> the packet's global sequence number. Timers due by then fire first.
    /// </summary>
    public void Process(in TcpPacket p, long clockNs, long order, EventBuffer output)
    {
        var key = FlowKey.Create(in p, out bool sourceIsLow);
        Process(in p, in key, sourceIsLow, IndexHash(in key), clockNs, order, output);
    }

    private void Process(in TcpPacket p, in FlowKey key, bool sourceIsLow, uint hash, long clockNs, long order, EventBuffer output)
    {
        AdvanceTo(clockNs, output);
        if (p.Kind == TcpPacketKind.IcmpErrorQuote)
        {
            ProcessIcmpQuote(in p, in key, sourceIsLow, hash, clockNs, order, output);
            return;
        }

        int idx = Find(in key, hash);
        if (idx == NoEntry)
        {
            ProcessNew(in p, in key, hash, sourceIsLow, clockNs, order, output);
            return;
        }

        ref Entry e = ref _entries[idx];
        bool fromClient = sourceIsLow == e.ClientIsLow;
        e.LastNs = p.TimestampNs;
        switch (e.State)
        {
            case AttemptState.SynSent:
                OnSynSent(ref e, idx, in p, fromClient, clockNs, order, output);
                break;
            case AttemptState.SynReceived:
                OnSynReceived(ref e, idx, in p, fromClient, clockNs, order, output);
                break;
            case AttemptState.OrphanSynAck:
                OnOrphan(ref e, idx, in p, fromClient, clockNs, order, output);
                break;
            default:
                OnOpen(ref e, idx, in p, fromClient, clockNs, order, output);
                break;
        }
    }

    /// <summary>Fires every timer due at or before <paramref name="clockNs"/>.</summary>
    public void AdvanceTo(long clockNs, EventBuffer output)
    {
        long target = clockNs / _slotNs;
        if (_currentTick == long.MinValue)
        {
            _currentTick = target;
            return;
        }

        if (target <= _currentTick) return;
        if (target - _currentTick > WheelSlots)
        {
            Jump(target, output);
            return;
        }

        while (_currentTick < target) FireSlot(++_currentTick, output);
    }

    /// <summary>End of input: reports every attempt still open (never dropped silently) and empties the table.</summary>
    public void Flush(long clockNs, EventBuffer output)
    {
        while (!FlushPart(clockNs, output, int.MaxValue))
        {
        }
    }

    /// <summary>
    /// <see cref="Flush"/> in parts: reports at most <paramref name="maxEvents"/> open attempts per call (plus whatever
    /// timers fire first) and returns true once every one was reported and the table is empty. Call it again with the same
    /// clock until it does. A full table at the end of a flood holds a million attempts: reported at once, their events
    /// needed a buffer of over 100 MB, the largest piece of a replay's peak memory.
    /// </summary>
    public bool FlushPart(long clockNs, EventBuffer output, int maxEvents)
    {
        if (!_flushing)
        {
            AdvanceTo(clockNs, output);
            _fired.Clear();
            CollectTracked(_fired);
            SortFiredByOrder();
            _flushNext = 0;
            _flushing = true;
        }

        int emitted = 0;
        var fired = CollectionsMarshal.AsSpan(_fired);
        while (_flushNext < fired.Length && emitted < maxEvents)
        {
            // In order of first packet the entries lie all over the slab: load a few ahead.
            if (_flushNext + 8 < fired.Length) Prefetch(ref _entries[fired[_flushNext + 8]]);
            ref Entry e = ref _entries[fired[_flushNext++]];
            if (IsAttempt(e.State))
            {
                Close(ref e, OutcomeOnExpiry(e.State), EndReason.EndOfCapture, clockNs, e.Order, 2, output);
                emitted++;
            }
        }

        if (_flushNext < fired.Length) return false;
        Clear();
        _fired.Clear();
        _flushing = false;
        return true;
    }

    /// <summary>
    /// Forgets every entry at once: the index, the wheel and the slab's free list start over. Releasing a million entries
    /// one by one (unlinking each from its wheel slot, closing each gap in the index) cost more than reporting them.
    /// Slab positions never show in the output, so reusing them from the start changes nothing.
    /// </summary>
    private void Clear()
    {
        Array.Clear(_slots);
        _count = 0;
        _slotHead.AsSpan().Fill(NoEntry);
        _slotTail.AsSpan().Fill(NoEntry);
        _used = 0;
        _freeHead = NoEntry;
    }

    private void ProcessNew(in TcpPacket p, in FlowKey key, uint hash, bool sourceIsLow, long clockNs, long order, EventBuffer output)
    {
        if (p.IsSyn)
        {
            int idx = Allocate(in key, hash, clockNs, order, output);
            ref Entry e = ref _entries[idx];
            StartAttempt(ref e, in p, sourceIsLow, clockNs, order, output);
            Schedule(idx);
            return;
        }

        if (p.IsSynAck)
        {
            // Backscatter candidate. The client is the receiver: the host that supposedly sent the SYN.
            int idx = Allocate(in key, hash, clockNs, order, output);
            ref Entry e = ref _entries[idx];
            InitEntry(ref e, in p, clientIsLow: !sourceIsLow, order);
            e.State = AttemptState.OrphanSynAck;
            e.ClientIsn = p.Acknowledgment - 1;
            e.ServerIsn = p.Sequence;
            e.HasServerIsn = true;
            e.ClientTtl = 0;
            HistoryLetters.Add(ref e.History, 'h');
            e.DeadlineNs = clockNs + _orphanNs;
            Schedule(idx);
            Statistics.BackscatterPackets++;
            Emit(ref e, TrackerEventKind.Backscatter, clockNs, order, output);
            return;
        }

        if (p.IsRst)
        {
            // A lone RST toward a host we saw nothing from: backscatter, reported at once and not tracked.
            Statistics.BackscatterPackets++;
            ref var ev = ref output.Add();
            FillFromPacket(ref ev, in p, clientIsSource: false);
            ev.Kind = TrackerEventKind.Backscatter;
            ev.TimestampNs = clockNs;
            ev.Order = order;
            ev.Phase = 1;
            ev.TableSaturated = clockNs < _saturatedUntilNs;
            ref var closed = ref output.Add();
            closed = ev;
            closed.Kind = TrackerEventKind.Closed;
            closed.Outcome = AttemptOutcome.Backscatter;
            closed.EndReason = EndReason.Closed;
            HistoryLetters.Add(ref closed.History, 'r');
            Statistics.Record(AttemptOutcome.Backscatter);
            return;
        }

        // Mid-stream pickup: remember the flow so its later RST/FIN is not taken for backscatter. Guess the client as
        // the side with the higher port, as Zeek does when it missed the start.
        int n = Allocate(in key, hash, clockNs, order, output);
        ref Entry m = ref _entries[n];
        bool sourceIsClient = p.SourcePort >= p.DestinationPort;
        InitEntry(ref m, in p, clientIsLow: sourceIsClient ? sourceIsLow : !sourceIsLow, order);
        m.State = AttemptState.MidStream;
        if (p.IsFin)
        {
            // The first packet's FIN counts like any later one (OnOpen), so the flow is forgotten soon after both FINs.
            if (sourceIsClient) m.ClientFin = true; else m.ServerFin = true;
        }

        m.DeadlineNs = clockNs + _idleNs;
        Statistics.MidStreamPickups++;
        Schedule(n);
    }

    private void OnSynSent(ref Entry e, int idx, in TcpPacket p, bool fromClient, long clockNs, long order, EventBuffer output)
    {
        if (p.IsSyn)
        {
            if (fromClient)
            {
                if (p.Sequence == e.ClientIsn)
                {
                    e.SynCount++;
                    e.DeadlineNs = clockNs + _unansweredNs;
                    Emit(ref e, TrackerEventKind.SynRetransmit, clockNs, order, output);
                }
                else
                {
                    Restart(ref e, idx, in p, fromClient, clockNs, order, output);
                }
            }
            else if (!e.SimultaneousOpen)
            {
                // Both ends sent a SYN: simultaneous open or a split handshake. Remember the other ISN; either side's
                // SYN-ACK that acknowledges the other's SYN then answers the attempt.
                e.SimultaneousOpen = true;
                e.ServerIsn = p.Sequence;
                e.HasServerIsn = true;
                HistoryLetters.Add(ref e.History, 's');
                EmitAnomaly(ref e, HandshakeAnomaly.SimultaneousOpen, clockNs, order, output);
            }

            return;
        }

        if (p.IsSynAck)
        {
            if (!fromClient && p.Acknowledgment == e.ClientIsn + 1)
            {
                Answer(ref e, in p, clockNs, order, output);
            }
            else if (fromClient && e.SimultaneousOpen && p.Acknowledgment == e.ServerIsn + 1)
            {
                Answer(ref e, in p, clockNs, order, output);
            }
            else
            {
                e.SawInvalid = true;
                EmitAnomaly(ref e, fromClient ? HandshakeAnomaly.SynAckWrongDirection : HandshakeAnomaly.SynAckBadAck, clockNs, order, output);
            }

            return;
        }

        if (p.IsRst)
        {
            HistoryLetters.Add(ref e.History, HistoryLetters.Of('R', fromClient));
            if (fromClient)
            {
                CloseAndRelease(idx, AttemptOutcome.ResetBeforeReply, clockNs, order, output);
            }
            else if ((p.Flags & TcpFlags.Ack) == 0 || p.Acknowledgment == e.ClientIsn + 1)
            {
                // RFC 5961 asks for ack = ISN+1 when the RST carries an ACK; one without ACK is how some stacks refuse.
                CloseAndRelease(idx, AttemptOutcome.Rejected, clockNs, order, output);
            }
            else
            {
                e.SawInvalid = true;
                EmitAnomaly(ref e, HandshakeAnomaly.RstBadAck, clockNs, order, output);
            }

            return;
        }

        if (fromClient && (p.Flags & TcpFlags.Ack) == 0)
        {
            // A FIN, data or a bare segment without ACK acknowledges nothing: no sign that any SYN-ACK reached the client
            // (Zeek's syn-then-stuff-then-rst trace: SYN, FIN, RST). Noted in the history; the attempt stays unanswered.
            if (p.IsFin) HistoryLetters.Add(ref e.History, 'F');
            if (p.PayloadLength > 0) HistoryLetters.Add(ref e.History, 'D');
            return;
        }

        if (fromClient)
        {
            // The client acknowledges or sends data after its SYN although no SYN-ACK was seen: the answer went by on a
            // path this sensor does not see (one-directional mirror). The handshake did complete.
            HistoryLetters.Add(ref e.History, p.PayloadLength > 0 ? 'D' : 'A');
            EmitAnomaly(ref e, HandshakeAnomaly.SynAckUnseen, clockNs, order, output);
            Complete(ref e, clockNs, order, output);
        }
        else
        {
            // A bare ACK from the server in answer to a SYN: RFC 5961's challenge ACK; the server still holds an older
            // connection on this tuple (RFC 793 half-open).
            HistoryLetters.Add(ref e.History, p.PayloadLength > 0 ? 'd' : 'a');
            EmitAnomaly(ref e, HandshakeAnomaly.ChallengeAck, clockNs, order, output);
        }
    }

    private void OnSynReceived(ref Entry e, int idx, in TcpPacket p, bool fromClient, long clockNs, long order, EventBuffer output)
    {
        if (p.IsSyn)
        {
            if (fromClient && p.Sequence != e.ClientIsn)
            {
                Restart(ref e, idx, in p, fromClient, clockNs, order, output);
            }
            else if (fromClient)
            {
                e.SynCount++;
                Emit(ref e, TrackerEventKind.SynRetransmit, clockNs, order, output);
            }

            return;
        }

        if (p.IsSynAck)
        {
            bool answersClient = !fromClient && p.Acknowledgment == e.ClientIsn + 1;
            if (answersClient || (fromClient && e.SimultaneousOpen))
            {
                if (!fromClient && p.Sequence != e.ServerIsn)
                {
                    e.ServerIsn = p.Sequence;
                    e.ServerSent = 0;
                    EmitAnomaly(ref e, HandshakeAnomaly.SynAckIsnChanged, clockNs, order, output);
                }

                e.SynAckCount++;
                e.DeadlineNs = clockNs + _embryonicNs;
                Emit(ref e, TrackerEventKind.SynAckRetransmit, clockNs, order, output);
            }
            else
            {
                e.SawInvalid = true;
                EmitAnomaly(ref e, fromClient ? HandshakeAnomaly.SynAckWrongDirection : HandshakeAnomaly.SynAckBadAck, clockNs, order, output);
            }

            return;
        }

        if (p.IsRst)
        {
            HistoryLetters.Add(ref e.History, HistoryLetters.Of('R', fromClient));
            CloseAndRelease(idx, fromClient ? AttemptOutcome.AbortedByClient : AttemptOutcome.Rejected, clockNs, order, output);
            return;
        }

        if ((p.Flags & TcpFlags.Ack) == 0)
        {
            return;
        }

        if (fromClient)
        {
            // ack = server ISN+1, or further but no further than the server data seen since its SYN-ACK: the client had
            // the SYN-ACK, and the pure ACK that completed the handshake was not captured (Arkime's synthetic 40008).
            if (p.Acknowledgment - (e.ServerIsn + 1) <= e.ServerSent)
            {
                HistoryLetters.Add(ref e.History, 'A');
                if (p.PayloadLength > 0) HistoryLetters.Add(ref e.History, 'D');
                Complete(ref e, clockNs, order, output);
            }
            else
            {
                e.SawInvalid = true;
                EmitAnomaly(ref e, HandshakeAnomaly.FinalAckBadAck, clockNs, order, output);
            }
        }
        else if (e.SimultaneousOpen && p.Acknowledgment == e.ClientIsn + 1)
        {
            HistoryLetters.Add(ref e.History, 'a');
            Complete(ref e, clockNs, order, output);
        }
        else if (p.PayloadLength > 0 || p.IsFin)
        {
            // Server data before the final ACK was seen (a server-speaks-first protocol whose final ACK the capture
            // lost, or TCP Fast Open). Remember how far it reaches past the SYN-ACK so a client ACK for it completes.
            uint start = p.Sequence - (e.ServerIsn + 1);
            if (start < int.MaxValue)
            {
                uint end = start + (uint)p.PayloadLength + (p.IsFin ? 1u : 0u);
                if (end > e.ServerSent) e.ServerSent = end;
            }

            HistoryLetters.Add(ref e.History, p.PayloadLength > 0 ? 'd' : 'f');
        }
    }

    private void OnOrphan(ref Entry e, int idx, in TcpPacket p, bool fromClient, long clockNs, long order, EventBuffer output)
    {
        if (fromClient && p.IsSyn && p.Sequence == e.ClientIsn)
        {
            // The SYN arrived after its SYN-ACK (reordering): a real attempt after all, and already answered.
            e.State = AttemptState.SynReceived;
            e.ClientTtl = p.Ttl;
            HistoryLetters.Add(ref e.History, '^');
            HistoryLetters.Add(ref e.History, 'S');
            e.DeadlineNs = clockNs + _embryonicNs;
            Emit(ref e, TrackerEventKind.AttemptStarted, clockNs, order, output);
            Emit(ref e, TrackerEventKind.Answered, clockNs, order, output);
            Statistics.Attempts++;
            return;
        }

        if (!fromClient && p.IsSynAck)
        {
            e.SynAckCount++;
            Statistics.BackscatterPackets++;
            Emit(ref e, TrackerEventKind.Backscatter, clockNs, order, output);
            return;
        }

        if (fromClient && p.IsRst)
        {
            // The receiver refuses a SYN-ACK it never asked for: textbook backscatter.
            HistoryLetters.Add(ref e.History, 'R');
            CloseAndRelease(idx, AttemptOutcome.Backscatter, clockNs, order, output);
            return;
        }

        if (fromClient && (p.Flags & TcpFlags.Ack) != 0 && !p.IsRst && p.Acknowledgment == e.ServerIsn + 1)
        {
            // The client completes a handshake whose SYN the capture missed.
            HistoryLetters.Add(ref e.History, 'A');
            e.State = AttemptState.Established;
            e.DeadlineNs = clockNs + _idleNs;
            Statistics.MidStreamPickups++;
            return;
        }

        if (!fromClient && p.IsRst)
        {
            HistoryLetters.Add(ref e.History, 'r');
            Statistics.BackscatterPackets++;
            Emit(ref e, TrackerEventKind.Backscatter, clockNs, order, output);
        }
    }

    private void OnOpen(ref Entry e, int idx, in TcpPacket p, bool fromClient, long clockNs, long order, EventBuffer output)
    {
        if (p.IsSyn)
        {
            // A SYN with a new ISN on a tuple whose last connection we still remember: port reuse, a new attempt.
            if (!fromClient || p.Sequence != e.ClientIsn) Restart(ref e, idx, in p, fromClient, clockNs, order, output);
            return;
        }

        if (p.IsRst)
        {
            if (e.State == AttemptState.Established) EmitAnomaly(ref e, HandshakeAnomaly.EstablishedReset, clockNs, order, output);
            Release(idx);
            return;
        }

        if (p.IsFin)
        {
            if (fromClient) e.ClientFin = true; else e.ServerFin = true;
        }

        // Both FINs: keep the entry briefly for the last ACK and stray retransmissions, then forget it.
        e.DeadlineNs = clockNs + (e.ClientFin && e.ServerFin ? Math.Min(_idleNs, 2_000_000_000L) : _idleNs);
        RescheduleIfEarlier(idx);
    }

    private void ProcessIcmpQuote(in TcpPacket p, in FlowKey key, bool sourceIsLow, uint hash, long clockNs, long order, EventBuffer output)
    {
        // The quoted header is the packet the ICMP error answers, as its sender sent it: source = that sender.
        int idx = Find(in key, hash);
        if (idx == NoEntry) return;
        ref Entry e = ref _entries[idx];
        if (e.State == AttemptState.SynSent && sourceIsLow == e.ClientIsLow && p.Sequence == e.ClientIsn)
        {
            // An ICMP unreachable answering the SYN is one more way an attempt gets refused.
            e.LastNs = p.TimestampNs;
            HistoryLetters.Add(ref e.History, 'I');
            CloseAndRelease(idx, AttemptOutcome.Rejected, clockNs, order, output);
        }
    }

    private void StartAttempt(ref Entry e, in TcpPacket p, bool sourceIsLow, long clockNs, long order, EventBuffer output)
    {
        InitEntry(ref e, in p, clientIsLow: sourceIsLow, order);
        e.State = AttemptState.SynSent;
        e.ClientIsn = p.Sequence;
        e.ClientTtl = p.Ttl;
        e.DeadlineNs = clockNs + _unansweredNs;
        HistoryLetters.Add(ref e.History, 'S');
        Statistics.Attempts++;
        Emit(ref e, TrackerEventKind.AttemptStarted, clockNs, order, output);
    }

    private void Restart(ref Entry e, int idx, in TcpPacket p, bool fromClient, long clockNs, long order, EventBuffer output)
    {
        if (IsAttempt(e.State))
        {
            Close(ref e, OutcomeOnExpiry(e.State), EndReason.Superseded, clockNs, order, 1, output);
        }

        // Reuse the slot: the key is the same; the wheel entry stays filed and re-checks the new deadline lazily.
        bool clientIsLow = fromClient ? e.ClientIsLow : !e.ClientIsLow;
        StartAttempt(ref e, in p, clientIsLow, clockNs, order, output);
        RescheduleIfEarlier(idx);
    }

    /// <summary>Lazy rescheduling only works for deadlines that move later; an earlier one is filed again now.</summary>
    private void RescheduleIfEarlier(int idx)
    {
        ref Entry e = ref _entries[idx];
        if (e.Tick != long.MinValue && DueTick(e.DeadlineNs) < e.Tick)
        {
            Unlink(idx);
            Schedule(idx);
        }
    }

    private static bool IsAttempt(AttemptState state) => state is AttemptState.SynSent or AttemptState.SynReceived or AttemptState.OrphanSynAck;

    private void Answer(ref Entry e, in TcpPacket p, long clockNs, long order, EventBuffer output)
    {
        e.State = AttemptState.SynReceived;
        if (!e.SimultaneousOpen || !e.HasServerIsn) e.ServerIsn = p.Sequence;
        e.HasServerIsn = true;
        e.DeadlineNs = clockNs + _embryonicNs;
        HistoryLetters.Add(ref e.History, 'h');
        Emit(ref e, TrackerEventKind.Answered, clockNs, order, output);
    }

    private void Complete(ref Entry e, long clockNs, long order, EventBuffer output)
    {
        Close(ref e, AttemptOutcome.Completed, EndReason.Closed, clockNs, order, 1, output);
        e.State = AttemptState.Established;
        e.DeadlineNs = clockNs + _idleNs;
    }

    private void CloseAndRelease(int idx, AttemptOutcome outcome, long clockNs, long order, EventBuffer output)
    {
        Close(ref _entries[idx], outcome, EndReason.Closed, clockNs, order, 1, output);
        Release(idx);
    }

    private void Close(ref Entry e, AttemptOutcome outcome, EndReason reason, long clockNs, long order, byte phase, EventBuffer output)
    {
        if (e.SawInvalid && outcome is AttemptOutcome.Unanswered) outcome = AttemptOutcome.Invalid;
        ref var ev = ref output.Add();
        Fill(ref ev, ref e, TrackerEventKind.Closed, clockNs, order);
        ev.Phase = phase;
        ev.Outcome = outcome;
        ev.EndReason = reason;
        ev.DueNs = e.DeadlineNs;
        Statistics.Record(outcome);
    }

    private static AttemptOutcome OutcomeOnExpiry(AttemptState state) => state switch
    {
        AttemptState.SynSent => AttemptOutcome.Unanswered,
        AttemptState.SynReceived => AttemptOutcome.Embryonic,
        AttemptState.OrphanSynAck => AttemptOutcome.Backscatter,
        _ => AttemptOutcome.Completed,
    };

    private void Emit(ref Entry e, TrackerEventKind kind, long clockNs, long order, EventBuffer output)
    {
        ref var ev = ref output.Add();
        Fill(ref ev, ref e, kind, clockNs, order);
        ev.Phase = 1;
    }

    private void EmitAnomaly(ref Entry e, HandshakeAnomaly anomaly, long clockNs, long order, EventBuffer output)
    {
        Statistics.Anomalies++;
        ref var ev = ref output.Add();
        Fill(ref ev, ref e, TrackerEventKind.Anomaly, clockNs, order);
        ev.Phase = 1;
        ev.Anomaly = anomaly;
    }

    private void Fill(ref TrackerEvent ev, ref Entry e, TrackerEventKind kind, long clockNs, long order)
    {
        ev.Kind = kind;
        ev.TimestampNs = clockNs;
        ev.Order = order;
        ev.PreviousState = e.State;
        if (e.ClientIsLow)
        {
            ev.Client = e.Key.LowAddress;
            ev.ClientPort = e.Key.LowPort;
            ev.Server = e.Key.HighAddress;
            ev.ServerPort = e.Key.HighPort;
        }
        else
        {
            ev.Client = e.Key.HighAddress;
            ev.ClientPort = e.Key.HighPort;
            ev.Server = e.Key.LowAddress;
            ev.ServerPort = e.Key.LowPort;
        }

        ev.StartNs = e.FirstNs;
        ev.EndNs = e.LastNs;
        ev.History = e.History;
        ev.ClientIsn = e.ClientIsn;
        ev.ServerIsn = e.ServerIsn;
        ev.HasServerIsn = e.HasServerIsn;
        ev.SynRetransmits = e.SynCount;
        ev.SynAckRetransmits = e.SynAckCount;
        ev.Vlan = e.Vlan;
        ev.ClientTtl = e.ClientTtl;
        ev.IpVersion = e.IpVersion;
        ev.TableSaturated = clockNs < _saturatedUntilNs;
    }

    private static void FillFromPacket(ref TrackerEvent ev, in TcpPacket p, bool clientIsSource)
    {
        ev.Client = clientIsSource ? p.Source : p.Destination;
        ev.ClientPort = clientIsSource ? p.SourcePort : p.DestinationPort;
        ev.Server = clientIsSource ? p.Destination : p.Source;
        ev.ServerPort = clientIsSource ? p.DestinationPort : p.SourcePort;
        ev.StartNs = p.TimestampNs;
        ev.EndNs = p.TimestampNs;
        ev.Vlan = p.OuterVlan;
        ev.IpVersion = p.IpVersion;
        ev.ClientIsn = p.Acknowledgment - 1;
    }

    private static void InitEntry(ref Entry e, in TcpPacket p, bool clientIsLow, long order)
    {
        var key = e.Key;
        uint hash = e.Hash;
        int prev = e.Prev, next = e.Next;
        long tick = e.Tick;
        e = default;
        e.Key = key;
        e.Hash = hash;
        e.Prev = prev;
        e.Next = next;
        e.Tick = tick;
        e.ClientIsLow = clientIsLow;
        e.FirstNs = p.TimestampNs;
        e.LastNs = p.TimestampNs;
        e.Order = order;
        e.Vlan = p.OuterVlan;
        e.IpVersion = p.IpVersion;
    }

    // ---- table ----

    private int Allocate(in FlowKey key, uint hash, long clockNs, long order, EventBuffer output)
    {
        if (_count >= _capacity) EvictOne(clockNs, order, output);
        int idx;
        if (_freeHead != NoEntry)
        {
            idx = _freeHead;
            _freeHead = _entries[idx].Next;
        }
        else
        {
            if (_used == _entries.Length) GrowSlab();
            idx = _used++;
        }

        ref Entry e = ref _entries[idx];
        e = default;
        e.Key = key;
        e.Hash = hash;
        e.Prev = NoEntry;
        e.Next = NoEntry;
        e.Tick = long.MinValue;
        IndexAdd(hash, idx);
        if (_count > Statistics.PeakTracked) Statistics.PeakTracked = _count;
        return idx;
    }

    /// <summary>
    /// Doubles the slab, but once it reaches an eighth of the capacity goes straight to the capacity: every doubling
    /// leaves the old array behind until a full collection, and under a flood those copies were over 100 MB of the peak.
    /// The big array is not zeroed (each entry is initialised when allocated), so its untouched pages cost no memory.
    /// </summary>
    private void GrowSlab()
    {
        long doubled = (long)_entries.Length * 2;
        int size = (int)(doubled * 8 >= _capacity ? _capacity : doubled);
        var bigger = GC.AllocateUninitializedArray<Entry>(size);
        _entries.AsSpan(0, _used).CopyTo(bigger);
        _entries = bigger;
    }

    private void Release(int idx)
    {
        ref Entry e = ref _entries[idx];
        Unlink(idx);
        IndexRemove(e.Hash, idx);
        e.State = AttemptState.None;
        e.Next = _freeHead;
        _freeHead = idx;
    }

    /// <summary>
    /// The table is full: evict the entry closest to its deadline (the earliest non-empty wheel slot). Under a spoofed
    /// flood those are the oldest flood entries; completed connections, with their long idle timeout, go last.
    /// </summary>
    private void EvictOne(long clockNs, long order, EventBuffer output)
    {
        // Start at the cursor: under a flood the earliest filed slot lies hundreds of empty slots ahead, and scanning them
        // for every evicted entry cost more than the eviction itself.
        for (long t = Math.Max(_evictFrom, _currentTick + 1); t <= _currentTick + WheelSlots; t++)
        {
            int head = _slotHead[(int)(t & (WheelSlots - 1))];
            if (head == NoEntry) continue;
            _evictFrom = t;
            ref Entry e = ref _entries[head];
            _saturatedUntilNs = clockNs + Math.Max(_embryonicNs, _unansweredNs);
            Statistics.Evictions++;
            if (IsAttempt(e.State))
            {
                // The event takes the order of the packet that forced the eviction, keeping the shard's output sorted.
                Close(ref e, OutcomeOnExpiry(e.State), EndReason.Evicted, clockNs, order, 1, output);
            }

            Release(head);
            PrefetchEvictionCandidate(t);
            return;
        }
    }

    // ---- timer wheel ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long DueTick(long deadlineNs) => (deadlineNs + _slotNs - 1) / _slotNs;

    private void Schedule(int idx)
    {
        ref Entry e = ref _entries[idx];
        long tick = DueTick(e.DeadlineNs);
        if (tick <= _currentTick) tick = _currentTick + 1;
        if (tick > _currentTick + WheelSlots - 1) tick = _currentTick + WheelSlots - 1;
        e.Tick = tick;
        if (tick < _evictFrom) _evictFrom = tick;
        // Appended at the tail: a slot's list stays in filing order, so eviction from its head takes the oldest.
        int s = (int)(tick & (WheelSlots - 1));
        int tail = _slotTail[s];
        e.Next = NoEntry;
        e.Prev = tail;
        if (tail != NoEntry) _entries[tail].Next = idx;
        else _slotHead[s] = idx;
        _slotTail[s] = idx;
    }

    private void Unlink(int idx)
    {
        ref Entry e = ref _entries[idx];
        if (e.Tick == long.MinValue) return;
        int s = (int)(e.Tick & (WheelSlots - 1));
        if (e.Prev != NoEntry) _entries[e.Prev].Next = e.Next;
        else _slotHead[s] = e.Next;
        if (e.Next != NoEntry) _entries[e.Next].Prev = e.Prev;
        else _slotTail[s] = e.Prev;
        e.Prev = NoEntry;
        e.Next = NoEntry;
        e.Tick = long.MinValue;
    }

    private void FireSlot(long tick, EventBuffer output)
    {
        int s = (int)(tick & (WheelSlots - 1));
        int idx = _slotHead[s];
        if (idx == NoEntry) return;
        _fired.Clear();
        while (idx != NoEntry)
        {
            int next = _entries[idx].Next;
            _fired.Add(idx);
            idx = next;
        }

        foreach (int i in _fired) Unlink(i);
        int due = 0;
        for (int k = 0; k < _fired.Count; k++)
        {
            int i = _fired[k];
            if (DueTick(_entries[i].DeadlineNs) > tick) Schedule(i);
            else _fired[due++] = i;
        }

        _fired.RemoveRange(due, _fired.Count - due);
        SortFiredByOrder();
        long nowNs = tick * _slotNs;
        foreach (int i in _fired)
        {
            ref Entry e = ref _entries[i];
            if (IsAttempt(e.State))
            {
                var outcome = e.State == AttemptState.SynReceived ? AttemptOutcome.EmbryonicTimeout : OutcomeOnExpiry(e.State);
                Close(ref e, outcome, EndReason.Timeout, nowNs, e.Order, 0, output);
            }

            Release(i);
        }

        _fired.Clear();
    }

    /// <summary>A gap longer than the wheel (a capture paused for minutes): fire everything due in deadline order.</summary>
    private void Jump(long target, EventBuffer output)
    {
        for (int s = 0; s < WheelSlots; s++)
        {
            for (int idx = _slotHead[s]; idx != NoEntry; idx = _entries[idx].Next) _fired.Add(idx);
        }

        foreach (int i in _fired) Unlink(i);
        var entries = _entries;
        long slotNs = _slotNs;
        _fired.Sort((a, b) =>
        {
            int c = ((entries[a].DeadlineNs + slotNs - 1) / slotNs).CompareTo((entries[b].DeadlineNs + slotNs - 1) / slotNs);
            return c != 0 ? c : entries[a].Order.CompareTo(entries[b].Order);
        });
        var pending = _fired.ToArray();
        _fired.Clear();
        _currentTick = target;
        foreach (int i in pending)
        {
            ref Entry e = ref _entries[i];
            long due = DueTick(e.DeadlineNs);
            if (due > target)
            {
                Schedule(i);
                continue;
            }

            if (IsAttempt(e.State))
            {
                var outcome = e.State == AttemptState.SynReceived ? AttemptOutcome.EmbryonicTimeout : OutcomeOnExpiry(e.State);
                Close(ref e, outcome, EndReason.Timeout, due * _slotNs, e.Order, 0, output);
            }

            e.Tick = long.MinValue;
            IndexRemove(e.Hash, i);
            e.State = AttemptState.None;
            e.Next = _freeHead;
            _freeHead = i;
        }
    }

    /// <summary>
    /// Sorts <see cref="_fired"/> by the entries' <see cref="Entry.Order"/> (unique: one packet starts at most one
    /// entry, so the order is total). The orders are copied out first: sorting primitive keys beside the indices is
    /// several times faster than a comparer that reads two random slab entries per comparison.
    /// </summary>
    private void SortFiredByOrder()
    {
        int n = _fired.Count;
        if (n < 2) return;
        if (_sortKeys.Length < n) _sortKeys = new long[Math.Max(n, _sortKeys.Length * 2)];
        var keys = _sortKeys.AsSpan(0, n);
        var items = CollectionsMarshal.AsSpan(_fired);
        var entries = _entries;
        bool sorted = true;
        for (int i = 0; i < items.Length; i++)
        {
            keys[i] = entries[items[i]].Order;
            if (i > 0 && keys[i] < keys[i - 1]) sorted = false;
        }

        // A wheel slot is filed in packet order unless deadlines moved (retransmissions, lazy re-filing): under a flood
        // most slots come out sorted already, and introsort would still spend n log n on them.
        if (!sorted) keys.Sort(items);
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Entry
    {
        public FlowKey Key;
        public long FirstNs;
        public long LastNs;
        public long DeadlineNs;
        public long Order;
        public long Tick;
        public ulong History;
        /// <summary>The key's index hash, kept so removal finds its slot without rehashing.</summary>
        public uint Hash;
        public int Prev;
        public int Next;
        public uint ClientIsn;
        public uint ServerIsn;
        /// <summary>Server sequence space seen past its SYN-ACK before the handshake completed (data or FIN).</summary>
        public uint ServerSent;
        public ushort SynCount;
        public ushort SynAckCount;
        public ushort Vlan;
        public AttemptState State;
        public bool ClientIsLow;
        public bool HasServerIsn;
        public bool SawInvalid;
        public bool SimultaneousOpen;
        public bool ClientFin;
        public bool ServerFin;
        public byte ClientTtl;
        public byte IpVersion;
    }
}

/// <summary>Counters of one tracker shard; merged across shards for reports.</summary>
public sealed class TrackerStatistics
{
    private readonly long[] _outcomes = new long[Enum.GetValues<AttemptOutcome>().Length];

    public long Attempts { get; set; }

    public long Evictions { get; set; }

    public long PeakTracked { get; set; }

    public long BackscatterPackets { get; set; }

    public long MidStreamPickups { get; set; }

    public long Anomalies { get; set; }

    public long this[AttemptOutcome o] => _outcomes[(int)o];

    internal void Record(AttemptOutcome o) => _outcomes[(int)o]++;

    public void Add(TrackerStatistics other)
    {
        Attempts += other.Attempts;
        Evictions += other.Evictions;
        PeakTracked += other.PeakTracked;
        BackscatterPackets += other.BackscatterPackets;
        MidStreamPickups += other.MidStreamPickups;
        Anomalies += other.Anomalies;
        for (int i = 0; i < _outcomes.Length; i++) _outcomes[i] += other._outcomes[i];
    }
}
