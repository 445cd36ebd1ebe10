using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Offline;

/// <summary>A frame as a test expects it, or as a reader returned it (data copied out of the reader's buffer).</summary>
internal sealed record FrameRecord(byte[] Data, long TimestampNs, int OriginalLength, LinkType LinkType, int InterfaceId, long FrameNumber)
{
    public static FrameRecord From(in RawFrame f) => new(f.Data.ToArray(), f.TimestampNs, f.OriginalLength, f.LinkType, f.InterfaceId, f.FrameNumber);

    public bool SameAs(FrameRecord other) =>
        Data.AsSpan().SequenceEqual(other.Data) && TimestampNs == other.TimestampNs && OriginalLength == other.OriginalLength
        && LinkType == other.LinkType && InterfaceId == other.InterfaceId && FrameNumber == other.FrameNumber;
}

/// <summary>One record or block of a built file: where it starts and ends, and the frame it carries, if any.</summary>
internal sealed record Piece(long Start, long End, FrameRecord? Frame);

/// <summary>
/// A capture built in memory with the TestKit writers, remembering where every record/block starts and ends so
/// truncation tests know independently what a reader must deliver for any prefix.
/// </summary>
internal sealed class BuiltCapture
{
    public required byte[] Bytes { get; init; }

    /// <summary>End of the file header (pcap) or of the first section header block (pcapng).</summary>
    public required long HeaderEnd { get; init; }

    public required IReadOnlyList<Piece> Pieces { get; init; }

    public IEnumerable<FrameRecord> Frames => Pieces.Where(p => p.Frame is not null).Select(p => p.Frame!);
}

/// <summary>Builds pcapng files block by block, tracking offsets; custom blocks are written in the section's byte order.</summary>
internal sealed class PcapngBuild
{
    private readonly MemoryStream _stream = new();
    private readonly PcapngWriter _writer;
    private readonly List<Piece> _pieces = [];
    private readonly List<LinkType> _links = [];
    private readonly long _headerEnd;
    private long _frameNumber;

    public PcapngBuild(bool bigEndian = false)
    {
        _writer = new PcapngWriter(_stream, bigEndian);
        BigEndian = bigEndian;
        _headerEnd = _stream.Position;
        _pieces.Add(new Piece(0, _headerEnd, null));
    }

    public bool BigEndian { get; private set; }

    /// <summary>Timestamp a simple packet block inherits: the previous packet's.</summary>
    public long LastTimestampNs { get; private set; }

    public PcapngBuild Section(bool bigEndian)
    {
        long start = _stream.Position;
        _writer.StartSection(bigEndian);
        BigEndian = bigEndian;
        _links.Clear();
        _pieces.Add(new Piece(start, _stream.Position, null));
        return this;
    }

    public int Interface(LinkType link, int snapLength = 262144, byte tsResol = 6)
    {
        long start = _stream.Position;
        int id = _writer.AddInterface(link, snapLength, tsResol, name: "eth" + _links.Count);
        _links.Add(link);
        _pieces.Add(new Piece(start, _stream.Position, null));
        return id;
    }

    /// <summary>An interface description written by hand, for options the TestKit writer lacks (if_tsoffset).</summary>
    public int InterfaceWithOffset(LinkType link, byte tsResol, long tsOffsetSeconds, int snapLength = 262144)
    {
        var b = new BodyBuilder(BigEndian).U16((ushort)link).U16(0).U32((uint)snapLength)
            .U16(9).U16(1).Bytes([tsResol]).Pad()
            .U16(14).U16(8).I64(tsOffsetSeconds)
            .U16(0).U16(0);
        // The writer's own interface list does not know this one: packets for it go through Custom blocks.
        Block(1, b.ToArray());
        _links.Add(link);
        return _links.Count - 1;
    }

    public PcapngBuild Enhanced(int interfaceId, long timestampNs, byte[] data, int? originalLength = null, int snapLength = 262144)
    {
        long start = _stream.Position;
        _writer.WriteEnhanced(interfaceId, timestampNs, data, originalLength);
        var captured = data.Length > snapLength ? data[..snapLength] : data;
        AddFrame(start, captured, timestampNs, originalLength ?? data.Length, interfaceId);
        return this;
    }

