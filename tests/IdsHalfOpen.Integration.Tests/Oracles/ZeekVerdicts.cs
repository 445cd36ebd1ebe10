namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>What a Zeek conn.log row says about the handshake, read from its conn_state and history letters.</summary>
internal enum ZeekClass
{
    /// <summary>S0, the originator's SYN(s) only.</summary>
    Unanswered,
    /// <summary>REJ: SYN answered by RST.</summary>
    Rejected,
    /// <summary>RSTOS0: SYN, then the originator's RST, no SYN-ACK.</summary>
    ResetBeforeReply,
    /// <summary>RSTO with history S, h, R and no A/D from the originator: it reset instead of acknowledging the SYN-ACK.</summary>
    AbortedByClient,
    /// <summary>SYN and SYN-ACK, then an A or D from the originator after the SYN-ACK.</summary>
    Completed,
    /// <summary>S1 with history Sh: answered, never acknowledged.</summary>
    Embryonic,
    /// <summary>S0/SH whose history holds only originator letters, a SYN followed by A or D: only the client's side was captured.</summary>
    OneSidedOriginator,
    /// <summary>No SYN; letters from one side only, among them a SYN-ACK or an RST (SH, SHR, OTH, RSTRH).</summary>
    Unsolicited,
    /// <summary>No SYN and no SYN-ACK: a flow picked up after its handshake.</summary>
    MidStream,
    /// <summary>History C alone: Zeek ignored the packet(s) for a bad checksum.</summary>
    IgnoredBadChecksum,
    /// <summary>None of the above: only a named exception can account for such a row.</summary>
    Unclassified,
}

/// <summary>One line of the mapping table: an outcome of ours, and the Zeek rows it stands for.</summary>
internal sealed record MappingRow(string Outcome, ZeekClass Class, string[] States, string Histories, string Why);

/// <summary>How an exception accounts for rows: pairing a Zeek row with a record of ours, or a Zeek row we have no record for.</summary>
internal enum ExceptionKind
{
    Pair,
    ZeekOnly,
}

/// <summary>A named, deliberate difference between Zeek's view and ours. A test lists, per trace, how many rows each one covers.</summary>
internal sealed record ZeekException(string Name, ExceptionKind Kind, string Reason, Func<ZeekRow, bool> Zeek, Func<ConnRecord, bool>? Ours = null);

internal static class ZeekVerdicts
{
    /// <summary>
    /// Our outcome ↔ Zeek conn_state and history. A record of ours matches a Zeek row on the same 5-tuple when the row's
    /// class is the one listed for the record's outcome and the roles agree (Zeek's originator is our client; for
    /// backscatter, the letters are those of the host that sent the unsolicited packets, our destination).
    /// </summary>
    public static readonly MappingRow[] Table =
    [
        new("unanswered", ZeekClass.Unanswered, ["S0"], "S",
            "SYN (maybe retransmitted), nothing back"),
        new("rejected", ZeekClass.Rejected, ["REJ"], "Sr",
            "SYN answered by RST-ACK"),
        new("reset-before-reply", ZeekClass.ResetBeforeReply, ["RSTOS0"], "SR, SaR (no h)",
            "the client reset its own SYN before any SYN-ACK"),
        new("aborted-by-client", ZeekClass.AbortedByClient, ["RSTO"], "ShR (no A/D)",
            "half-open probe: SYN, SYN-ACK, client RST"),
        new("completed", ZeekClass.Completed, ["SF", "S1", "S2", "S3", "RSTO", "RSTR"], "S and H (either case), then A or D from the originator",
            "Zeek calls the connection established at the SYN-ACK; the A after it is our final ACK"),
        new("embryonic", ZeekClass.Embryonic, ["S1"], "Sh",
            "answered, never acknowledged (still open at the end)"),
        new("embryonic-timeout", ZeekClass.Embryonic, ["S1"], "Sh",
            "answered, never acknowledged, aged out"),
        new("backscatter", ZeekClass.Unsolicited, ["SH", "SHR", "OTH", "RSTRH"], "one side's letters only, with H/h or R/r and no S (e.g. ^h, ^r, R, ^hdaf)",
            "SYN-ACK or RST toward a host that sent no SYN; our source is that host, Zeek may call either end the originator"),
    ];

