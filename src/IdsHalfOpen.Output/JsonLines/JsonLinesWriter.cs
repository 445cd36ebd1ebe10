using System.Buffers;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.JsonLines;

/// <summary>
/// Writes documents as JSON lines (one compact object, then <c>\n</c>) to a file or to standard output.
/// Each document is built in a reused buffer and copied whole into an output buffer that goes to the stream only at
/// line boundaries, so readers never see a torn line from us, and concurrent writers (tracker shards) never
/// interleave: everything happens under one lock. Steady state allocates nothing per document.
/// I/O failures surface as <see cref="OutputException"/> naming the target; the caller decides what to do. The lines
/// that were pending when a write failed are dropped rather than retried forever.
/// </summary>
public sealed class JsonLinesWriter : IDisposable
{
    /// <summary>The path that means standard output.</summary>
    public const string StandardOutputPath = "-";

    public const int DefaultBufferSize = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly byte[] _pending;
    private int _pendingCount;
    private bool _disposed;

    /// <param name="stream">Destination; written only with whole lines.</param>
    /// <param name="target">Name used in error messages: the path, or "-".</param>
    /// <param name="ownsStream">Dispose <paramref name="stream"/> with this writer (not for standard output).</param>
    /// <param name="autoFlush">Push every line to the stream at once (alerts: rare and wanted immediately by tail -f).</param>
    /// <param name="bufferSize">Output buffer; lines are batched up to this size between flushes.</param>
    public JsonLinesWriter(Stream stream, string target, bool ownsStream, bool autoFlush = false, int bufferSize = DefaultBufferSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        if (!stream.CanWrite) throw new ArgumentException($"the stream for '{target}' is not writable", nameof(stream));
        _stream = stream;
        _ownsStream = ownsStream;
        Target = target;
        AutoFlush = autoFlush;
        _pending = new byte[bufferSize];
        _json = new Utf8JsonWriter(_line, EcsJson.WriterOptions);
    }

    /// <summary>The path, or "-" for standard output.</summary>
    public string Target { get; }

    public bool AutoFlush { get; }

    /// <summary>Lines accepted so far (including those still buffered).</summary>
    public long LinesWritten { get; private set; }

    /// <summary>
    /// Opens <paramref name="path"/> for writing, or standard output for "-" (<paramref name="standardOutput"/> when
    /// given, e.g. by a test; it is flushed but never closed). A file is appended to by default, so a restarted
    /// sensor keeps the alerts it wrote before; it is created if missing, but its folder must exist.
    /// </summary>
    /// <exception cref="OutputException">The file cannot be opened; the message names it.</exception>
    public static JsonLinesWriter Open(string path, bool append = true, bool autoFlush = false, Stream? standardOutput = null, int bufferSize = DefaultBufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == StandardOutputPath)
        {
            return new JsonLinesWriter(standardOutput ?? Console.OpenStandardOutput(), path, ownsStream: false, autoFlush, bufferSize);
        }

        FileStream file;
        try
        {
            // No FileStream buffer: ours already batches whole lines, and a second copy would split them.
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = append ? FileMode.Append : FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.Read,
                BufferSize = 0,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new OutputException(path, $"cannot open '{path}' for writing: {e.Message}", e);
        }

        return new JsonLinesWriter(file, path, ownsStream: true, autoFlush, bufferSize);
    }

    /// <summary>Writes one document as one line.</summary>
    /// <exception cref="OutputException">The stream failed.</exception>
    public void Write<T>(IDocumentWriter<T> documents, T value)
    {
        ArgumentNullException.ThrowIfNull(documents);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _line.ResetWrittenCount();
            _json.Reset(_line);
            documents.Write(_json, value);
            _json.Flush();
            if (_json.CurrentDepth != 0 || _line.WrittenCount == 0)
            {
                throw new InvalidOperationException($"{documents.GetType().Name} left an incomplete document");
            }

            _line.GetSpan(1)[0] = (byte)'\n';
            _line.Advance(1);
            Append(_line.WrittenSpan);
            LinesWritten++;
            if (AutoFlush) FlushCore();
        }
    }

    /// <summary>Pushes buffered lines to the stream and flushes it.</summary>
    /// <exception cref="OutputException">The stream failed.</exception>
    public void Flush()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushCore();
        }
    }

    /// <summary>Flushes, then closes the stream if owned. A flush failure is still thrown, after closing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            try
            {
                FlushCore();
            }
            finally
            {
                _json.Dispose();
                if (_ownsStream) CloseStream();
            }
        }
    }

    private void Append(ReadOnlySpan<byte> line)
    {
        if (line.Length > _pending.Length - _pendingCount) WritePending();
        if (line.Length > _pending.Length)
        {
            WriteToStream(line);
            return;
        }

        line.CopyTo(_pending.AsSpan(_pendingCount));
        _pendingCount += line.Length;
    }

    private void FlushCore()
    {
        WritePending();
        try
        {
            _stream.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw Failure(e);
        }
    }

    private void WritePending()
    {
        if (_pendingCount == 0) return;
        int count = _pendingCount;
        _pendingCount = 0; // dropped on failure: the caller has been told, and a retry loop would only repeat it
        WriteToStream(_pending.AsSpan(0, count));
    }

    private void WriteToStream(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _stream.Write(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw Failure(e);
        }
    }

    private void CloseStream()
    {
        try
        {
            _stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw Failure(e);
        }
    }

    private OutputException Failure(Exception e) =>
        new(Target, Target == StandardOutputPath ? $"cannot write to standard output: {e.Message}" : $"cannot write to '{Target}': {e.Message}", e);
}
