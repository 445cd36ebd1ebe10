using System.Buffers.Binary;
using IdsHalfOpen.Capture;

namespace IdsHalfOpen.TestKit;

/// <summary>
/// Writes pcapng (draft-ietf-opsawg-pcapng): section headers in either byte order, interface descriptions
/// with if_tsresol, enhanced and simple packet blocks, and arbitrary (unknown) blocks.
/// </summary>
public sealed class PcapngWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly List<(int SnapLength, byte TsResol)> _interfaces = [];
    private bool _bigEndian;

    public PcapngWriter(Stream stream, bool bigEndian = false)
    {
        _stream = stream;
        StartSection(bigEndian);
    }

    /// <summary>Starts a new section; interfaces of earlier sections are forgotten, as the format says.</summary>
    public void StartSection(bool bigEndian = false)
    {
        _bigEndian = bigEndian;
        _interfaces.Clear();
        var body = new byte[16];
        U32(body, 0x1A2B3C4D);
        U16(body.AsSpan(4), 1);
        U16(body.AsSpan(6), 0);
        BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8), -1); // section length unknown: all ones in either order
        WriteBlock(0x0A0D0D0A, body);
    }

    /// <summary>Adds an interface; tsResol is the if_tsresol byte (6 = microseconds, 9 = nanoseconds, 0x80|n = 2^-n).</summary>
    public int AddInterface(LinkType linkType, int snapLength = 262144, byte tsResol = 6, string? name = null)
    {
        using var body = new MemoryStream();
        Span<byte> fixedPart = stackalloc byte[8];
        U16(fixedPart, (ushort)linkType);
        U16(fixedPart[2..], 0);
        U32(fixedPart[4..], (uint)snapLength);
        body.Write(fixedPart);
        if (name is not null) WriteOption(body, 2, System.Text.Encoding.UTF8.GetBytes(name));
        if (tsResol != 6) WriteOption(body, 9, [tsResol]);
        WriteOption(body, 0, []);
        WriteBlock(1, body.ToArray());
        _interfaces.Add((snapLength, tsResol));
        return _interfaces.Count - 1;
    }

    public void WriteEnhanced(int interfaceId, long timestampNs, ReadOnlySpan<byte> data, int? originalLength = null)
    {
        var (snap, resol) = _interfaces[interfaceId];
        var captured = snap > 0 && data.Length > snap ? data[..snap] : data;
        ulong ticks = ToTicks(timestampNs, resol);
        var body = new byte[20 + Pad4(captured.Length)];
        U32(body, (uint)interfaceId);
        U32(body.AsSpan(4), (uint)(ticks >> 32));
        U32(body.AsSpan(8), (uint)ticks);
        U32(body.AsSpan(12), (uint)captured.Length);
        U32(body.AsSpan(16), (uint)(originalLength ?? data.Length));
        captured.CopyTo(body.AsSpan(20));
        WriteBlock(6, body);
    }

    /// <summary>Simple packet block: no timestamp, interface 0, captured length = min(original, snaplen).</summary>
    public void WriteSimple(ReadOnlySpan<byte> data)
    {
        var body = new byte[4 + Pad4(data.Length)];
        U32(body, (uint)data.Length);
        data.CopyTo(body.AsSpan(4));
        WriteBlock(3, body);
    }

    public void WriteBlock(uint type, ReadOnlySpan<byte> body)
    {
        int total = 12 + Pad4(body.Length);
        Span<byte> word = stackalloc byte[4];
        U32(word, type);
        _stream.Write(word);
        U32(word, (uint)total);
        _stream.Write(word);
        _stream.Write(body);
        _stream.Write(new byte[Pad4(body.Length) - body.Length]);
        _stream.Write(word);
    }

    private static ulong ToTicks(long ns, byte resol)
    {
        if ((resol & 0x80) != 0)
        {
            int shift = resol & 0x7F;
            return (ulong)((UInt128)(ulong)ns * ((UInt128)1 << shift) / 1_000_000_000UL);
        }

        ulong perSecond = 1;
        for (int i = 0; i < resol; i++) perSecond *= 10;
        return (ulong)((UInt128)(ulong)ns * perSecond / 1_000_000_000UL);
    }

    private void WriteOption(Stream s, ushort code, ReadOnlySpan<byte> value)
    {
        Span<byte> head = stackalloc byte[4];
        U16(head, code);
        U16(head[2..], (ushort)value.Length);
        s.Write(head);
        s.Write(value);
        s.Write(new byte[Pad4(value.Length) - value.Length]);
    }

    private static int Pad4(int n) => (n + 3) & ~3;

    private void U32(Span<byte> s, uint v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v);
    }

    private void U16(Span<byte> s, ushort v)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v);
    }

    public void Dispose() => _stream.Flush();
}
