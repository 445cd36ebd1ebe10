namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// How far an offline source has read its file, for progress display. Both figures count bytes of the file on disk
/// (compressed bytes for a gzip file), so their ratio is the share read. Cheap to read: no system call.
/// </summary>
public interface IReadProgress
{
    /// <summary>Bytes of the file consumed so far (a gzip file's reader may have read a buffer ahead of the frames returned).</summary>
    long BytesRead { get; }

    /// <summary>Size of the file when it was opened; -1 for a stream of unknown length.</summary>
    long TotalBytes { get; }
}
