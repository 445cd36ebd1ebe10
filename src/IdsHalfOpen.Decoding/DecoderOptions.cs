namespace IdsHalfOpen.Decoding;

/// <summary>Which TCP checksums the decoder verifies.</summary>
public enum ChecksumPolicy
{
    /// <summary>Verify nothing (captures taken on a sender with checksum offload are full of "bad" checksums).</summary>
    None,
    /// <summary>Verify segments with SYN, RST or FIN set, or with no payload: the ones detection counts. Bulk data is skipped.</summary>
    ControlSegments,
    /// <summary>Verify every TCP segment.</summary>
    All,
}

/// <summary>Decoder settings, fixed for the decoder's lifetime.</summary>
public sealed class DecoderOptions
{
    /// <summary>
    /// TCP checksum verification. Any policy other than <see cref="ChecksumPolicy.None"/> also checks the IPv4 header checksum.
    /// A checksum is only verified when the whole segment was captured and its length is known (not a fragment, not offload).
    /// </summary>
    public ChecksumPolicy Checksums { get; init; } = ChecksumPolicy.ControlSegments;
}
