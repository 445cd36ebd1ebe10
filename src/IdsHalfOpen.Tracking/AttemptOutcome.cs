namespace IdsHalfOpen.Tracking;

/// <summary>
/// How a connection attempt (4-tuple + client ISN) ended, or where it stood when it was reported.
/// Finer than Zeek's conn_state: Zeek folds embryonic into S1 and calls the SYN-ACK "established".
/// </summary>
public enum AttemptOutcome : byte
{
    /// <summary>SYN (maybe retransmitted), nothing back. Zeek S0.</summary>
    Unanswered,
    /// <summary>SYN, valid SYN-ACK, no valid final ACK yet: the server holds it in SYN_RCVD. Zeek S1 with history Sh.</summary>
    Embryonic,
    /// <summary>Embryonic, then aged out without a final ACK: a failed handshake.</summary>
    EmbryonicTimeout,
    /// <summary>SYN, SYN-ACK, ACK with ack = server ISN+1.</summary>
    Completed,
    /// <summary>SYN answered by RST-ACK (or an ICMP unreachable). Zeek REJ.</summary>
    Rejected,
    /// <summary>SYN, SYN-ACK, then an RST from the client: half-open scan or health monitor. Zeek RSTO with history ShR.</summary>
    AbortedByClient,
    /// <summary>SYN then RST from the client before any reply. Zeek RSTOS0.</summary>
    ResetBeforeReply,
    /// <summary>SYN-ACK or RST toward a host that sent no SYN. Zeek SH / SHR / OTH.</summary>
    Backscatter,
    /// <summary>Wrong acknowledgment numbers or a SYN-ACK in the wrong direction.</summary>
    Invalid,
}

/// <summary>Why an attempt's record was written.</summary>
public enum EndReason : byte
{
    /// <summary>A packet decided the outcome (final ACK, RST, ...).</summary>
    Closed,
    /// <summary>Aged out in packet time.</summary>
    Timeout,
    /// <summary>Still open when the replay ended: reported, never dropped silently.</summary>
    EndOfCapture,
    /// <summary>Pushed out of a full table by the eviction policy.</summary>
    Evicted,
    /// <summary>Replaced by a new attempt (new ISN) on the same 4-tuple.</summary>
    Superseded,
}

public static class OutcomeNames
{
    /// <summary>Wire names used in connection records, stats and alerts (kebab-case, stable).</summary>
    public static string Name(this AttemptOutcome o) => o switch
    {
        AttemptOutcome.Unanswered => "unanswered",
        AttemptOutcome.Embryonic => "embryonic",
        AttemptOutcome.EmbryonicTimeout => "embryonic-timeout",
        AttemptOutcome.Completed => "completed",
        AttemptOutcome.Rejected => "rejected",
        AttemptOutcome.AbortedByClient => "aborted-by-client",
        AttemptOutcome.ResetBeforeReply => "reset-before-reply",
        AttemptOutcome.Backscatter => "backscatter",
        AttemptOutcome.Invalid => "invalid",
        _ => "unknown",
    };

    public static string Name(this EndReason r) => r switch
    {
        EndReason.Closed => "closed",
        EndReason.Timeout => "timeout",
        EndReason.EndOfCapture => "end-of-capture",
        EndReason.Evicted => "evicted",
        EndReason.Superseded => "superseded",
        _ => "unknown",
    };
}
