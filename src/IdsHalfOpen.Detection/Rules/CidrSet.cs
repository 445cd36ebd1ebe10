namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// An immutable set of CIDR blocks compiled into sorted, disjoint, merged address ranges, so that
/// <see cref="Contains"/> is a binary search over two arrays: no allocation, O(log n).
/// Whether an empty set means "nothing" (allow lists) or "anything" (rule scopes) is the caller's choice;
/// see <see cref="MatchesOrAny"/>.
/// </summary>
public sealed class CidrSet
{
    private readonly UInt128[] _starts;
    private readonly UInt128[] _ends;

    private CidrSet(Cidr[] cidrs, UInt128[] starts, UInt128[] ends)
    {
        Cidrs = cidrs;
        _starts = starts;
        _ends = ends;
    }

    public static CidrSet Empty { get; } = new([], [], []);

    /// <summary>The blocks as written (host bits cleared), in input order, duplicates kept.</summary>
    public IReadOnlyList<Cidr> Cidrs { get; }

    public bool IsEmpty => _starts.Length == 0;

    /// <summary>Number of disjoint ranges after merging overlapping and adjacent blocks.</summary>
    public int RangeCount => _starts.Length;

    public static CidrSet Create(IEnumerable<Cidr> cidrs)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        var list = cidrs.ToArray();
        if (list.Length == 0) return Empty;
        var ranges = list.Select(c => (Start: c.Network, End: c.Last)).OrderBy(r => r.Start).ToList();
        var starts = new List<UInt128>(ranges.Count);
        var ends = new List<UInt128>(ranges.Count);
        foreach (var (start, end) in ranges)
        {
            int last = starts.Count - 1;
            // Merge when overlapping or adjacent (ends[last] + 1 == start, without overflowing at the top).
            if (last >= 0 && (ends[last] == UInt128.MaxValue || start <= ends[last] + 1))
            {
                if (end > ends[last]) ends[last] = end;
                continue;
            }

            starts.Add(start);
            ends.Add(end);
        }

        return new CidrSet(list, [.. starts], [.. ends]);
    }

    /// <summary>Union of several sets.</summary>
    public static CidrSet Union(IEnumerable<CidrSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        return Create(sets.SelectMany(s => s.Cidrs));
    }

    /// <summary>Parses CIDR strings (see <see cref="Cidr.TryParse"/>); for code and tests, rule files go through the loader.</summary>
    /// <exception cref="FormatException">A string is not a CIDR.</exception>
    public static CidrSet Parse(params string[] cidrs)
    {
        ArgumentNullException.ThrowIfNull(cidrs);
        return Create(cidrs.Select(Cidr.Parse));
    }

    public bool Contains(UInt128 address)
    {
        var starts = _starts;
        int lo = 0;
        int hi = starts.Length - 1;
        // Find the last range starting at or below the address.
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (starts[mid] <= address) lo = mid + 1;
            else hi = mid - 1;
        }

        return hi >= 0 && address <= _ends[hi];
    }

    /// <summary>Scope semantics: an empty set matches every address.</summary>
    public bool MatchesOrAny(UInt128 address) => _starts.Length == 0 || Contains(address);

    public override string ToString() => "[" + string.Join(", ", Cidrs) + "]";
}
