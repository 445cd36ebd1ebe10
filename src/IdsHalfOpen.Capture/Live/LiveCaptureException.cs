namespace IdsHalfOpen.Capture.Live;

/// <summary>Why a live capture could not be opened or configured.</summary>
public enum LiveCaptureError
{
    /// <summary>libpcap itself could not be loaded.</summary>
    LibraryMissing,
    /// <summary>The process lacks CAP_NET_RAW (or CAP_NET_ADMIN for promiscuous mode).</summary>
    PermissionDenied,
    NoSuchInterface,
    /// <summary>The BPF filter expression did not compile or could not be installed.</summary>
    BadFilter,
    InterfaceDown,
    Other,
}

/// <summary>
/// Thrown when a live capture cannot be opened: a problem of configuration or environment that the operator must fix,
/// never a problem with packet data. The message says what to do.
/// </summary>
public sealed class LiveCaptureException : CaptureException
{
    public LiveCaptureException(LiveCaptureError error, string message) : base(message) => Error = error;

    public LiveCaptureException(LiveCaptureError error, string message, Exception inner) : base(message, inner) => Error = error;

    public LiveCaptureException() : this(LiveCaptureError.Other, "live capture failed") { }

    public LiveCaptureException(string message) : this(LiveCaptureError.Other, message) { }

    public LiveCaptureException(string message, Exception inner) : this(LiveCaptureError.Other, message, inner) { }

    public LiveCaptureError Error { get; }
}
