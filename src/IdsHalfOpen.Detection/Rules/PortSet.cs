namespace IdsHalfOpen.Detection.Rules;

/// <summary>An immutable set of TCP ports as a 65,536-bit bitmap: <see cref="Contains"/> is one load and a mask.</summary>
public sealed class PortSet
{
    private readonly ulong[] _bits;

    private PortSet(ulong[] bits, (ushort Low, ushort High)[] ranges)
    {
        _bits = bits;
        Ranges = ranges;
    }

    public static PortSet Empty { get; } = new([], []);

    /// <summary>The ranges as written, in input order.</summary>
    public IReadOnlyList<(ushort Low, ushort High)> Ranges { get; }

    public bool IsEmpty => _bits.Length == 0;

    public static PortSet Create(IEnumerable<(ushort Low, ushort High)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        var list = ranges.ToArray();
        if (list.Length == 0) return Empty;
        var bits = new ulong[65536 / 64];
        foreach (var (low, high) in list)
        {
            if (low > high) throw new ArgumentException($"port range {low}-{high} is reversed", nameof(ranges));
            for (int p = low; p <= high; p++) bits[p >> 6] |= 1UL << (p & 63);
        }

        return new PortSet(bits, list);
    }

    public bool Contains(ushort port) => _bits.Length != 0 && (_bits[port >> 6] & (1UL << (port & 63))) != 0;

    /// <summary>Scope semantics: an empty set matches every port.</summary>
    public bool MatchesOrAny(ushort port) => _bits.Length == 0 || (_bits[port >> 6] & (1UL << (port & 63))) != 0;

    public override string ToString() => "[" + string.Join(", ", Ranges.Select(r => r.Low == r.High ? r.Low.ToString() : $"{r.Low}-{r.High}")) + "]";
}