    // "invalid" has no row: Zeek has no conn_state for a broken handshake (it raises the weird bad_SYN_ack instead).

    /// <summary>The deliberate differences. Each test case says how many rows of its trace each one covers.</summary>
    public static readonly ZeekException[] Exceptions =
    [
        new("OneSidedClientCapture", ExceptionKind.Pair,
            "Only the client's packets were captured. Its ACK or data after the SYN proves a SYN-ACK reached it, so we count " +
            "the handshake completed (with a SynAckUnseen anomaly, history without 'h'); Zeek, seeing no responder packet, " +
            "reports S0 or SH. Telling a one-sided link apart is the sensor-health check's job, not the outcome's.",
            z => z.Class == ZeekClass.OneSidedOriginator,
            o => o.Outcome == "completed" && !o.History.Contains('h', StringComparison.Ordinal)),
        new("FinThenResetBeforeReply", ExceptionKind.Pair,
            "SYN, a bare ACK from the responder, then a FIN without ACK and an RST from the originator; never a SYN-ACK. We call " +
            "it reset-before-reply with the same letters 'SaFR'; Zeek's conn_state has no name for an originator that closed " +
            "with a FIN before resetting and falls back to OTH (without the FIN it says RSTOS0, see syn-then-ack-then-rst).",
            z => z.State == "OTH" && z.History == "SaFR",
            o => o.Outcome == "reset-before-reply" && o.History == "SaFR"),
        new("BadChecksumSynCounted", ExceptionKind.Pair,
            "The capture's only packet is a SYN with a bad TCP checksum. Zeek drops it (history C, no packets, OTH); our decoder " +
            "counts it (TcpBadChecksum) and the tracker still sees the attempt, which nobody answers: a flooder's packets are " +
            "what the sensor is there to see, checksum or not.",
            z => z.Class == ZeekClass.IgnoredBadChecksum,
            o => o.Outcome == "unanswered" && o.History == "S"),
        new("MidStreamNoAttempt", ExceptionKind.ZeekOnly,
            "No SYN and no SYN-ACK on this row: the capture began after the handshake, Zeek split off the rest of a connection " +
            "whose state it had expired, or the packets followed an RST. Zeek logs a connection for any packets; we write a " +
            "record only for a handshake attempt (or an unsolicited SYN-ACK/RST), and remember such flows only to tell their " +
            "RSTs from backscatter.",
            z => z.Class == ZeekClass.MidStream),
        new("RstEndsRememberedFlow", ExceptionKind.ZeekOnly,
            "A lone RST that Zeek logs as a new connection (its earlier connection on the tuple was already closed), while we " +
            "still remembered the flow from its mid-stream packets: the RST ends that flow and is not unsolicited, so it makes " +
            "no backscatter record.",
            z => z.Class == ZeekClass.Unsolicited && z.History.Replace("^", "", StringComparison.Ordinal).All(c => c is 'R' or 'r')),
        new("TunnelNotDecoded", ExceptionKind.ZeekOnly,
            "Zeek decapsulates Teredo (IPv6 in UDP) and logs the TCP connection inside it, with the tunnel as parent; our decoder " +
            "does not look inside UDP tunnels, so it never sees that connection.",
            z => z.TunnelParents is not ("-" or "")),
    ];

    public static ZeekException Exception(string name) => Exceptions.Single(e => e.Name == name);

