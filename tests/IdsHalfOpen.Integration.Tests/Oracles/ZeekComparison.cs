using System.Text;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>
/// Matches Zeek's TCP rows of one trace with our connection records: first by the mapping table, then by the named
/// exceptions the trace declares. Whatever is left on either side is a disagreement.
/// </summary>
internal sealed class ZeekComparison
{
    private ZeekComparison(IReadOnlyList<ZeekRow> rows, IReadOnlyList<ConnRecord> records)
    {
        UnmatchedRows = [.. rows];
        UnmatchedRecords = [.. records];
    }

    public List<(ZeekRow Zeek, ConnRecord Ours)> Matched { get; } = [];

    /// <summary>Per exception name: the Zeek rows and records it accounted for.</summary>
    public SortedDictionary<string, (List<ZeekRow> Zeek, List<ConnRecord> Ours)> Excepted { get; } = new(StringComparer.Ordinal);

    public List<ZeekRow> UnmatchedRows { get; }

    public List<ConnRecord> UnmatchedRecords { get; }

    /// <summary>Pairs by the mapping table, then lets only the <paramref name="allowed"/> exceptions account for the rest.</summary>
    public static ZeekComparison Run(IReadOnlyList<ZeekRow> rows, IReadOnlyList<ConnRecord> records, IEnumerable<string> allowed)
    {
        var c = new ZeekComparison(rows, records);
        foreach (var row in rows)
        {
            // Several rows may share a tuple (pop3's refused retries): each takes the earliest record still free.
            var ours = c.UnmatchedRecords.FirstOrDefault(r => ZeekVerdicts.SameTuple(r, row) && ZeekVerdicts.Maps(r, row));
            if (ours is null) continue;
            c.Matched.Add((row, ours));
            c.UnmatchedRows.Remove(row);
            c.UnmatchedRecords.Remove(ours);
        }

        var exceptions = allowed.Select(ZeekVerdicts.Exception).ToList();
        foreach (var e in exceptions.Where(e => e.Kind == ExceptionKind.Pair))
        {
            foreach (var row in c.UnmatchedRows.Where(e.Zeek).ToList())
            {
                var ours = c.UnmatchedRecords.FirstOrDefault(r => ZeekVerdicts.SameTuple(r, row) && ZeekVerdicts.ClientIsOriginator(r, row) && e.Ours!(r));
                if (ours is null) continue;
                c.Claim(e.Name, row, ours);
            }
        }

        foreach (var e in exceptions.Where(e => e.Kind == ExceptionKind.ZeekOnly))
        {
            foreach (var row in c.UnmatchedRows.Where(e.Zeek).ToList()) c.Claim(e.Name, row, null);
        }

        foreach (var e in exceptions.Where(e => !c.Excepted.ContainsKey(e.Name))) c.Excepted[e.Name] = ([], []);
        return c;
    }

    /// <summary>Counts per exception as (Zeek rows, our records), for comparing with what a trace declares.</summary>
    public SortedDictionary<string, (int Zeek, int Ours)> ExceptionCounts() =>
        new(Excepted.ToDictionary(kv => kv.Key, kv => (kv.Value.Zeek.Count, kv.Value.Ours.Count)), StringComparer.Ordinal);

    public string Report()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"matched by the mapping table: {Matched.Count}");
        foreach (var (z, o) in Matched) sb.AppendLine($"  {z}  <->  {o}");
        foreach (var (name, (zeek, ours)) in Excepted)
        {
            sb.AppendLine($"exception {name}: {zeek.Count} Zeek row(s), {ours.Count} record(s) of ours. {ZeekVerdicts.Exception(name).Reason}");
            foreach (var z in zeek) sb.AppendLine($"  {z}  [{z.Class}]");
            foreach (var o in ours) sb.AppendLine($"  {o}");
        }

        sb.AppendLine($"Zeek rows accounted for by nothing: {UnmatchedRows.Count}");
        foreach (var z in UnmatchedRows) sb.AppendLine($"  {z}  [{z.Class}]");
        sb.AppendLine($"records of ours accounted for by nothing: {UnmatchedRecords.Count}");
        foreach (var o in UnmatchedRecords) sb.AppendLine($"  {o}");
        return sb.ToString();
    }

    private void Claim(string name, ZeekRow row, ConnRecord? ours)
    {
        if (!Excepted.TryGetValue(name, out var claimed)) Excepted[name] = claimed = ([], []);
        claimed.Zeek.Add(row);
        UnmatchedRows.Remove(row);
        if (ours is null) return;
        claimed.Ours.Add(ours);
        UnmatchedRecords.Remove(ours);
    }
}
