namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// What the pcap and pcapng readers share: the byte window, frame numbering, and turning the end of the input into
/// a clean end or a <see cref="CaptureProblem"/>.
/// </summary>
internal abstract class OfflineReader : IPacketSource, IReadProgress
{
    /// <summary>libpcap's largest snapshot length; a record may always be this long whatever the header says.</summary>
    internal const int DefaultMaxRecord = 262144;

    /// <summary>
    /// Ceiling on a snapshot length taken from a header: larger values (some writers put 0x7fffffff or 0xffffffff
    /// there) are not evidence that 2 GB records exist, and a stream buffer must never grow that far.
    /// </summary>
    internal const int MaxSnapLength = 16 << 20;

    private protected readonly CaptureBuffer _in;
    private protected long _frameNumber;
    private protected bool _done;
    private bool _disposed;
    private FileStream? _compressedFile;
    private long _totalBytes = -1;

    private protected OfflineReader(CaptureBuffer input, string name, bool gzip)
    {
        _in = input;
        Name = name;
        IsGzip = gzip;
    }

    public string Name { get; }

    public CaptureProblem? Problem { get; private set; }

    /// <summary>True when the file was gzip-compressed: offsets then count bytes of the decompressed data.</summary>
    public bool IsGzip { get; }

    public long BytesRead => _compressedFile is { } f ? f.Position : _in.Position;

    public long TotalBytes => _totalBytes;

    /// <summary>
    /// Tells the reader which file it reads, for <see cref="IReadProgress"/>. A gzip file's progress is the position in
    /// the compressed file (FileStream keeps it without a system call); a plain one's is the reader's own offset.
    /// </summary>
    internal void SetFile(FileStream file, long length, bool compressed)
    {
        _totalBytes = length;
        _compressedFile = compressed ? file : null;
    }

    /// <summary>Size of the read buffer; lets tests check it stays bounded.</summary>
    internal int BufferCapacity => _in.StreamBufferCapacity;

    public abstract ReadResult Read(out RawFrame frame);

    /// <summary>The record size limit for a header's snapshot length: max(snaplen, 262144), snaplen capped.</summary>
    internal static int RecordLimit(uint snapLength) =>
        snapLength <= DefaultMaxRecord ? DefaultMaxRecord : (int)Math.Min(snapLength, (uint)MaxSnapLength);

    /// <summary>Called when the reader is already finished; a disposed source is a programming error.</summary>
    private protected ReadResult Finished()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReadResult.EndOfStream;
    }

    /// <summary>
    /// The input ran out while a record starting at <paramref name="recordStart"/> was wanted: a clean end when
    /// nothing of that record was there, otherwise a truncated record (or the read failure that stopped us).
    /// </summary>
    private protected ReadResult EndOfInput(long recordStart, string what)
    {
        _done = true;
        var failure = _in.Failure;
        long reached = _in.Position + _in.Buffered;
        if (failure is InvalidDataException)
        {
            Problem = new CaptureProblem(CaptureProblemKind.CorruptRecord, Name, recordStart,
                $"gzip data is corrupt after {reached} decompressed bytes ({failure.Message}); reading stopped at the record starting here{Where}");
        }
        else if (failure is not null)
        {
            Problem = new CaptureProblem(CaptureProblemKind.IoError, Name, recordStart,
                $"read failed after {reached} bytes ({failure.Message}); reading stopped at the record starting here{Where}");
        }
        else if (_in.Position != recordStart || _in.Buffered != 0)
        {
            Problem = new CaptureProblem(CaptureProblemKind.TruncatedRecord, Name, recordStart,
                $"file ends inside {what} ({reached - recordStart} bytes present){Where}");
        }

        return ReadResult.EndOfStream;
    }

    /// <summary>Stops reading at an impossible record header.</summary>
    private protected ReadResult Corrupt(long recordStart, string message)
    {
        _done = true;
        Problem = new CaptureProblem(CaptureProblemKind.CorruptRecord, Name, recordStart, message + Where);
        return ReadResult.EndOfStream;
    }

    /// <summary>Appended to problem messages so nobody looks for a gzip file's offsets in the compressed bytes.</summary>
    private protected string Where => IsGzip ? " (offset counts bytes of the decompressed gzip data)" : "";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _done = true;
        _in.Dispose();
    }
}
