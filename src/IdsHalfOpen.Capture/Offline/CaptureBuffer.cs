using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// A forward-only window over the bytes of a capture, addressed by one unmanaged pointer so the readers work on spans
/// without bounds to re-check: a pinned buffer rented from <see cref="ArrayPool{T}"/>, filled by Stream.Read (one
/// read(2) per refill for a plain file, which is opened unbuffered) and refilled by moving the unread tail to the front.
/// It doubles only when it is full and the stream still has data, so a corrupt length claim can at most double it over
/// what the stream really holds, and readers cap what they ask for at the largest legal record.
/// </summary>
/// <remarks>
/// Plain files used to be memory-mapped in sliding 32 MiB views, so that no byte was copied. On a virtual machine,
/// setting up the page tables for the mapped pages cost more than everything else the reader did: reading a 3 GB
/// capture took 1.7 s mapped against 0.34 s copied into this buffer (the kernel copies at memory speed into a buffer
/// that stays in the cache, and no page table changes). A copy it is, for every input.
/// Spans handed out stay valid until the next <see cref="Ensure"/>/<see cref="Skip"/> call.
/// </remarks>
internal sealed unsafe class CaptureBuffer : IDisposable
{
    /// <summary>Initial size of a stream buffer: big enough that refills (one Stream.Read each) are rare.</summary>
    internal const int InitialStreamBuffer = 1 << 20;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[]? _array;
    private GCHandle _pin;

    private byte* _base;     // first byte of the window
    private long _baseOffset; // stream offset of _base[0]
    private long _pos;        // index of the next unread byte in the window
    private long _end;        // number of valid bytes in the window
    private bool _eof;
    private bool _disposed;

    private CaptureBuffer(Stream stream, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        Attach(ArrayPool<byte>.Shared.Rent(InitialStreamBuffer));
    }

    public static CaptureBuffer FromStream(Stream stream, bool leaveOpen) => new(stream, leaveOpen);

    /// <summary>Offset in the (decompressed) stream of the next unread byte.</summary>
    public long Position => _baseOffset + _pos;

    /// <summary>Bytes available in the window without reading more.</summary>
    public long Buffered => _end - _pos;

    /// <summary>Capacity of the buffer; tests use it to check buffers stay bounded.</summary>
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
    /// the buffer. Records are read once, front to back, a few hundred bytes apart: the hardware prefetcher stops at
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

        if (_eof || Failure is not null) return false;
        ObjectDisposedException.ThrowIf(_disposed, this);
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
        if (_eof || Failure is not null) return false;
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

    private int ReadStream(int offset, int count)
    {
        int n;
        try
        {
            n = _stream.Read(_array!, offset, count);
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
        Release();
        _end = 0;
        _pos = 0;
        if (!_leaveOpen) _stream.Dispose();
    }
}
