namespace IdsHalfOpen.Decoding.Mpls;

/// <summary>
/// An MPLS label stack (RFC 3032 §2.1): entries up to and including the one with the bottom-of-stack bit.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                Label                  | TC  |S|      TTL      |  one entry; S = 1 on the last
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// MPLS has no payload type: what follows is told by the first nibble (4 = IPv4, 6 = IPv6).
/// </summary>
internal readonly struct MplsStack(int labelCount, uint topLabel, uint bottomLabel)
{
    public const int EntryLength = 4;

    /// <summary>Labels followed before the frame counts as malformed; real stacks hold 1 to 4.</summary>
    public const int MaxLabels = 16;

    public int LabelCount { get; } = labelCount;

    public uint TopLabel { get; } = topLabel;

    public uint BottomLabel { get; } = bottomLabel;

    /// <summary>Bytes the stack occupies; the payload starts there.</summary>
    public int Length => LabelCount * EntryLength;
}
