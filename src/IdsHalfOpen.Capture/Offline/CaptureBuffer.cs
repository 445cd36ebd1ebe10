using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// A forward-only window over the bytes of a capture, addressed by one unmanaged pointer so the readers run the same
/// code for both inputs:
/// <list type="bullet">
/// <item>a memory-mapped plain file: the window is a view of up to <see cref="MapWindowBytes"/> that slides forward
/// (re-mapped at the first unread byte when a record reaches past it); nothing is ever copied or read per packet.
/// Mapping the whole file at once made every page read stay in the process's resident set, so replaying a 3 GB
/// capture counted 3 GB of RSS; a sliding view bounds that at the window size;</item>
/// <item>a stream (gzip, pipe, test stream): a pinned buffer rented from <see cref="ArrayPool{T}"/>, refilled by
/// moving the unread tail to the front. It doubles only when it is full and the stream still has data, so a corrupt
/// length claim can at most double it over what the stream really holds, and readers cap what they ask for at the
/// largest legal record.</item>
/// </list>
/// Spans handed out stay valid until the next <see cref="Ensure"/>/<see cref="Skip"/> call.
/// </summary>
internal sealed unsafe class CaptureBuffer : IDisposable
{
    /// <summary>Initial size of a stream buffer: big enough that refills (one Stream.Read each) are rare.</summary>
    internal const int InitialStreamBuffer = 1 << 20;

    /// <summary>Size of a mapped view: large enough that re-mapping (two system calls) is rare, small beside RAM.</summary>
    internal const long MapWindowBytes = 32L << 20;

    private readonly Stream? _stream;
    private readonly bool _leaveOpen;
    private readonly MemoryMappedFile? _map;
    private readonly long _fileLength;
    private MemoryMappedViewAccessor? _view;
    private byte[]? _array;
    private GCHandle _pin;

    private byte* _base;     // first byte of the window
    private long _baseOffset; // stream offset of _base[0]
    private long _pos;        // index of the next unread byte in the window
    private long _end;        // number of valid bytes in the window
    private bool _eof;
    private bool _disposed;

    private CaptureBuffer(MemoryMappedFile map, long length)
    {
        _map = map;
        _fileLength = length;
        _eof = true;
        MapWindow(0, 0);
    }

    private CaptureBuffer(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Attach(ArrayPool<byte>.Shared.Rent(InitialStreamBuffer));
    }

