using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>
/// Our connection records against Zeek's own conn.log baselines for the same traces (zeek/zeek testing/btest/Baseline,
/// see ../shared/pcaps/README.md for the pairs). Every Zeek TCP row must be matched by the mapping table
/// (<see cref="ZeekVerdicts.Table"/>) or covered by a named exception (<see cref="ZeekVerdicts.Exceptions"/>) that the
/// trace declares with its exact count; every record of ours must be matched or covered too.
/// </summary>
public class ZeekConnLogTests(ITestOutputHelper output)
{
    private const string RstBehavior = "zeek-Baseline__scripts.base.protocols.conn.conn_state-RST-behavior_out";

    private static readonly Dictionary<string, ZeekCase> s_cases = new ZeekCase[]
    {
        // Each refused port sees three SYNs with one ISN, 0.5 s apart, each refused by an RST (Windows retries a refused
        // connect). The RST closes our attempt, so each retry is a new attempt for us as it is a new connection for Zeek.
        new("zeek__pop3.pcap", "zeek-Baseline__scripts.base.protocols.pop3.basic_conn.log", ZeekBaselineFormat.ConnLog, Matched: 11),
        // The RST-behavior baseline has one 'history, conn_state' line per trace, in this order, and no tuples.
        new("zeek__tcp_single-rst.pcap", RstBehavior, ZeekBaselineFormat.HistoryStatePerTrace, Matched: 1, Index: 0),
        new("zeek__tcp_syn-then-rst.pcap", RstBehavior, ZeekBaselineFormat.HistoryStatePerTrace, Matched: 1, Index: 1),
        new("zeek__tcp_syn-then-ack-then-rst.pcap", RstBehavior, ZeekBaselineFormat.HistoryStatePerTrace, Matched: 1, Index: 2),
        new("zeek__tcp_syn-then-stuff-then-rst.pcap", RstBehavior, ZeekBaselineFormat.HistoryStatePerTrace, Matched: 0, Index: 3,
            Exceptions: [("FinThenResetBeforeReply", 1, 1)]),
        // Zeek expires its S0 state on five of the connections and logs their remainder as new mid-stream connections.
        new("zeek__ssh.client-side-half-duplex.pcap", "zeek-Baseline__scripts.base.protocols.ssh.half-duplex-client_conn.log", ZeekBaselineFormat.ConnLog, Matched: 0,
            Exceptions: [("OneSidedClientCapture", 20, 20), ("MidStreamNoAttempt", 5, 0)]),
        // Only the servers' packets: both tools see unsolicited SYN-ACKs (SHR ^hdaf = our backscatter 'h'). A one-sided
        // link, not a reflection victim; 20 such records stay far below IHO-1007's threshold of 100 a minute.
        new("zeek__ssh.server-side-half-duplex.pcap", "zeek-Baseline__scripts.base.protocols.ssh.half-duplex-server_conn.log", ZeekBaselineFormat.ConnLog, Matched: 20),
        // S1 ShADad: the capture ends with eight connections open; for us their handshakes completed.
        new("zeek__wikipedia.pcap", "zeek-Baseline__opt.basic_conn.log", ZeekBaselineFormat.ConnLog, Matched: 9,
            Exceptions: [("MidStreamNoAttempt", 1, 0)]),
        new("zeek__Teredo.pcap", "zeek-Baseline__core.tunnels.teredo_conn.log", ZeekBaselineFormat.ConnLog, Matched: 5,
            Exceptions: [("MidStreamNoAttempt", 3, 0), ("RstEndsRememberedFlow", 1, 0), ("TunnelNotDecoded", 1, 0)]),
        // RSTO ShR is a half-open probe; the Dr row on the same tuple is data after that RST.
        new("zeek__modbus-and-non-modbus-p502.pcap", "zeek-Baseline__scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502_conn.log", ZeekBaselineFormat.ConnLog, Matched: 7,
            Exceptions: [("MidStreamNoAttempt", 1, 0)]),
        new("zeek__tcp_retransmit-fast009.pcap", "zeek-Baseline__core.tcp.rxmit-history_conn-1.log", ZeekBaselineFormat.ConnLog, Matched: 1),
        new("zeek__mixed-vlan-mpls.pcap", "zeek-Baseline__core.vlan-mpls_conn.log", ZeekBaselineFormat.ConnLog, Matched: 2,
            Exceptions: [("OneSidedClientCapture", 1, 1)]),
        new("zeek__cisco-fabric-path.pcap", "zeek-Baseline__core.cisco-fabric-path_conn.log", ZeekBaselineFormat.ConnLog, Matched: 16),
        new("zeek__irc-starttls.pcap", "zeek-Baseline__scripts.base.protocols.irc.starttls_conn.log", ZeekBaselineFormat.ConnLog, Matched: 1),
        new("zeek__tcp_syn-bad.pcap", "zeek-Baseline__core.tcp.bad-checksum-syn_conn.log", ZeekBaselineFormat.NamedColumns, Matched: 0,
            Exceptions: [("BadChecksumSynCounted", 1, 1)]),
        // The SYN-ACK comes first: Zeek flips the roles (Hs^ADadFf), we record the late SYN ('h^SA'); both end with the client as originator.
        new("zeek__tcp_handshake-reorder.pcap", "zeek-Baseline__core.connection_flipped_out", ZeekBaselineFormat.ConnectionEvents, Matched: 1),
    }.ToDictionary(c => c.Trace, StringComparer.Ordinal);

