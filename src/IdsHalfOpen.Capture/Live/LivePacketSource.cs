namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// Packets from a network interface through libpcap. One reader thread calls <see cref="Read"/> in a loop;
/// <see cref="ReadResult.Timeout"/> comes back at least every <see cref="LiveCaptureOptions.ReadTimeoutMs"/> so the
/// reader can check its CancellationToken, and <see cref="BreakLoop"/> from any thread ends a wait at once.
/// Frames point into libpcap's ring buffer: nothing is allocated or copied per packet.
/// </summary>
public sealed unsafe class LivePacketSource : IPacketSource
{
    private readonly PcapHandle _handle;
    private readonly long _fractionToNs;
    private readonly Lock _statsLock = new();
    private volatile bool _stopRequested;
    private volatile bool _disposed;
    private bool _ended;
    private long _frameNumber;
    private long _bytesDelivered;
    private CaptureProblem? _problem;
    private PcapStat _lastStats;
    private ulong _receivedHigh, _droppedHigh, _ifDroppedHigh;

    private LivePacketSource(PcapHandle handle, string name, LinkType linkType, bool nanosecondTimestamps, string? warning)
    {
        _handle = handle;
        Name = name;
        LinkType = linkType;
        NanosecondTimestamps = nanosecondTimestamps;
        _fractionToNs = nanosecondTimestamps ? 1 : 1000;
        ActivationWarning = warning;
    }

    /// <summary>The interface name.</summary>
    public string Name { get; }

    /// <summary>The interface's link-layer type (pcap_datalink), carried by every frame.</summary>
    public LinkType LinkType { get; }

    /// <summary>True when the kernel delivers nanosecond time stamps; otherwise they are microseconds scaled to nanoseconds.</summary>
    public bool NanosecondTimestamps { get; }

    /// <summary>A warning libpcap gave while starting (e.g. promiscuous mode not supported); capture works regardless.</summary>
    public string? ActivationWarning { get; }

    /// <summary>Set when capture stopped because of an error (e.g. the interface went away).</summary>
    public CaptureProblem? Problem => _problem;

    /// <summary>Opens and starts a capture. Throws <see cref="LiveCaptureException"/> with an operator-facing message when it cannot.</summary>
    public static LivePacketSource Open(LiveCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Interface, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.SnapLength, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BufferSizeBytes, nameof(options));
        // libpcap treats a negative timeout as "never block" on some platforms; we only offer waiting.
        ArgumentOutOfRangeException.ThrowIfNegative(options.ReadTimeoutMs, nameof(options));

