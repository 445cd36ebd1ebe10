using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// Packets from a network interface through libpcap. One reader thread calls <see cref="Read"/> in a loop;
/// <see cref="ReadResult.Timeout"/> comes back at least every <see cref="LiveCaptureOptions.ReadTimeoutMs"/> so the
/// reader can check its CancellationToken, and <see cref="BreakLoop"/> from any thread ends a wait at once.
/// libpcap copies each frame into one buffer it reuses, and the frame points there: nothing is allocated per packet.
/// </summary>
public sealed unsafe class LivePacketSource : IPacketSource
{
    private readonly PcapHandle _handle;
    private readonly SafeFileHandle _wakeEvent;
    private readonly int _captureFd;
    private readonly int _readTimeoutMs;
    private readonly long _fractionToNs;
    private readonly Lock _statsLock = new();
    private volatile bool _stopRequested;
    private volatile bool _disposed;
    private bool _ended;
    private long _frameNumber;
    private long _bytesDelivered;
    private CaptureProblem? _problem;
    private WrappingCounter _received, _dropped, _interfaceDropped;

    private LivePacketSource(PcapHandle handle, SafeFileHandle wakeEvent, int captureFd, int readTimeoutMs, string name, LinkType linkType,
        bool nanosecondTimestamps, string? warning)
    {
        _handle = handle;
        _wakeEvent = wakeEvent;
        _captureFd = captureFd;
        _readTimeoutMs = readTimeoutMs;
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

        SafeFileHandle? wake = null;
        try
        {
            Check(handle, iface, "snapshot length", PcapNative.pcap_set_snaplen(handle, options.SnapLength));
            Check(handle, iface, "promiscuous mode", PcapNative.pcap_set_promisc(handle, options.Promiscuous ? 1 : 0));
            Check(handle, iface, "immediate mode", PcapNative.pcap_set_immediate_mode(handle, options.ImmediateMode ? 1 : 0));
            Check(handle, iface, "buffer size", PcapNative.pcap_set_buffer_size(handle, options.BufferSizeBytes));
            // Read waits by itself (see below), so libpcap's timeout only bounds how long the kernel holds packets in a
            // partly filled block when immediate mode is off; never let a long (or unlimited) read timeout delay packets.
            int bufferTimeoutMs = options.ReadTimeoutMs == 0 ? 100 : Math.Min(options.ReadTimeoutMs, 100);
            Check(handle, iface, "buffer timeout", PcapNative.pcap_set_timeout(handle, bufferTimeoutMs));
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

            // Non-blocking: on Linux a blocking pcap_next_ex never returns while no packet arrives, whatever the
            // timeout, so Read waits itself with poll() and can both time out and be woken by BreakLoop.
            if (PcapNative.pcap_setnonblock(handle, 1, errbuf) != 0)
                throw new LiveCaptureException(LiveCaptureError.Other, $"Could not make the capture on '{iface}' non-blocking: {PcapNative.Errbuf(errbuf)}");
            int fd = PcapNative.pcap_get_selectable_fd(handle);
            if (fd < 0) throw new LiveCaptureException(LiveCaptureError.Other, $"libpcap gave no pollable descriptor for '{iface}'");
            int efd = LibcNative.eventfd(0, LibcNative.EfdNonblock | LibcNative.EfdCloexec);
            if (efd < 0)
                throw new LiveCaptureException(LiveCaptureError.Other, $"eventfd failed (errno {Marshal.GetLastPInvokeError()}) while opening '{iface}'");
            wake = new SafeFileHandle(efd, ownsHandle: true);

            // DLT and LINKTYPE values agree for the link types we decode; DLT_RAW (12 on Linux) has its own enum member.
            return new LivePacketSource(handle, wake, fd, options.ReadTimeoutMs, iface, (LinkType)dlt, nano, warning);
        }
        catch
        {
            wake?.Dispose();
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
        long deadline = _readTimeoutMs == 0 ? long.MaxValue : Environment.TickCount64 + _readTimeoutMs;
        while (true)
        {
            if (_ended || _stopRequested)
            {
                _ended = true;
                return ReadResult.EndOfStream;
            }

            PcapPacketHeader* header;
            byte* data;
            int rc = PcapNative.pcap_next_ex(_handle, &header, &data);
            if (rc == 1)
            {
                int caplen = (int)header->CapturedLength;
                _bytesDelivered += caplen;
                long ts = (long)header->Seconds * 1_000_000_000L + (long)header->Fraction * _fractionToNs;
                frame = new RawFrame(new ReadOnlySpan<byte>(data, caplen), ts, (int)header->OriginalLength, LinkType, 0, ++_frameNumber);
                return ReadResult.Packet;
            }

            if (rc == PcapNative.ErrorBreak) continue; // BreakLoop raced the read; the flag check above ends it
            if (rc < 0)
                return Fail(PcapNative.ErrorText(_handle, rc));

            // rc == 0: nothing buffered. Wait for the socket, the wake event or the deadline.
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0) return ReadResult.Timeout;
            int waitMs = remaining > int.MaxValue || deadline == long.MaxValue ? -1 : (int)remaining;
            var required = PcapNative.pcap_get_required_select_timeout(_handle);
            if (required is not null)
            {
                // libpcap saw the interface go down and must be asked again soon to learn whether it vanished.
                int requiredMs = (int)Math.Max(1, Math.Min(1000, (long)required->Seconds * 1000 + (long)required->Microseconds / 1000));
                waitMs = waitMs < 0 ? requiredMs : Math.Min(waitMs, requiredMs);
            }

            if (!Wait(waitMs, out string? error)) return Fail(error!);
        }
    }

