using IdsHalfOpen.SampleGenerator;

namespace IdsHalfOpen.Integration.Tests.Differential;

public enum ExclusionKind
{
    /// <summary>tshark shows a TCP segment; we may return none (if we do, its fields must still match).</summary>
    OursMayBeMissing,
    /// <summary>tshark shows no complete TCP segment; we may return one.</summary>
    OursMayBeExtra,
    /// <summary>Both show a segment; its fields may differ.</summary>
    FieldsMayDiffer,
}

/// <summary>
/// A named class of frames in one capture where our decoder may depart from tshark, and why. Every departure the
/// differential test tolerates is listed here; an entry that matches no frame fails the test, so the table stays true.
/// </summary>
public sealed record Exclusion(string Name, string Capture, ExclusionKind Kind, Func<TsharkFrame, bool> Applies, string Reason)
{
    public override string ToString() => $"{Capture}: {Name} ({Kind}) - {Reason}";
}

public static class Exclusions
{
    public static IReadOnlyList<Exclusion> All { get; } =
    [
    ];

    public static IReadOnlyList<Exclusion> For(string capture) => [.. All.Where(e => e.Capture == capture)];

    /// <summary>The frame of samples-pcap/bad/garbage-frames.pcap built for the named case.</summary>
    public static Func<TsharkFrame, bool> GarbageCase(string name)
    {
        int index = GarbageFrames.Cases.ToList().FindIndex(c => c.Name == name);
        if (index < 0) throw new ArgumentException("no garbage-frames case " + name, nameof(name));
        return f => f.Number == index + 1;
    }
}
