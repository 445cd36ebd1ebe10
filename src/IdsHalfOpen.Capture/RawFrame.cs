namespace IdsHalfOpen.Capture;

/// <summary>
/// One captured frame as a source hands it out. The data span is only valid until the next
/// <see cref="IPacketSource.Read"/> call on the same source: sources reuse their buffers so the hot path allocates nothing.
/// </summary>
public readonly ref struct RawFrame
{
    public RawFrame(ReadOnlySpan<byte> data, long timestampNs, int originalLength, LinkType linkType, int interfaceId, long frameNumber)
    {
        Data = data;
        TimestampNs = timestampNs;
        OriginalLength = originalLength;
        LinkType = linkType;
        InterfaceId = interfaceId;
        FrameNumber = frameNumber;
    }

    /// <summary>The captured bytes (at most the snapshot length).</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Packet time in nanoseconds since the Unix epoch (UTC).</summary>
    public long TimestampNs { get; }

    /// <summary>The frame's length on the wire; larger than <c>Data.Length</c> when the snapshot length cut it.</summary>
    public int OriginalLength { get; }

    public LinkType LinkType { get; }

    /// <summary>pcapng interface index; 0 for classic pcap and live capture.</summary>
    public int InterfaceId { get; }

    /// <summary>1-based position of the frame in its source, as tshark numbers frames.</summary>
    public long FrameNumber { get; }
}
