namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// Counters of a live capture since it was opened, as <c>pcap_stats</c> reports them.
/// On Linux, <see cref="Received"/> counts packets that passed the filter, including those later dropped.
/// </summary>
/// <param name="Received">Packets the kernel handed to this capture.</param>
/// <param name="DroppedByKernel">Packets lost because the ring buffer was full: the reader did not keep up.</param>
/// <param name="DroppedByInterface">Packets the interface or its driver dropped (not supported everywhere; 0 then).</param>
public readonly record struct CaptureStatistics(ulong Received, ulong DroppedByKernel, ulong DroppedByInterface);