    /// <summary>Maps the whole of a regular, non-empty file read-only; the stream is owned afterwards.</summary>
    public static CaptureBuffer MapFile(FileStream file)
    {
        long length = file.Length;
        var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            return new CaptureBuffer(map, length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public static CaptureBuffer FromStream(Stream stream, bool leaveOpen) => new(stream, leaveOpen);

    /// <summary>True when the bytes come from a stream (gzip, pipe) rather than a mapping.</summary>
    public bool IsStream => _stream is not null;

    /// <summary>Offset in the (decompressed) stream of the next unread byte.</summary>
    public long Position => _baseOffset + _pos;

    /// <summary>Bytes available in the window without reading more.</summary>
    public long Buffered => _end - _pos;

    /// <summary>Capacity of the stream buffer (0 for a mapping); tests use it to check buffers stay bounded.</summary>
    public int StreamBufferCapacity => _array?.Length ?? 0;

    /// <summary>The exception that ended the stream early (I/O error, corrupt or truncated gzip data), if any.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Makes at least <paramref name="count"/> bytes available at the current position; false when the input ends
    /// first (whatever was available stays available). Callers only ask for sizes they have checked to be legal.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => _end - _pos >= count || Refill(count);

    /// <summary>A span over bytes already made available by <see cref="Ensure"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int count) => new(_base + _pos, count);

    /// <summary>A span at <paramref name="offset"/> from the current position, inside bytes made available by <see cref="Ensure"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ReadOnlySpan<byte> Peek(int offset, int count) => new(_base + _pos + offset, count);

    /// <summary>
    /// Asks the CPU to start loading the bytes <see cref="PrefetchDistance"/> ahead of the current position, if they are in
    /// the window. Records are read once, front to back, a few hundred bytes apart: the hardware prefetcher stops at
    /// every 4 KiB page, and without this the first touch of each record header was the largest cost of reading.
    /// A prefetch never faults, so the address needs no other check.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchAhead()
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && _end - _pos > PrefetchDistance)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(_base + _pos + PrefetchDistance);
        }
    }

    private const int PrefetchDistance = 8192;

    /// <summary>Consumes bytes already made available.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Advance(int count) => _pos += count;

    /// <summary>Consumes <paramref name="count"/> bytes without keeping them; false when the input ends first.</summary>
    public bool Skip(long count)
    {
        if (_end - _pos >= count)
        {
            _pos += count;
            return true;
        }

        if (_map is not null)
        {
            if (_disposed) return false;
            long target = Position + count;
            if (target > _fileLength)
            {
                // Nothing moves, and the window is made to reach the end so Position + Buffered is the file's length.
                if (_baseOffset + _end < _fileLength) MapWindow(Position, _fileLength - Position);
                return false;
            }

            MapWindow(target, 0);
            return true;
        }

        if (_stream is null || _eof || Failure is not null) return false;
        long remaining = count - (_end - _pos);
        _baseOffset += _end;
        _pos = 0;
        _end = 0;
        while (true)
        {
            int n = ReadStream(0, _array!.Length);
            if (n == 0) return false;
            if (n >= remaining)
            {
                _end = n;
                _pos = remaining;
                return true;
            }

            _baseOffset += n;
            remaining -= n;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Refill(int count)
    {
        if (_map is not null)
        {
            // The view already reaches the end of the file: what is buffered is all there is.
            if (_disposed || _baseOffset + _end >= _fileLength) return false;
            MapWindow(Position, count);
            return _end - _pos >= count;
        }

        if (_stream is null || _eof || Failure is not null) return false;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pos > 0)
        {
            // Move the unread tail (less than one record) to the front.
            int unread = (int)(_end - _pos);
            _array.AsSpan((int)_pos, unread).CopyTo(_array);
            _baseOffset += _pos;
            _pos = 0;
            _end = unread;
        }

        while (_end < count)
        {
            if (_end == _array!.Length) Grow();
            int n = ReadStream((int)_end, _array!.Length - (int)_end);
            if (n == 0) return false;
            _end += n;
        }

        return true;
    }

    /// <summary>
    /// Maps a view starting at file offset <paramref name="offset"/> of at least <paramref name="minBytes"/> (and at least
    /// <see cref="MapWindowBytes"/>), cut at the end of the file, and releases the previous one.
    /// </summary>
    private void MapWindow(long offset, long minBytes)
    {
        ReleaseView();
        long size = Math.Min(Math.Max(MapWindowBytes, minBytes), _fileLength - offset);
        _baseOffset = offset;
        _pos = 0;
        _end = 0;
        if (size <= 0) return;
        var view = _map!.CreateViewAccessor(offset, size, MemoryMappedFileAccess.Read);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _view = view;
        _base = p + view.PointerOffset;
        _end = size;

        // Every byte of the window is read once, front to back: mapping its pages in one call is cheaper than taking a
        // page fault every few records (fault-around maps only 64 KiB at a time). Advice only; a failure changes nothing.
        if (OperatingSystem.IsLinux()) _ = MappingNative.madvise(p, (nuint)(size + view.PointerOffset), MappingNative.MadvPopulateRead);
    }

    private void ReleaseView()
    {
        if (_view is null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _view = null;
        _base = null;
    }

    private int ReadStream(int offset, int count)
    {
        int n;
        try
        {
            n = _stream!.Read(_array!, offset, count);
        }
        catch (IOException e)
        {
            Failure = e;
            return 0;
        }
        catch (InvalidDataException e)
        {
            // GZipStream reports corrupt and truncated compressed data this way.
            Failure = e;
            return 0;
        }

        if (n == 0) _eof = true;
        return n;
    }

    private void Grow()
    {
        var old = _array!;
        var bigger = ArrayPool<byte>.Shared.Rent(old.Length * 2);
        old.AsSpan(0, (int)_end).CopyTo(bigger);
        Release();
        Attach(bigger);
    }

    private void Attach(byte[] array)
    {
        _array = array;
        _pin = GCHandle.Alloc(array, GCHandleType.Pinned);
        _base = (byte*)_pin.AddrOfPinnedObject();
    }

    private void Release()
    {
        if (_array is null) return;
        _pin.Free();
        ArrayPool<byte>.Shared.Return(_array);
        _array = null;
        _base = null;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_map is not null)
        {
            ReleaseView();
            _map.Dispose();
            _end = 0;
            _pos = 0;
        }
        else
        {
            Release();
            _end = 0;
            _pos = 0;
            if (!_leaveOpen) _stream!.Dispose();
        }
    }
}
