using System.Runtime.InteropServices;

namespace IdsHalfOpen.Tracking;

/// <summary>Where an attempt stood. The detection stage reads <see cref="TrackerEvent.PreviousState"/> to keep gauges exact.</summary>
public enum AttemptState : byte
{
    None = 0,
    /// <summary>SYN seen, no answer yet.</summary>
    SynSent,
    /// <summary>Valid SYN-ACK seen: the server holds the attempt in SYN_RCVD (embryonic).</summary>
    SynReceived,
    /// <summary>Handshake completed; kept (without records) so later RST/FIN are not mistaken for backscatter.</summary>
    Established,
    /// <summary>Picked up mid-stream (first packet seen was neither SYN nor SYN-ACK nor RST).</summary>
    MidStream,
    /// <summary>A SYN-ACK toward a host that sent no SYN: backscatter unless the SYN shows up late (reordering).</summary>
    OrphanSynAck,
}

public enum TrackerEventKind : byte
{
    /// <summary>A SYN opened a new attempt (unanswered).</summary>
    AttemptStarted,
    SynRetransmit,
    /// <summary>A valid SYN-ACK: the attempt is now embryonic.</summary>
    Answered,
    SynAckRetransmit,
    /// <summary>The attempt ended (see Outcome/EndReason); the event carries the whole connection record.</summary>
    Closed,
    /// <summary>One SYN-ACK or RST packet toward a host that sent no SYN.</summary>
    Backscatter,
    /// <summary>A handshake anomaly (see <see cref="TrackerEvent.Anomaly"/>).</summary>
    Anomaly,
}

public enum HandshakeAnomaly : byte
{
    None = 0,
    /// <summary>SYN-ACK whose ack is not client ISN+1.</summary>
    SynAckBadAck,
    /// <summary>SYN-ACK sent by the host that sent the SYN.</summary>
    SynAckWrongDirection,
    /// <summary>Final ACK whose ack is not server ISN+1.</summary>
    FinalAckBadAck,
    /// <summary>RST in answer to a SYN that does not acknowledge it (RFC 5961 §3: not acceptable).</summary>
    RstBadAck,
    /// <summary>A bare ACK from the server in answer to a SYN: it believes an older connection on this tuple is still open (RFC 793 half-open, RFC 5961 challenge ACK).</summary>
    ChallengeAck,
    /// <summary>SYN-ACK retransmitted with another ISN.</summary>
    SynAckIsnChanged,
    /// <summary>The client acknowledged a SYN-ACK this sensor never saw (one-directional mirror or loss).</summary>
    SynAckUnseen,
    /// <summary>Both ends sent a SYN (simultaneous open or split handshake).</summary>
    SimultaneousOpen,
    /// <summary>An RST ended an established connection (the RFC 793 half-open case when it answers data).</summary>
    EstablishedReset,
}

/// <summary>
/// What a tracker shard tells the detection stage. Events are totally ordered by (<see cref="TimestampNs"/>,
/// <see cref="Phase"/>, <see cref="Order"/>) independently of the shard count, which is what makes a replay give the
/// same alerts for any <c>--shards</c>. A <see cref="TrackerEventKind.Closed"/> event carries the full connection record.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public struct TrackerEvent
{
    /// <summary>Ordering time: the pipeline's monotonic packet clock (timers fire at slot boundaries).</summary>
    public long TimestampNs;
    /// <summary>Tie-break: the global sequence number of the packet that caused the event, or of the attempt's first packet for timer-driven events.</summary>
    public long Order;
    public UInt128 Client;
    public UInt128 Server;
    public long StartNs;
    public long EndNs;
    /// <summary>For an evicted embryonic attempt: when it would have timed out (its gauge contribution lasts until then).</summary>
    public long DueNs;
    /// <summary>Zeek-style history letters packed one per byte, first letter in the low byte.</summary>
    public ulong History;
    public uint ClientIsn;
    public uint ServerIsn;
    public ushort ClientPort;
    public ushort ServerPort;
    public ushort SynRetransmits;
    public ushort SynAckRetransmits;
    public ushort Vlan;
    /// <summary>0 = timer-driven (fires before packets of the same instant), 1 = packet-driven, 2 = end of capture.</summary>
    public byte Phase;
    public TrackerEventKind Kind;
    public AttemptOutcome Outcome;
    public EndReason EndReason;
    public AttemptState PreviousState;
    public HandshakeAnomaly Anomaly;
    public byte ClientTtl;
    public byte IpVersion;
    public bool HasServerIsn;
    /// <summary>The shard's table was full (evicting) when this event was made.</summary>
    public bool TableSaturated;

    public readonly ConnectionRecord ToRecord() => new()
    {
        StartNs = StartNs,
        EndNs = EndNs,
        Client = Client,
        ClientPort = ClientPort,
        Server = Server,
        ServerPort = ServerPort,
        IpVersion = IpVersion,
        Outcome = Outcome,
        EndReason = EndReason,
        History = HistoryLetters.ToString(History),
        ClientIsn = ClientIsn,
        ServerIsn = HasServerIsn ? ServerIsn : null,
        SynRetransmits = SynRetransmits,
        SynAckRetransmits = SynAckRetransmits,
        Vlan = Vlan,
        ClientTtl = ClientTtl,
    };
}
