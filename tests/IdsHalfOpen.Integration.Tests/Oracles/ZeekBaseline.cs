using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>How a Zeek btest baseline is laid out.</summary>
public enum ZeekBaselineFormat
{
    /// <summary>A conn.log in Zeek's TSV format with a <c>#fields</c> line (timestamps masked).</summary>
    ConnLog,
    /// <summary>A table whose first line names its columns (no 5-tuple), e.g. <c>uid orig_pkts resp_pkts history conn_state</c>.</summary>
    NamedColumns,
    /// <summary>One <c>history, conn_state</c> line per trace, in the order the btest ran the traces (no 5-tuple).</summary>
    HistoryStatePerTrace,
    /// <summary>Event lines printed by a script; the <c>connection_state_remove</c> line gives the final tuple and history (no conn_state).</summary>
    ConnectionEvents,
}

/// <summary>One Zeek connection (TCP only). Address fields are null when the baseline does not give the tuple.</summary>
internal sealed record ZeekRow(int Line, IPAddress? Orig, int? OrigPort, IPAddress? Resp, int? RespPort, string? State, string History, string TunnelParents)
{
    public bool HasTuple => Orig is not null && Resp is not null;

    public ZeekClass Class => ZeekVerdicts.Classify(State, History);

    public override string ToString() =>
        HasTuple
            ? $"zeek line {Line}: {Orig}:{OrigPort} -> {Resp}:{RespPort} {State ?? "(no state)"} '{History}'{(TunnelParents is "-" or "" ? "" : " tunnel " + TunnelParents)}"
            : $"zeek line {Line}: (no tuple) {State ?? "(no state)"} '{History}'";
}

internal static partial class ZeekBaseline
{
    /// <summary>Reads the TCP rows of a baseline. For <see cref="ZeekBaselineFormat.HistoryStatePerTrace"/>, only line <paramref name="index"/> (0-based, comments skipped).</summary>
    public static List<ZeekRow> Read(string path, ZeekBaselineFormat format, int index = 0)
    {
        var lines = File.ReadAllLines(path);
        return format switch
        {
            ZeekBaselineFormat.ConnLog => ReadConnLog(lines),
            ZeekBaselineFormat.NamedColumns => ReadNamedColumns(lines),
            ZeekBaselineFormat.HistoryStatePerTrace => [ReadHistoryState(lines, index)],
            ZeekBaselineFormat.ConnectionEvents => ReadConnectionEvents(lines),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    private static List<ZeekRow> ReadConnLog(string[] lines)
    {
        string[]? fields = null;
        var rows = new List<ZeekRow>();
        for (int i = 0; i < lines.Length; i++)
        {
            string l = lines[i];
            if (l.StartsWith("#fields\t", StringComparison.Ordinal))
            {
                fields = l.Split('\t')[1..];
                continue;
            }

            if (l.Length == 0 || l[0] == '#') continue;
            if (fields is null) throw new FormatException($"line {i + 1}: data before the #fields line");
            var v = l.Split('\t');
            string F(string name)
            {
                int k = Array.IndexOf(fields, name);
                if (k < 0 || k >= v.Length) throw new FormatException($"line {i + 1}: no field {name}");
                return v[k];
            }

            if (F("proto") != "tcp") continue;
            rows.Add(new ZeekRow(
                i + 1,
                OracleReplay.Ip(F("id.orig_h")),
                int.Parse(F("id.orig_p"), CultureInfo.InvariantCulture),
                OracleReplay.Ip(F("id.resp_h")),
                int.Parse(F("id.resp_p"), CultureInfo.InvariantCulture),
                F("conn_state"),
                F("history"),
                Array.IndexOf(fields, "tunnel_parents") >= 0 ? F("tunnel_parents") : "-"));
        }

        return rows;
    }

    private static List<ZeekRow> ReadNamedColumns(string[] lines)
    {
        var data = lines.Select((l, i) => (Text: l, Line: i + 1)).Where(x => x.Text.Length > 0 && x.Text[0] != '#').ToList();
        if (data.Count == 0) throw new FormatException("no header line");
        var fields = data[0].Text.Split('\t');
        int history = Array.IndexOf(fields, "history"), state = Array.IndexOf(fields, "conn_state");
        if (history < 0 || state < 0) throw new FormatException("the header names no history/conn_state column");
        return [.. data.Skip(1).Select(x =>
        {
            var v = x.Text.Split('\t');
            return new ZeekRow(x.Line, null, null, null, null, v[state], v[history], "-");
        })];
    }

    private static ZeekRow ReadHistoryState(string[] lines, int index)
    {
        var data = lines.Select((l, i) => (Text: l, Line: i + 1)).Where(x => x.Text.Length > 0 && x.Text[0] != '#').ToList();
        if (index >= data.Count) throw new FormatException($"the baseline has {data.Count} lines, not {index + 1}");
        var parts = data[index].Text.Split(", ");
        if (parts.Length != 2) throw new FormatException($"line {data[index].Line}: expected 'history, conn_state'");
        return new ZeekRow(data[index].Line, null, null, null, null, parts[1], parts[0], "-");
    }

    private static List<ZeekRow> ReadConnectionEvents(string[] lines)
    {
        var rows = new List<ZeekRow>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].Contains(", connection_state_remove, ", StringComparison.Ordinal)) continue;
            var m = StateRemoveLine().Match(lines[i]);
            if (!m.Success) throw new FormatException($"line {i + 1}: unexpected connection_state_remove line");
            rows.Add(new ZeekRow(
                i + 1,
                OracleReplay.Ip(m.Groups["oh"].Value),
                int.Parse(m.Groups["op"].Value, CultureInfo.InvariantCulture),
                OracleReplay.Ip(m.Groups["rh"].Value),
                int.Parse(m.Groups["rp"].Value, CultureInfo.InvariantCulture),
                null,
                m.Groups["hist"].Value,
                "-"));
        }

        return rows;
    }

    [GeneratedRegex(@"orig_h=(?<oh>[^,]+), orig_p=(?<op>\d+)/tcp, resp_h=(?<rh>[^,]+), resp_p=(?<rp>\d+)/tcp.*\], (?<hist>[^,]+), ")]
    private static partial Regex StateRemoveLine();
}