    /// <summary>An EPB with raw timestamp ticks, for interfaces made by hand; the test states the expected time.</summary>
    public PcapngBuild EnhancedTicks(int interfaceId, ulong ticks, byte[] data, long expectedNs)
    {
        var b = new BodyBuilder(BigEndian).U32((uint)interfaceId).U32((uint)(ticks >> 32)).U32((uint)ticks)
            .U32((uint)data.Length).U32((uint)data.Length).Bytes(data).Pad();
        long start = _stream.Position;
        _writer.WriteBlock(6, b.ToArray());
        AddFrame(start, data, expectedNs, data.Length, interfaceId);
        return this;
    }

    /// <summary>Obsolete packet block (type 2): 16-bit interface id, 16-bit drop count, microsecond ticks on a default interface.</summary>
    public PcapngBuild Obsolete(int interfaceId, ulong ticks, byte[] data, long expectedNs)
    {
        var b = new BodyBuilder(BigEndian).U16((ushort)interfaceId).U16(7).U32((uint)(ticks >> 32)).U32((uint)ticks)
            .U32((uint)data.Length).U32((uint)data.Length).Bytes(data).Pad();
        long start = _stream.Position;
        _writer.WriteBlock(2, b.ToArray());
        AddFrame(start, data, expectedNs, data.Length, interfaceId);
        return this;
    }

    public PcapngBuild Simple(byte[] data)
    {
        long start = _stream.Position;
        _writer.WriteSimple(data);
        AddFrame(start, data, LastTimestampNs, data.Length, 0);
        return this;
    }

    /// <summary>Any other block (statistics, name resolution, custom): readers must skip it.</summary>
    public PcapngBuild Block(uint type, byte[] body)
    {
        long start = _stream.Position;
        _writer.WriteBlock(type, body);
        _pieces.Add(new Piece(start, _stream.Position, null));
        return this;
    }

    public BuiltCapture Build() => new() { Bytes = _stream.ToArray(), HeaderEnd = _headerEnd, Pieces = [.. _pieces] };

    private void AddFrame(long start, byte[] captured, long ts, int original, int interfaceId)
    {
        LastTimestampNs = ts;
        var frame = new FrameRecord(captured, ts, original, _links[interfaceId], interfaceId, ++_frameNumber);
        _pieces.Add(new Piece(start, _stream.Position, frame));
    }
}

/// <summary>Little helper to lay out block bodies in a chosen byte order.</summary>
internal sealed class BodyBuilder(bool bigEndian)
{
    private readonly MemoryStream _m = new();

    public BodyBuilder U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _m.Write(b);
        return this;
    }

    public BodyBuilder U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _m.Write(b);
        return this;
    }

    public BodyBuilder I64(long v)
    {
        Span<byte> b = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b, v); else BinaryPrimitives.WriteInt64LittleEndian(b, v);
        _m.Write(b);
        return this;
    }

    public BodyBuilder Bytes(byte[] v)
    {
        _m.Write(v);
        return this;
    }

    public BodyBuilder Pad()
    {
        while (_m.Length % 4 != 0) _m.WriteByte(0);
        return this;
    }

    public byte[] ToArray() => _m.ToArray();
}

internal static class CaptureFiles
{
    /// <summary>2023-11-14T22:13:20Z plus a fraction that uses all nine digits.</summary>
    public const long BaseNs = 1_700_000_000_123_456_789;

    /// <summary>A TCP SYN in Ethernet with <paramref name="payloadLength"/> bytes of payload (odd sizes exercise padding).</summary>
    public static byte[] EthernetSyn(int index, int payloadLength = 0)
    {
        var payload = new byte[payloadLength];
        for (int i = 0; i < payload.Length; i++) payload[i] = (byte)(i * 7 + index);
        var ip = Packets.IpTcp(IPAddress.Parse("10.0.0." + (1 + (index % 200))), IPAddress.Parse("192.0.2.7"),
            (ushort)(40000 + index), 80, Tf.Syn, (uint)(1000 + index), 0, options: Packets.SynOptions(), payload: payload);
        return Packets.Ethernet(ip, Packets.EtherTypeIpv4);
    }

    public static byte[] RawSyn(int index) =>
        Packets.IpTcp(IPAddress.Parse("2001:db8::" + (index + 1).ToString("x")), IPAddress.Parse("2001:db8::ffff"),
            (ushort)(50000 + index), 443, Tf.Syn, (uint)(7 + index), 0);