    /// <summary>Reads a row's class from its conn_state (null when the baseline gives none) and history.</summary>
    public static ZeekClass Classify(string? state, string history)
    {
        string letters = history.Replace("^", "", StringComparison.Ordinal);
        if (letters.Length > 0 && letters.All(c => c is 'C' or 'c')) return ZeekClass.IgnoredBadChecksum;
        bool Has(char c) => letters.Contains(c, StringComparison.Ordinal);
        bool synAck = Has('H') || Has('h');
        bool rst = Has('R') || Has('r');
        bool oneSide = letters.All(char.IsUpper) || letters.All(char.IsLower);
        bool StateIs(params string[] states) => state is null || states.Contains(state);

        if (!Has('S') && !Has('s'))
        {
            if (!synAck && !rst) return ZeekClass.MidStream;
            if (oneSide && StateIs("SH", "SHR", "OTH", "RSTRH")) return ZeekClass.Unsolicited;
            return synAck ? ZeekClass.Unclassified : ZeekClass.MidStream;
        }

        bool originatorSpoke = OriginatorAckOrDataAfterSynAck(history);
        switch (state)
        {
            case "S0" when letters.All(char.IsUpper):
                return Has('A') || Has('D') ? ZeekClass.OneSidedOriginator : ZeekClass.Unanswered;
            case "SH" when letters.All(char.IsUpper) && (Has('A') || Has('D')):
                return ZeekClass.OneSidedOriginator;
            case "REJ" when Has('r') && !synAck:
                return ZeekClass.Rejected;
            case "RSTOS0" when Has('R') && !synAck:
                return ZeekClass.ResetBeforeReply;
            case "RSTO" when synAck && Has('R') && !Has('A') && !Has('D'):
                return ZeekClass.AbortedByClient;
            case "S1" when Has('h') && !Has('A') && !Has('D') && !rst:
                return ZeekClass.Embryonic;
        }

        if (synAck && originatorSpoke && StateIs("SF", "S1", "S2", "S3", "RSTO", "RSTR")) return ZeekClass.Completed;
        return ZeekClass.Unclassified;
    }

    /// <summary>True when an A or D of the originator (upper case) comes after the first SYN-ACK letter.</summary>
    private static bool OriginatorAckOrDataAfterSynAck(string history)
    {
        int h = history.IndexOfAny(['H', 'h']);
        if (h < 0) return false;
        int a = history.IndexOfAny(['A', 'D'], h + 1);
        return a > h;
    }

    /// <summary>Does the mapping table let this record of ours stand for this Zeek row?</summary>
    public static bool Maps(ConnRecord ours, ZeekRow zeek)
    {
        var row = Table.FirstOrDefault(r => r.Outcome == ours.Outcome);
        if (row is null || row.Class != zeek.Class) return false;
        if (zeek.State is not null && !row.States.Contains(zeek.State)) return false;
        return row.Class == ZeekClass.Unsolicited ? UnsolicitedSenderAgrees(ours, zeek) : ClientIsOriginator(ours, zeek);
    }

    /// <summary>Same connection (either direction); a row without a tuple (one-line baselines) goes with any record.</summary>
    public static bool SameTuple(ConnRecord ours, ZeekRow zeek)
    {
        if (!zeek.HasTuple) return true;
        bool forward = ours.Source.Equals(zeek.Orig) && ours.SourcePort == zeek.OrigPort && ours.Destination.Equals(zeek.Resp) && ours.DestinationPort == zeek.RespPort;
        bool reverse = ours.Source.Equals(zeek.Resp) && ours.SourcePort == zeek.RespPort && ours.Destination.Equals(zeek.Orig) && ours.DestinationPort == zeek.OrigPort;
        return forward || reverse;
    }

    public static bool ClientIsOriginator(ConnRecord ours, ZeekRow zeek) =>
        !zeek.HasTuple || (ours.Source.Equals(zeek.Orig) && ours.SourcePort == zeek.OrigPort);

    /// <summary>
    /// Backscatter: our destination sent the unsolicited packets. Zeek writes them upper case when it made that host the
    /// originator, lower case when it made the receiver the originator (history <c>^h</c>, <c>^r</c>).
    /// </summary>
    private static bool UnsolicitedSenderAgrees(ConnRecord ours, ZeekRow zeek)
    {
        if (!zeek.HasTuple) return true;
        string letters = zeek.History.Replace("^", "", StringComparison.Ordinal);
        bool senderIsOriginator = ours.Destination.Equals(zeek.Orig) && ours.DestinationPort == zeek.OrigPort;
        return senderIsOriginator ? letters.All(char.IsUpper) : letters.All(char.IsLower);
    }
}
