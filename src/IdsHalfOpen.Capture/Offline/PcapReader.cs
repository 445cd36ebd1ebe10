using System.Buffers.Binary;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// Classic libpcap files (draft-ietf-opsawg-pcap), both byte orders, micro- and nanosecond timestamps.
/// <code>
/// File header (24 bytes, in the writer's byte order):
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      Magic Number (0xA1B2C3D4 µs, 0xA1B23C4D ns)              |  0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |         Major Version (2)     |       Minor Version (4)       |  4
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  Reserved1 (old "thiszone")                   |  8
/// |                  Reserved2 (old "sigfigs")                    | 12
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            SnapLen                            | 16
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | FCS len |P|     reserved      |           LinkType            | 20
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// Record header (16 bytes), then Captured Length bytes of packet data:
/// |                    Timestamp (seconds)                        |  0
/// |         Timestamp (microseconds or nanoseconds)               |  4
/// |                    Captured Packet Length                     |  8
/// |                    Original Packet Length                     | 12
/// </code>
/// </summary>
internal sealed class PcapReader : OfflineReader
{
    private const int FileHeaderLength = 24;
    private const int RecordHeaderLength = 16;

    private readonly bool _bigEndian;
    private readonly long _fractionToNs;
    private readonly int _maxRecord;
    private readonly LinkType _linkType;

    private PcapReader(CaptureBuffer input, string name, bool gzip, bool bigEndian, bool nanoseconds, uint snapLength, LinkType linkType)
        : base(input, name, gzip)
    {
        _bigEndian = bigEndian;
        _fractionToNs = nanoseconds ? 1 : 1000;
        SnapLength = snapLength;
        _maxRecord = RecordLimit(snapLength);
        _linkType = linkType;
    }

    /// <summary>The snapshot length written in the file header.</summary>
    public uint SnapLength { get; }

    public LinkType LinkType => _linkType;

    public bool IsNanosecond => _fractionToNs == 1;

    /// <summary>Reads the file header at the start of <paramref name="input"/>; the caller has seen one of the four magics.</summary>
    public static PcapReader Open(CaptureBuffer input, string name, bool gzip)
    {
        if (!input.Ensure(FileHeaderLength))
        {
            throw OfflineSource.HeaderError(name, input.Position + input.Buffered, gzip,
                $"file ends inside the pcap file header ({input.Buffered} of {FileHeaderLength} bytes)", input.Failure);
        }

        var h = input.Peek(FileHeaderLength);
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        bool bigEndian = magic is 0xD4C3B2A1 or 0x4D3CB2A1;
        bool nanoseconds = magic is 0xA1B23C4D or 0x4D3CB2A1;
        ushort major = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(h[4..]) : BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
        ushort minor = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(h[6..]) : BinaryPrimitives.ReadUInt16LittleEndian(h[6..]);
        uint snap = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(h[16..]) : BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
        uint link = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(h[20..]) : BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);

        // Every libpcap since 1998 writes 2.4; older minors read the same, other majors are another format.
        if (major != 2)
        {
            throw OfflineSource.HeaderError(name, input.Position + 4, gzip,
                $"corrupt pcap file header: unsupported version {major}.{minor} (expected 2.x)", null);
        }

        input.Advance(FileHeaderLength);
        // The upper 16 bits carry FCS information, not the link type.
        return new PcapReader(input, name, gzip, bigEndian, nanoseconds, snap, (LinkType)(ushort)link);
    }

    public override ReadResult Read(out RawFrame frame)
    {
        frame = default;
        if (_done) return Finished();

        var input = _in;
        long start = input.Position;
        if (!input.Ensure(RecordHeaderLength)) return EndOfInput(start, "a record header");
        input.PrefetchAhead();
        var h = input.Peek(RecordHeaderLength);
        uint seconds, fraction, captured, original;
        if (_bigEndian)
        {
            seconds = BinaryPrimitives.ReadUInt32BigEndian(h);
            fraction = BinaryPrimitives.ReadUInt32BigEndian(h[4..]);
            captured = BinaryPrimitives.ReadUInt32BigEndian(h[8..]);
            original = BinaryPrimitives.ReadUInt32BigEndian(h[12..]);
        }
        else
        {
            seconds = BinaryPrimitives.ReadUInt32LittleEndian(h);
            fraction = BinaryPrimitives.ReadUInt32LittleEndian(h[4..]);
            captured = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
            original = BinaryPrimitives.ReadUInt32LittleEndian(h[12..]);
        }

        if (captured > (uint)_maxRecord) return CorruptLength(start, captured);
        int length = (int)captured;
        if (!input.Ensure(RecordHeaderLength + length)) return EndOfInput(start, "a record");

        // A wire length below the captured length is impossible but harmless; report the captured length instead
        // so OriginalLength >= Data.Length always holds for consumers.
        int wire = original >= captured ? (int)Math.Min(original, int.MaxValue) : length;
        long ts = (long)seconds * 1_000_000_000L + fraction * _fractionToNs;
        frame = new RawFrame(input.Peek(RecordHeaderLength, length), ts, wire, _linkType, 0, ++_frameNumber);
        input.Advance(RecordHeaderLength + length);
        return ReadResult.Packet;
    }

    private ReadResult CorruptLength(long start, uint captured) =>
        Corrupt(start, $"record {(_frameNumber + 1)} claims a captured length of {captured} bytes, more than the limit of {_maxRecord} (snaplen {SnapLength})");
}
