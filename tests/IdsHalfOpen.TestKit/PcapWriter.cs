using System.Buffers.Binary;
using IdsHalfOpen.Capture;

namespace IdsHalfOpen.TestKit;

/// <summary>Writes classic libpcap files in either byte order with micro- or nanosecond timestamps.</summary>
public sealed class PcapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _bigEndian;
    private readonly bool _nanoseconds;
    private readonly int _snapLength;
    private readonly byte[] _header = new byte[16];

    public PcapWriter(Stream stream, LinkType linkType, int snapLength = 262144, bool nanoseconds = false, bool bigEndian = false)
    {
        _stream = stream;
        _bigEndian = bigEndian;
        _nanoseconds = nanoseconds;
        _snapLength = snapLength;
        Span<byte> fh = stackalloc byte[24];
        WriteU32(fh, nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        WriteU16(fh[4..], 2);
        WriteU16(fh[6..], 4);
        WriteU32(fh[8..], 0);
        WriteU32(fh[12..], 0);
        WriteU32(fh[16..], (uint)snapLength);
        WriteU32(fh[20..], (uint)linkType);
        _stream.Write(fh);
    }

    /// <summary>Writes one record; data longer than the snapshot length is cut, keeping the wire length.</summary>
    public void Write(long timestampNs, ReadOnlySpan<byte> data, int? originalLength = null)
    {
        var captured = data.Length > _snapLength ? data[.._snapLength] : data;
        long seconds = Math.DivRem(timestampNs, 1_000_000_000L, out long fraction);
        WriteU32(_header, (uint)seconds);
        WriteU32(_header.AsSpan(4), (uint)(_nanoseconds ? fraction : fraction / 1000));
        WriteU32(_header.AsSpan(8), (uint)captured.Length);
        WriteU32(_header.AsSpan(12), (uint)(originalLength ?? data.Length));
        _stream.Write(_header);
        _stream.Write(captured);
    }

    private void WriteU32(Span<byte> s, uint v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    private void WriteU16(Span<byte> s, ushort v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    public void Dispose() => _stream.Flush();
}
