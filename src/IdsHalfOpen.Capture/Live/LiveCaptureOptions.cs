namespace IdsHalfOpen.Capture.Live;

/// <summary>How to open a live capture with <see cref="LivePacketSource.Open"/>.</summary>
/// <param name="Interface">The interface to capture on, as libpcap names it ("eth0", "any", "lo").</param>
public sealed record LiveCaptureOptions(string Interface)
{
    /// <summary>Bytes kept of each frame; the default keeps whole frames, even with offloads that build 64 KiB segments.</summary>
    public int SnapLength { get; init; } = 262144;

    public bool Promiscuous { get; init; } = true;

    /// <summary>
    /// Deliver each packet as soon as it arrives. Off, the kernel hands packets over in blocks, when a block fills or
    /// after at most min(<see cref="ReadTimeoutMs"/>, 100 ms): fewer wake-ups under load, a little latency.
    /// </summary>
    public bool ImmediateMode { get; init; } = true;

    /// <summary>Kernel ring buffer size; a larger ring rides out bursts (SYN floods) without kernel drops.</summary>
    public int BufferSizeBytes { get; init; } = 32 << 20;

    /// <summary>
    /// How long one <see cref="LivePacketSource.Read"/> waits for a packet before returning <see cref="ReadResult.Timeout"/>,
    /// so the caller can check for cancellation. 0 waits without limit (only <see cref="LivePacketSource.BreakLoop"/> ends the wait).
    /// </summary>
    public int ReadTimeoutMs { get; init; } = 100;

    /// <summary>A BPF filter expression in tcpdump syntax ("tcp", "tcp port 80"); null captures everything.</summary>
    public string? Filter { get; init; }
}
