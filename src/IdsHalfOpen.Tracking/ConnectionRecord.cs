namespace IdsHalfOpen.Tracking;

/// <summary>
/// One finished (or still open at the end) connection attempt, as written to the connection log.
/// The originator is the host that sent the first SYN; for backscatter it is the host that sent the unsolicited
/// SYN-ACK/RST's peer, i.e. the receiver, so that source = the (probably spoofed) address the victim answered.
/// </summary>
public sealed record ConnectionRecord
{
    public long StartNs { get; init; }

    public long EndNs { get; init; }

    /// <summary>Originator (client) address; IPv4 as IPv4-mapped IPv6.</summary>
    public UInt128 Client { get; init; }

    public ushort ClientPort { get; init; }

    public UInt128 Server { get; init; }

    public ushort ServerPort { get; init; }

    /// <summary>4 or 6.</summary>
    public byte IpVersion { get; init; }

    public AttemptOutcome Outcome { get; init; }

    public EndReason EndReason { get; init; }

    /// <summary>Zeek-style history: upper case = originator, lower case = responder; S syn, H syn-ack, A ack, D data, F fin, R rst, ^ roles flipped.</summary>
    public string History { get; init; } = "";

    public uint ClientIsn { get; init; }

    /// <summary>Server ISN, when a SYN-ACK was seen.</summary>
    public uint? ServerIsn { get; init; }

    /// <summary>SYNs seen beyond the first (same ISN).</summary>
    public int SynRetransmits { get; init; }

    /// <summary>SYN-ACKs seen beyond the first.</summary>
    public int SynAckRetransmits { get; init; }

    public ushort Vlan { get; init; }

    /// <summary>TTL / hop limit of the first SYN (or of the first packet for backscatter).</summary>
    public byte ClientTtl { get; init; }
}