        PcapLibrary.EnsureLoaded();
        string iface = options.Interface;
        byte* errbuf = stackalloc byte[PcapNative.ErrbufSize];
        errbuf[0] = 0;
        var handle = PcapNative.pcap_create(iface, errbuf);
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new LiveCaptureException(LiveCaptureError.Other, $"Could not create a capture for '{iface}': {PcapNative.Errbuf(errbuf)}");
        }

        try
        {
            Check(handle, iface, "snapshot length", PcapNative.pcap_set_snaplen(handle, options.SnapLength));
            Check(handle, iface, "promiscuous mode", PcapNative.pcap_set_promisc(handle, options.Promiscuous ? 1 : 0));
            Check(handle, iface, "immediate mode", PcapNative.pcap_set_immediate_mode(handle, options.ImmediateMode ? 1 : 0));
            Check(handle, iface, "buffer size", PcapNative.pcap_set_buffer_size(handle, options.BufferSizeBytes));
            Check(handle, iface, "read timeout", PcapNative.pcap_set_timeout(handle, options.ReadTimeoutMs));
            // Nanosecond stamps are asked for, not required: a platform without them keeps microseconds.
            _ = PcapNative.pcap_set_tstamp_precision(handle, PcapNative.TstampPrecisionNano);

            int status = PcapNative.pcap_activate(handle);
            if (status < 0) throw LiveCaptureErrors.FromActivateStatus(status, iface, PcapNative.ErrorText(handle, status), ListInterfaces);
            string? warning = status > 0 ? PcapNative.ErrorText(handle, status) : null;

            if (options.Filter is { } filter) SetFilter(handle, iface, filter);

            int dlt = PcapNative.pcap_datalink(handle);
            if (dlt is < 0 or > ushort.MaxValue)
                throw new LiveCaptureException(LiveCaptureError.Other, $"libpcap reported no usable link type for '{iface}' ({dlt})");
            bool nano = PcapNative.pcap_get_tstamp_precision(handle) == PcapNative.TstampPrecisionNano;
            // DLT and LINKTYPE values agree for the link types we decode; DLT_RAW (12 on Linux) has its own enum member.
            return new LivePacketSource(handle, iface, (LinkType)dlt, nano, warning);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next frame: <see cref="ReadResult.Packet"/>, <see cref="ReadResult.Timeout"/> when nothing arrived within the
    /// read timeout, or <see cref="ReadResult.EndOfStream"/> after <see cref="BreakLoop"/> or a capture error (then
    /// <see cref="Problem"/> says which). The frame's data is valid until the next call.
    /// </summary>
    public ReadResult Read(out RawFrame frame)
    {
        frame = default;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended || _stopRequested)
        {
            _ended = true;
            return ReadResult.EndOfStream;
        }

        PcapPacketHeader* header;
        byte* data;
        int rc = PcapNative.pcap_next_ex(_handle, &header, &data);
        switch (rc)
        {
            case 1:
                int caplen = (int)header->CapturedLength;
                _bytesDelivered += caplen;
                long ts = (long)header->Seconds * 1_000_000_000L + (long)header->Fraction * _fractionToNs;
                frame = new RawFrame(new ReadOnlySpan<byte>(data, caplen), ts, (int)header->OriginalLength, LinkType, 0, ++_frameNumber);
                return ReadResult.Packet;
            case 0:
                return ReadResult.Timeout;
            case PcapNative.ErrorBreak:
                _ended = true;
                return ReadResult.EndOfStream;
            default:
                _ended = true;
                // Not an exception: the interface went down or away mid-capture; what was read stays valid.
                _problem = new CaptureProblem(CaptureProblemKind.IoError, Name, _bytesDelivered,
                    $"capture failed after {_frameNumber} frames: {PcapNative.ErrorText(_handle, rc)}");
                return ReadResult.EndOfStream;
        }
    }

    /// <summary>
    /// Counters since the capture was opened. Callable from any thread. libpcap's counters are 32-bit; wrap-around is
    /// corrected as long as this is called at least once per 2^32 packets.
    /// </summary>
    public CaptureStatistics GetStatistics()
    {
        PcapStat stats;
        lock (_statsLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (PcapNative.pcap_stats(_handle, &stats) != 0)
                throw new LiveCaptureException(LiveCaptureError.Other, $"pcap_stats failed on '{Name}': {PcapNative.ErrorText(_handle, PcapNative.Error)}");
            if (stats.Received < _lastStats.Received) _receivedHigh += 1UL << 32;
            if (stats.Dropped < _lastStats.Dropped) _droppedHigh += 1UL << 32;
            if (stats.InterfaceDropped < _lastStats.InterfaceDropped) _ifDroppedHigh += 1UL << 32;
            _lastStats = stats;
            return new CaptureStatistics(_receivedHigh + stats.Received, _droppedHigh + stats.Dropped, _ifDroppedHigh + stats.InterfaceDropped);
        }
    }

    /// <summary>
    /// Makes a blocked (or the next) <see cref="Read"/> return <see cref="ReadResult.EndOfStream"/>; every later Read does too.
    /// Safe from any thread, and a no-op once disposed.
    /// </summary>
    public void BreakLoop()
    {
        _stopRequested = true;
        if (_handle.IsClosed) return;
        try
        {
            PcapNative.pcap_breakloop(_handle);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and the call: nothing left to wake.
        }
    }

    /// <summary>The names of the interfaces libpcap can capture on (pcap_findalldevs), in its order.</summary>
    public static IReadOnlyList<string> ListInterfaces()
    {
        PcapLibrary.EnsureLoaded();
        byte* errbuf = stackalloc byte[PcapNative.ErrbufSize];
        errbuf[0] = 0;
        PcapIf* devices;
        if (PcapNative.pcap_findalldevs(&devices, errbuf) != 0)
            throw new LiveCaptureException(LiveCaptureError.Other, "Could not list capture interfaces: " + PcapNative.Errbuf(errbuf));
        try
        {
            var names = new List<string>();
            for (var d = devices; d is not null; d = d->Next) names.Add(PcapNative.Text(d->Name));
            return names;
        }
        finally
        {
            if (devices is not null) PcapNative.pcap_freealldevs(devices);
        }
    }

    /// <summary>Stops and closes the capture. Idempotent. Call it from the reader thread, or after the reader stopped.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        BreakLoop();
        _disposed = true;
        lock (_statsLock) _handle.Dispose();
    }

    private static void SetFilter(PcapHandle handle, string iface, string filter)
    {
        BpfProgram program;
        if (PcapNative.pcap_compile(handle, &program, filter, 1, PcapNative.NetmaskUnknown) != 0)
            throw LiveCaptureErrors.BadFilter(iface, filter, PcapNative.ErrorText(handle, PcapNative.Error));
        try
        {
            if (PcapNative.pcap_setfilter(handle, &program) != 0)
                throw LiveCaptureErrors.BadFilter(iface, filter, PcapNative.ErrorText(handle, PcapNative.Error));
        }
        finally
        {
            PcapNative.pcap_freecode(&program);
        }
    }

    private static void Check(PcapHandle handle, string iface, string what, int status)
    {
        // These setters fail only on an already active handle, i.e. a bug here; say so plainly anyway.
        if (status != 0)
            throw new LiveCaptureException(LiveCaptureError.Other, $"Could not set {what} for '{iface}': {PcapNative.ErrorText(handle, status)}");
    }
}
