namespace IdsHalfOpen.Capture;

public enum ReadResult
{
    /// <summary>A frame was returned.</summary>
    Packet,
    /// <summary>Live capture only: no frame arrived within the read timeout; call again.</summary>
    Timeout,
    /// <summary>The source is exhausted. <see cref="IPacketSource.Problem"/> tells whether it ended cleanly.</summary>
    EndOfStream,
}

/// <summary>
/// A pull-based packet source (offline file or live interface). Not thread-safe: one reader thread owns it.
/// </summary>
public interface IPacketSource : IDisposable
{
    /// <summary>What to call this source in messages: a file path or an interface name.</summary>
    string Name { get; }

    /// <summary>Returns the next frame. Never throws on bad packet data; a damaged file ends the stream with <see cref="Problem"/> set.</summary>
    ReadResult Read(out RawFrame frame);

    /// <summary>Set when the source ended early or skipped data (truncated last record, corrupt record).</summary>
    CaptureProblem? Problem { get; }
}

public enum CaptureProblemKind
{
    /// <summary>The file ends inside a record: every record before it was delivered.</summary>
    TruncatedRecord,
    /// <summary>A record header is impossible (length out of range, bad block type/length); reading stopped there.</summary>
    CorruptRecord,
    /// <summary>The operating system failed a read.</summary>
    IoError,
}

/// <summary>What went wrong with a source, where (byte offset in the decompressed stream) and in which source.</summary>
public sealed record CaptureProblem(CaptureProblemKind Kind, string Source, long Offset, string Message)
{
    public override string ToString() => $"{Source}: {Message} at byte offset {Offset}";
}

/// <summary>Thrown when a source cannot be opened at all (unknown magic number, corrupt file header, missing file).</summary>
public class CaptureException : Exception
{
    public CaptureException(string message) : base(message) { }

    public CaptureException(string message, Exception inner) : base(message, inner) { }

    public CaptureException() { }
}
