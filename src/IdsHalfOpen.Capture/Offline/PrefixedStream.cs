namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// A read-only, forward-only stream that yields some bytes already taken from <c>inner</c> before the rest of it:
/// format sniffing consumes the magic number even from streams that cannot seek back.
/// </summary>
internal sealed class PrefixedStream : Stream
{
    private readonly byte[] _prefix;
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private int _prefixUsed;

    public PrefixedStream(byte[] prefix, Stream inner, bool leaveOpen)
    {
        _prefix = prefix;
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_prefixUsed < _prefix.Length)
        {
            int n = Math.Min(buffer.Length, _prefix.Length - _prefixUsed);
            _prefix.AsSpan(_prefixUsed, n).CopyTo(buffer);
            _prefixUsed += n;
            return n;
        }

        return _inner.Read(buffer);
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_leaveOpen) _inner.Dispose();
        base.Dispose(disposing);
    }
}