    public static TheoryData<string> Traces()
    {
        var data = new TheoryData<string>();
        foreach (var trace in s_cases.Keys) data.Add(trace);
        return data;
    }

    [SharedCapturesTheory]
    [MemberData(nameof(Traces))]
    public void Replay_TraceWithZeekBaseline_EveryRowMatchedOrNamedException(string trace)
    {
        var c = s_cases[trace];
        var rows = ZeekBaseline.Read(SharedCaptures.Oracle(c.Baseline), c.Format, c.Index);
        var ours = OracleReplay.Run(trace);
        Assert.True(ours.ExitCode == 0, $"replay exit code {ours.ExitCode}: {ours.StdErr}");
        Assert.NotEmpty(rows);

        var result = ZeekComparison.Run(rows, ours.Connections, c.Exceptions.Select(e => e.Name));
        string report = result.Report();
        output.WriteLine($"{trace} vs {c.Baseline}: {rows.Count} Zeek TCP row(s), {ours.Connections.Count} record(s) of ours");
        output.WriteLine(report);

        Assert.True(result.UnmatchedRows.Count == 0 && result.UnmatchedRecords.Count == 0, "disagreement with Zeek:\n" + report);
        Assert.True(c.Matched == result.Matched.Count, $"expected {c.Matched} rows matched by the mapping table, got {result.Matched.Count}:\n" + report);
        var declared = new SortedDictionary<string, (int Zeek, int Ours)>(c.Exceptions.ToDictionary(e => e.Name, e => (e.ZeekRows, e.Records)), StringComparer.Ordinal);
        Assert.True(declared.SequenceEqual(result.ExceptionCounts()),
            $"exceptions declared {Format(declared)}, used {Format(result.ExceptionCounts())}:\n" + report);
    }

    private static string Format(SortedDictionary<string, (int Zeek, int Ours)> counts) =>
        counts.Count == 0 ? "(none)" : string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value.Zeek}/{kv.Value.Ours}"));

    /// <summary>A trace, its baseline, how many rows the mapping table matches, and the exceptions it needs (Zeek rows, our records).</summary>
    private sealed record ZeekCase(string Trace, string Baseline, ZeekBaselineFormat Format, int Matched, int Index = 0, (string Name, int ZeekRows, int Records)[]? Exceptions = null)
    {
        public (string Name, int ZeekRows, int Records)[] Exceptions { get; } = Exceptions ?? [];
    }
}