    /// <summary>A classic pcap of <paramref name="count"/> frames with sizes 54..~1500 and strictly rising timestamps.</summary>
    public static BuiltCapture Pcap(int count, bool bigEndian = false, bool nanoseconds = false, int snapLength = 262144,
        LinkType link = LinkType.Ethernet)
    {
        var ms = new MemoryStream();
        var pieces = new List<Piece>();
        var writer = new PcapWriter(ms, link, snapLength, nanoseconds, bigEndian);
        long headerEnd = ms.Position;
        pieces.Add(new Piece(0, headerEnd, null));
        for (int i = 0; i < count; i++)
        {
            var data = link == LinkType.Raw ? RawSyn(i) : EthernetSyn(i, (i * 37) % 1400 + (i % 3));
            // The fraction must be representable: whole microseconds unless the file is in nanoseconds.
            long ts = BaseNs + i * 1_000_003_001L;
            if (!nanoseconds) ts -= ts % 1000;
            long start = ms.Position;
            writer.Write(ts, data);
            var captured = data.Length > snapLength ? data[..snapLength] : data;
            pieces.Add(new Piece(start, ms.Position, new FrameRecord(captured, ts, data.Length, link, 0, i + 1)));
        }

        return new BuiltCapture { Bytes = ms.ToArray(), HeaderEnd = headerEnd, Pieces = pieces };
    }

    /// <summary>
    /// A pcapng mixing everything: two sections (little then big endian), interfaces of different link types and
    /// resolutions, EPB, SPB, OPB and skippable blocks.
    /// </summary>
    public static BuiltCapture MixedPcapng()
    {
        var b = new PcapngBuild(bigEndian: false);
        int eth = b.Interface(LinkType.Ethernet);
        int raw = b.Interface(LinkType.Raw, tsResol: 9);
        b.Block(5, new BodyBuilder(false).U32((uint)eth).U32(0).U32(0).U16(0).U16(0).ToArray()); // interface statistics
        for (int i = 0; i < 6; i++)
        {
            long ts = BaseNs + i * 250_000_000L;
            if (i % 2 == 0) b.Enhanced(eth, ts - ts % 1000, EthernetSyn(i, i * 3));
            else b.Enhanced(raw, ts + i, RawSyn(i));
        }

        b.Simple(EthernetSyn(50, 5));
        b.Obsolete(eth, (ulong)(BaseNs / 1000 + 9_000_000), EthernetSyn(51, 1), (BaseNs / 1000 + 9_000_000) * 1000);
        b.Block(0x40000BAD, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        b.Section(bigEndian: true);
        int sll = b.Interface(LinkType.LinuxSll, tsResol: 9);
        for (int i = 0; i < 4; i++) b.Enhanced(sll, BaseNs + 5_000_000_000L + i, Packets.LinuxSll(RawSyn(i), Packets.EtherTypeIpv6));
        b.Simple(Packets.LinuxSll(RawSyn(9), Packets.EtherTypeIpv6));
        return b.Build();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static (List<FrameRecord> Frames, CaptureProblem? Problem) ReadAll(IPacketSource source, int maxReads = 10_000_000)
    {
        var frames = new List<FrameRecord>();
        for (int i = 0; i < maxReads; i++)
        {
            var r = source.Read(out var frame);
            if (r == ReadResult.EndOfStream) return (frames, source.Problem);
            Assert.Equal(ReadResult.Packet, r);
            frames.Add(FrameRecord.From(frame));
        }

        throw new InvalidOperationException($"{source.Name}: more than {maxReads} reads without reaching the end");
    }

    public static (List<FrameRecord> Frames, CaptureProblem? Problem) ReadAll(byte[] bytes, string name = "memory.pcap")
    {
        using var source = OfflineSource.Open(new MemoryStream(bytes), name);
        return ReadAll(source);
    }

    public static void AssertFrames(IEnumerable<FrameRecord> expected, IReadOnlyList<FrameRecord> actual)
    {
        var want = expected.ToList();
        Assert.Equal(want.Count, actual.Count);
        for (int i = 0; i < want.Count; i++)
        {
            Assert.True(want[i].SameAs(actual[i]),
                $"frame {i + 1}: expected ts {want[i].TimestampNs} len {want[i].Data.Length}/{want[i].OriginalLength} {want[i].LinkType} if{want[i].InterfaceId} #{want[i].FrameNumber}, " +
                $"got ts {actual[i].TimestampNs} len {actual[i].Data.Length}/{actual[i].OriginalLength} {actual[i].LinkType} if{actual[i].InterfaceId} #{actual[i].FrameNumber}");
        }
    }
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ids-offline-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, byte[] bytes)
    {
        string file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
