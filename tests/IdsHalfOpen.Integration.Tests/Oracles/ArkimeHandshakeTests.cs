using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>
/// Our outcomes against Arkime's per-session handshake validation (<c>oracles/arkime__*.test</c>: the sessions Arkime
/// indexed for each capture). Arkime sets <c>tcpSynValidated</c> when a SYN-ACK acknowledged the SYN and
/// <c>tcpSynAckValidated</c> when the final ACK acknowledged the SYN-ACK. Mapping, per session (5-tuple), over all our
/// records on it:
/// <list type="table">
/// <item><term>syn ✓ synack ✓</term><description>a record completed after a SYN-ACK we saw (history with S and h)</description></item>
/// <item><term>syn ✓ synack ✗</term><description>a record answered (valid SYN-ACK: embryonic, embryonic-timeout, aborted-by-client) and none completed; a wrong final ACK leaves it embryonic (FinalAckBadAck)</description></item>
/// <item><term>syn ✗ synack ✗</term><description>nothing answered, nothing completed (unanswered, rejected, reset-before-reply, invalid)</description></item>
/// <item><term>syn ✗ synack ✓</term><description>no record: the SYN was not captured and the client acknowledged the SYN-ACK, so it is neither an attempt nor backscatter</description></item>
/// </list>
/// Sessions without the two fields (Arkime picked them up without a SYN) are not compared, but every record of ours
/// must belong to a compared session.
/// </summary>
public class ArkimeHandshakeTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, ArkimeException> s_exceptions = new ArkimeException[]
    {
        new("FinalAckSeqNotChecked",
            "The final ACK acknowledges server ISN+1 but carries sequence number 555555 instead of client ISN+1. Arkime does " +
            "not validate the SYN-ACK; we complete the handshake, because completion is defined by the acknowledgment number " +
            "alone (detection.md). A real server (RFC 9293 §3.10.7.4, Linux tcp_check_req) drops such an out-of-window ACK, " +
            "so checking the sequence number too would be stricter and closer to the server's view.",
            (v, ours) => v == (true, false) && ours.Any(r => r.Outcome == "completed" && r.History == "ShA")),
        new("SynAckUnseenCompleted",
            "No SYN-ACK was captured, but the client acknowledged one and sent data: we count the handshake completed with a " +
            "SynAckUnseen anomaly (history 'SA'); Arkime, having no SYN-ACK, validates neither (the same one-sided case as " +
            "Zeek's S0/SH rows).",
            (v, ours) => v == (false, false) && ours.Count > 0 && ours.All(r => r.Outcome == "completed" && !r.History.Contains('h', StringComparison.Ordinal))),
    }.ToDictionary(e => e.Name, StringComparer.Ordinal);

    private static readonly Dictionary<string, ArkimeCase> s_cases = new ArkimeCase[]
    {
        // Arkime's own synthetic edge cases: wrong final ACKs (40002, 40004, 40010, 40011), a second ISN (40003), a SYN-ACK
        // from the client (40005), SYN-ACK before SYN (40012), no SYN at all (40007), server data before the final ACK
        // (40008), sequence wrap-around (40014), three unanswered SYNs (40013).
        new("arkime__tcp_handshake_synthetic.pcap", "arkime__tcp_handshake_synthetic.test", Matched: 13, Exceptions: [("FinalAckSeqNotChecked", 1)]),
        new("arkime__no-syn-ack.pcap", "arkime__no-syn-ack.test", Matched: 0, Exceptions: [("SynAckUnseenCompleted", 2)]),
        new("arkime__mongo.pcap", "arkime__mongo.test", Matched: 5),
        new("arkime__twovlan.pcap", "arkime__twovlan.test", Matched: 1),
        // IPv6 SYNs refused by ICMPv6 unreachable: rejected ('SI') for us, neither flag for Arkime.
        new("arkime__ospf.pcap", "arkime__ospf.test", Matched: 17),
    }.ToDictionary(c => c.Capture, StringComparer.Ordinal);

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_cases.Keys) data.Add(c);
        return data;
    }

    [SharedCapturesTheory]
    [MemberData(nameof(Captures))]
    public void Replay_CaptureWithArkimeSessions_ValidationFlagsAgreeWithOutcomes(string capture)
    {
        var c = s_cases[capture];
        var sessions = ReadSessions(SharedCaptures.Oracle(c.Oracle));
        var ours = OracleReplay.Run(capture);
        Assert.True(ours.ExitCode == 0, $"replay exit code {ours.ExitCode}: {ours.StdErr}");
        Assert.NotEmpty(sessions);

        var report = new StringBuilder();
        int matched = 0;
        var used = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var disagreements = new List<string>();
        var claimed = new HashSet<ConnRecord>();
        foreach (var s in sessions)
        {
            var mine = ours.Connections.Where(r => s.Covers(r)).ToList();
            claimed.UnionWith(mine);
            var verdict = (s.SynValidated, s.SynAckValidated);
            string line = $"{s} ↔ {(mine.Count == 0 ? "no record" : string.Join("; ", mine))}";
            if (Agrees(verdict, mine))
            {
                matched++;
                report.AppendLine("match      " + line);
                continue;
            }

            var exception = c.Exceptions.Select(e => s_exceptions[e.Name]).FirstOrDefault(e => e.Applies(verdict, mine));
            if (exception is null)
            {
                disagreements.Add(line);
                report.AppendLine("DISAGREE   " + line);
                continue;
            }

            used[exception.Name] = used.GetValueOrDefault(exception.Name) + 1;
            report.AppendLine($"{exception.Name}  " + line);
        }

        foreach (var name in used.Keys) report.AppendLine($"{name}: {s_exceptions[name].Reason}");
        var orphans = ours.Connections.Where(r => !claimed.Contains(r)).ToList();
        foreach (var o in orphans) report.AppendLine("NO SESSION " + o);
        output.WriteLine($"{capture}: {sessions.Count} Arkime session(s) with validation flags, {ours.Connections.Count} record(s) of ours");
        output.WriteLine(report.ToString());

        Assert.True(disagreements.Count == 0 && orphans.Count == 0, "disagreement with Arkime:\n" + report);
        Assert.True(c.Matched == matched, $"expected {c.Matched} sessions matched by the mapping, got {matched}:\n" + report);
        var declared = new SortedDictionary<string, int>(c.Exceptions.ToDictionary(e => e.Name, e => e.Sessions), StringComparer.Ordinal);
        Assert.True(declared.SequenceEqual(used), $"exceptions declared {string.Join(", ", declared)}, used {string.Join(", ", used)}:\n" + report);
    }

    private static bool Agrees((bool Syn, bool SynAck) verdict, List<ConnRecord> ours)
    {
        bool answered = ours.Any(r => r.Answered);
        bool completedAfterSynAck = ours.Any(r => r.Outcome == "completed" && r.Answered);
        bool completed = ours.Any(r => r.Outcome == "completed");
        return verdict switch
        {
            (true, true) => completedAfterSynAck,
            (true, false) => answered && !completed,
            (false, false) => !answered && !completed,
            (false, true) => ours.Count == 0,
        };
    }

    private static List<ArkimeSession> ReadSessions(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var list = new List<ArkimeSession>();
        foreach (var s in doc.RootElement.GetProperty("sessions3").EnumerateArray())
        {
            var b = s.GetProperty("body");
            if (!b.TryGetProperty("ipProtocol", out var proto) || proto.GetInt32() != 6) continue;
            if (!b.TryGetProperty("tcpSynValidated", out var syn) || !b.TryGetProperty("tcpSynAckValidated", out var synAck)) continue;
            var src = b.GetProperty("source");
            var dst = b.GetProperty("destination");
            list.Add(new ArkimeSession(
                OracleReplay.Ip(src.GetProperty("ip").GetString()),
                src.GetProperty("port").GetInt32(),
                OracleReplay.Ip(dst.GetProperty("ip").GetString()),
                dst.GetProperty("port").GetInt32(),
                syn.GetBoolean(),
                synAck.GetBoolean()));
        }

        return list;
    }

    private sealed record ArkimeSession(System.Net.IPAddress Source, int SourcePort, System.Net.IPAddress Destination, int DestinationPort, bool SynValidated, bool SynAckValidated)
    {
        /// <summary>Our record of this session: same tuple, and Arkime's source is our client.</summary>
        public bool Covers(ConnRecord r) =>
            r.Source.Equals(Source) && r.SourcePort == SourcePort && r.Destination.Equals(Destination) && r.DestinationPort == DestinationPort;

        public override string ToString() =>
            $"arkime {Source}:{SourcePort} -> {Destination}:{DestinationPort} syn {(SynValidated ? "✓" : "✗")} synack {(SynAckValidated ? "✓" : "✗")}";
    }

    private sealed record ArkimeException(string Name, string Reason, Func<(bool Syn, bool SynAck), List<ConnRecord>, bool> Applies);

    private sealed record ArkimeCase(string Capture, string Oracle, int Matched, (string Name, int Sessions)[]? Exceptions = null)
    {
        public (string Name, int Sessions)[] Exceptions { get; } = Exceptions ?? [];
    }
}