    /// <summary>poll() on the capture socket and the wake event; false with a message when poll itself fails.</summary>
    private bool Wait(int timeoutMs, out string? error)
    {
        error = null;
        bool addedRef = false;
        try
        {
            _wakeEvent.DangerousAddRef(ref addedRef); // the descriptor number must not be reused while we poll it
            var fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = _captureFd, Events = LibcNative.PollIn };
            fds[1] = new PollFd { Fd = (int)_wakeEvent.DangerousGetHandle(), Events = LibcNative.PollIn };
            if (LibcNative.poll(fds, 2, timeoutMs) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != LibcNative.Eintr) error = $"poll failed on the capture socket (errno {errno})";
            }

            // Socket readiness, errors and hang-ups are all left to the next pcap_next_ex, which reports them properly.
            return error is null;
        }
        finally
        {
            if (addedRef) _wakeEvent.DangerousRelease();
        }
    }

    private ReadResult Fail(string message)
    {
        _ended = true;
        // Not an exception: the interface went down or away mid-capture; what was read stays valid.
        _problem = new CaptureProblem(CaptureProblemKind.IoError, Name, _bytesDelivered, $"capture failed after {_frameNumber} frames: {message}");
        return ReadResult.EndOfStream;
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
            return new CaptureStatistics(_received.Extend(stats.Received), _dropped.Extend(stats.Dropped), _interfaceDropped.Extend(stats.InterfaceDropped));
        }
    }

    /// <summary>
    /// Makes a blocked (or the next) <see cref="Read"/> return <see cref="ReadResult.EndOfStream"/>; every later Read does too.
    /// Safe from any thread, and a no-op once disposed.
    /// </summary>
    public void BreakLoop()
    {
        _stopRequested = true;
        try
        {
            // pcap_breakloop only sets libpcap's flag in non-blocking mode; the eventfd is what wakes a waiting poll().
            if (!_handle.IsClosed) PcapNative.pcap_breakloop(_handle);
            if (!_wakeEvent.IsClosed)
            {
                ulong one = 1;
                _ = LibcNative.write(_wakeEvent, &one, sizeof(ulong)); // fails only when the counter is saturated: already signalled
            }
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
        _wakeEvent.Dispose();
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
