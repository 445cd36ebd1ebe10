using System.Text;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>Per-file TCP counts (SYN = SYN without ACK).</summary>
public readonly record struct TcpCounts(long Frames, long Segments, long Syn, long SynAck, long Rst, long Fin)
{
    public override string ToString() => $"frames {Frames}, segments {Segments}, SYN {Syn}, SYN-ACK {SynAck}, RST {Rst}, FIN {Fin}";
}

/// <summary>The outcome of comparing our reader + decoder with tshark on one capture.</summary>
public sealed class DiffReport(string capture)
{
    public string Capture { get; } = capture;
    public List<string> Mismatches { get; } = [];
    public Dictionary<string, int> ExcludedFrames { get; } = new(StringComparer.Ordinal);
    public TcpCounts Expected { get; set; }
    public TcpCounts Ours { get; set; }

    public string Describe(int max = 25)
    {
        var sb = new StringBuilder();
        sb.Append(Capture).Append(": ").Append(Mismatches.Count).AppendLine(" difference(s) from tshark");
        foreach (var m in Mismatches.Take(max)) sb.Append("  ").AppendLine(m);
        if (Mismatches.Count > max) sb.Append("  ... and ").Append(Mismatches.Count - max).AppendLine(" more");
        sb.Append("  tshark counts: ").AppendLine(Expected.ToString());
        sb.Append("  our counts:    ").AppendLine(Ours.ToString());
        foreach (var (name, n) in ExcludedFrames) sb.Append("  excluded by '").Append(name).Append("': ").Append(n).AppendLine(" frame(s)");
        return sb.ToString();
    }
}

/// <summary>
/// Frame-by-frame comparison. For every frame: number, timestamp (when tshark has one), wire and captured length,
/// pcapng interface. For every frame tshark shows a complete TCP fixed header in (outside ICMP errors) we must return a
/// <see cref="TcpPacketKind.Segment"/> with the same addresses (innermost IP layer), ports, flags, raw sequence and
/// acknowledgment numbers and VLAN ids (outer, inner); and we must return no segment where tshark has none. Departures
/// are allowed only through a named <see cref="Exclusion"/>, and an exclusion that matches nothing is itself reported.
/// Flags compare the nine defined bits (tshark also shows the three reserved ones).
/// </summary>
public static class Differential
{
    public static DiffReport Compare(TsharkDump tshark, OurDump ours, IReadOnlyList<Exclusion> exclusions, bool damagedFile = false)
    {
        var report = new DiffReport(tshark.Capture);
        var m = report.Mismatches;
        if (!damagedFile && tshark.ExitCode != 0) m.Add($"tshark exit code {tshark.ExitCode}: {tshark.StdErr.Trim()}");
        if (!damagedFile && ours.Problem is not null) m.Add($"our reader reported a problem tshark did not: {ours.Problem}");
        if (tshark.Frames.Count != ours.Frames.Count) m.Add($"frame count: tshark {tshark.Frames.Count}, ours {ours.Frames.Count}");

        long segs = 0, syn = 0, synAck = 0, rst = 0, fin = 0;
        void Tally(ushort flags)
        {
            segs++;
            if ((flags & 0x12) == 0x02) syn++;
            if ((flags & 0x12) == 0x12) synAck++;
            if ((flags & 0x04) != 0) rst++;
            if ((flags & 0x01) != 0) fin++;
        }

        var used = new HashSet<Exclusion>();
        int n = Math.Min(tshark.Frames.Count, ours.Frames.Count);
        for (int i = 0; i < n; i++)
        {
            var t = tshark.Frames[i];
            var o = ours.Frames[i];
            string at = $"frame {t.Number}";
            if (t.Number != i + 1) m.Add($"{at}: tshark numbers it {t.Number}, expected {i + 1}");
            if (o.Number != i + 1) m.Add($"{at}: our FrameNumber is {o.Number}, expected {i + 1}");
            if (t.TimestampNs is long ts && ts != o.TimestampNs) m.Add($"{at}: timestamp tshark {ts} ns, ours {o.TimestampNs} ns");
            if (t.Length != o.Length) m.Add($"{at}: wire length tshark {t.Length}, ours {o.Length}");
            if (t.CapturedLength != o.CapturedLength) m.Add($"{at}: captured length tshark {t.CapturedLength}, ours {o.CapturedLength}");
            if (t.InterfaceId is int iface && iface != o.InterfaceId) m.Add($"{at}: interface tshark {iface}, ours {o.InterfaceId}");

            var theirs = t.Segment;
            var mine = o.Segment;
            var exclusion = exclusions.FirstOrDefault(e => e.Applies(t));
            string proto = string.Join(':', t.Protocols);
            if (theirs is null && mine is null) continue;
            if (theirs is not null && mine is TcpPacket p)
            {
                var diffs = FieldDifferences(theirs, p);
                if (diffs.Count == 0)
                {
                    Tally(theirs.Flags);
                }
                else if (exclusion?.Kind == ExclusionKind.FieldsMayDiffer)
                {
                    used.Add(exclusion);
                    Tally((ushort)p.Flags);
                }
                else
                {
                    m.Add($"{at} ({proto}): {string.Join("; ", diffs)}");
                    Tally(theirs.Flags);
                }
            }
            else if (theirs is not null)
            {
                if (exclusion?.Kind == ExclusionKind.OursMayBeMissing)
                {
                    used.Add(exclusion);
                }
                else
                {
                    m.Add($"{at} ({proto}): tshark has TCP {Describe(theirs)}, we returned no segment (decoded {o.Decoded}, kind {o.Packet.Kind}, event {o.Event})");
                    Tally(theirs.Flags);
                }
            }
            else if (mine is TcpPacket extra)
            {
                if (exclusion?.Kind == ExclusionKind.TsharkCutsHeader && t.PartialSegment is { } partial)
                {
                    used.Add(exclusion);
                    var diffs = FieldDifferences(partial, extra);
                    if (diffs.Count > 0) m.Add($"{at} ({proto}): {string.Join("; ", diffs)} (fields tshark shows of a header it cuts)");
                    Tally((ushort)extra.Flags);
                }
                else if (exclusion?.Kind == ExclusionKind.OursMayBeExtra)
                {
                    used.Add(exclusion);
                    Tally((ushort)extra.Flags);
                }
                else
                {
                    m.Add($"{at} ({proto}{(t.IsTcp && !t.HasTcpHeader ? ", TCP header incomplete" : "")}): we returned segment {Describe(extra)}, tshark has no TCP segment");
                }
            }

            if (exclusion is not null && used.Contains(exclusion))
                report.ExcludedFrames[exclusion.Name] = report.ExcludedFrames.GetValueOrDefault(exclusion.Name) + 1;
        }

        foreach (var e in exclusions.Where(e => !used.Contains(e)))
            m.Add($"exclusion '{e.Name}' matched no frame: remove it from the table or fix its frame class");

        report.Expected = new TcpCounts(tshark.Frames.Count, segs, syn, synAck, rst, fin);
        var s = ours.Statistics;
        report.Ours = new TcpCounts(s.Frames, s.TcpSegments, s.Syn, s.SynAck, s.Rst, s.Fin);
        if (report.Expected != report.Ours) m.Add($"counts: tshark {report.Expected}; our DecodeStatistics {report.Ours}");
        return report;
    }

