using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>
/// Our outcomes on the scan captures against nDPI's per-flow verdicts (<c>oracles/nDPI__*.out</c>, ndpiReader's test
/// output: one line per flow with packets each way and a "Risk Info"). Mapping, per flow (client as nDPI lists it):
/// <list type="table">
/// <item><term>"Connection refused (server)"</term><description>rejected; client packets = 1 + SYN retransmissions, one server packet (the RST)</description></item>
/// <item><term>"No server to client traffic"</term><description>unanswered; client packets = 1 + SYN retransmissions</description></item>
/// <item><term>answered, no risk, one client packet</term><description>embryonic or embryonic-timeout; server packets = 1 + SYN-ACK retransmissions</description></item>
/// <item><term>"Connection refused (client)"</term><description>aborted-by-client with 2 client packets (SYN, RST); completed with 3 or more (SYN, ACK, RST: a connect scan)</description></item>
/// </list>
/// Every nDPI TCP flow must be matched or covered by a named exception, and every record of ours must be a flow.
/// </summary>
public partial class NdpiFlowTests(ITestOutputHelper output)
{
    private const string NonSynScanProbe = "NonSynScanProbe";
    private const string NonSynScanProbeReason =
        "nDPI flags NULL, FIN and XMAS scan probes (one probe, one RST back). They carry no SYN, so they open no handshake " +
        "attempt for us; the tracker picks the probe up mid-stream and forgets it at the RST, writing no record.";

    private static readonly Dictionary<string, NdpiCase> s_cases = new NdpiCase[]
    {
        // nmap -sS against scanme.nmap.org, mostly filtered: 1986 unanswered, 5 refused, 3 open ports whose SYN-ACKs
        // (retransmitted three times) the scanner never acknowledged.
        new("nDPI__synscan.pcap", "nDPI__synscan.pcap.out", Matched: 1994),
        // Two connect-scan probes (completed, then the client's RST), two refused ports, and NULL/FIN/XMAS probes.
        new("nDPI__tcp_scan.pcapng", "nDPI__tcp_scan.pcapng.out", Matched: 4, NonSynProbes: 3),
    }.ToDictionary(c => c.Capture, StringComparer.Ordinal);

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_cases.Keys) data.Add(c);
        return data;
    }

    [SharedCapturesTheory]
    [MemberData(nameof(Captures))]
    public void Replay_ScanCaptureWithNdpiFlows_EveryFlowAgreesWithOurOutcome(string capture)
    {
        var c = s_cases[capture];
        var flows = ReadFlows(SharedCaptures.Oracle(c.Oracle));
        var ours = OracleReplay.Run(capture);
        Assert.True(ours.ExitCode == 0, $"replay exit code {ours.ExitCode}: {ours.StdErr}");
        Assert.NotEmpty(flows);

        var report = new StringBuilder();
        var free = new List<ConnRecord>(ours.Connections);
        int matched = 0, probes = 0;
        var disagreements = new List<string>();
        foreach (var f in flows)
        {
            var mine = free.Where(r => r.Source.Equals(f.Client) && r.SourcePort == f.ClientPort && r.Destination.Equals(f.Server) && r.DestinationPort == f.ServerPort).ToList();
            foreach (var r in mine) free.Remove(r);
            if (f.Risk.Contains("NULL scan", StringComparison.Ordinal) || f.Risk.Contains("FIN scan", StringComparison.Ordinal) || f.Risk.Contains("XMAS scan", StringComparison.Ordinal))
            {
                if (mine.Count == 0)
                {
                    probes++;
                    continue;
                }
            }
            else if (mine.Count == 1 && Agrees(f, mine[0]))
            {
                matched++;
                continue;
            }

            disagreements.Add($"{f} ↔ {(mine.Count == 0 ? "no record" : string.Join("; ", mine))}");
        }

        report.AppendLine($"{capture}: {flows.Count} nDPI TCP flow(s), {ours.Connections.Count} record(s) of ours; matched {matched}, {NonSynScanProbe} {probes}");
        if (probes > 0) report.AppendLine($"{NonSynScanProbe}: {NonSynScanProbeReason}");
        foreach (var d in disagreements) report.AppendLine("DISAGREE   " + d);
        foreach (var r in free) report.AppendLine("NO FLOW    " + r);
        output.WriteLine(report.ToString());

        Assert.True(disagreements.Count == 0 && free.Count == 0, "disagreement with nDPI:\n" + report);
        Assert.Equal((c.Matched, c.NonSynProbes), (matched, probes));
        Assert.Equal(flows.Count, ours.Connections.Count + probes);
    }

    private static bool Agrees(NdpiFlow f, ConnRecord r)
    {
        bool Refused(string side) => f.Risk.Contains($"Connection refused ({side})", StringComparison.Ordinal);
        if (Refused("server")) return r.Outcome == "rejected" && f.ClientPackets == 1 + r.SynRetransmits && f.ServerPackets == 1;
        if (Refused("client"))
        {
            return f.ClientPackets == 2 ? r.Outcome == "aborted-by-client" && f.ServerPackets == 1 + r.SynAckRetransmits
                : f.ClientPackets >= 3 && r.Outcome == "completed";
        }

        if (f.ServerPackets == 0) return r.Outcome == "unanswered" && f.ClientPackets == 1 + r.SynRetransmits;
        return f.ClientPackets == 1 && r.Outcome is "embryonic" or "embryonic-timeout" && f.ServerPackets == 1 + r.SynAckRetransmits;
    }

    private static List<NdpiFlow> ReadFlows(string path)
    {
        var flows = new List<NdpiFlow>();
        foreach (var line in File.ReadLines(path))
        {
            var m = FlowLine().Match(line);
            if (!m.Success) continue;
            var risk = RiskInfo().Match(line);
            flows.Add(new NdpiFlow(
                OracleReplay.Ip(m.Groups["c"].Value.Trim('[', ']')),
                int.Parse(m.Groups["cp"].Value, CultureInfo.InvariantCulture),
                OracleReplay.Ip(m.Groups["s"].Value.Trim('[', ']')),
                int.Parse(m.Groups["sp"].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups["cpk"].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups["spk"].Value, CultureInfo.InvariantCulture),
                risk.Success ? risk.Groups["r"].Value : ""));
        }

        return flows;
    }

    private sealed record NdpiFlow(IPAddress Client, int ClientPort, IPAddress Server, int ServerPort, int ClientPackets, int ServerPackets, string Risk)
    {
        public override string ToString() => $"ndpi {Client}:{ClientPort} -> {Server}:{ServerPort} [{ClientPackets} <-> {ServerPackets} pkts] '{Risk}'";
    }

    private sealed record NdpiCase(string Capture, string Oracle, int Matched, int NonSynProbes = 0);

    // "\t12\tTCP 172.16.0.8:36050 <-> 64.13.134.52:22 [proto: ...]...[1 pkts/58 bytes <-> 4 pkts/240 bytes]..." (IPv6 in brackets).
    [GeneratedRegex(@"^\t\d+\tTCP (?<c>\[[^\]]+\]|[^\s\[]+):(?<cp>\d+) (?:<->|->) (?<s>\[[^\]]+\]|[^\s\[]+):(?<sp>\d+) .*?\]\[(?<cpk>\d+) pkts/\d+ bytes (?:<->|->) (?<spk>\d+) pkts/\d+ bytes\]")]
    private static partial Regex FlowLine();

    [GeneratedRegex(@"\[Risk Info: (?<r>[^\]]*)\]")]
    private static partial Regex RiskInfo();
}