    private static List<string> FieldDifferences(TsharkSegment t, TcpPacket p)
    {
        var d = new List<string>();
        if (t.Source != p.Source) d.Add($"source tshark {Address(t.Source)}, ours {Address(p.Source)}");
        if (t.Destination != p.Destination) d.Add($"destination tshark {Address(t.Destination)}, ours {Address(p.Destination)}");
        if (t.SourcePort != p.SourcePort) d.Add($"source port tshark {t.SourcePort}, ours {p.SourcePort}");
        if (t.DestinationPort != p.DestinationPort) d.Add($"destination port tshark {t.DestinationPort}, ours {p.DestinationPort}");
        if ((t.Flags & 0x1FF) != ((ushort)p.Flags & 0x1FF)) d.Add($"flags tshark 0x{t.Flags & 0x1FF:x3}, ours 0x{(ushort)p.Flags:x3}");
        if (t.Sequence != p.Sequence) d.Add($"seq tshark {t.Sequence}, ours {p.Sequence}");
        if (t.Acknowledgment != p.Acknowledgment) d.Add($"ack tshark {t.Acknowledgment}, ours {p.Acknowledgment}");
        ushort outer = t.Vlans.Count > 0 ? t.Vlans[0] : (ushort)0;
        ushort inner = t.Vlans.Count > 1 ? t.Vlans[1] : (ushort)0;
        if (outer != p.OuterVlan || inner != p.InnerVlan) d.Add($"VLANs tshark ({outer}, {inner}), ours ({p.OuterVlan}, {p.InnerVlan})");
        return d;
    }

    private static string Describe(TsharkSegment t) =>
        $"{Address(t.Source)}:{t.SourcePort} > {Address(t.Destination)}:{t.DestinationPort} flags 0x{t.Flags:x3} seq {t.Sequence} ack {t.Acknowledgment}";

    private static string Describe(TcpPacket p) =>
        $"{Address(p.Source)}:{p.SourcePort} > {Address(p.Destination)}:{p.DestinationPort} flags 0x{(ushort)p.Flags:x3} seq {p.Sequence} ack {p.Acknowledgment}";

    public static string Address(UInt128 a)
    {
        Span<byte> b = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, a);
        var ip = new System.Net.IPAddress(b);
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4().ToString() : ip.ToString();
    }
}
