using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// pcapng files (draft-ietf-opsawg-pcapng): any number of sections, each in its own byte order and with its own
/// interfaces; enhanced, simple and obsolete packet blocks; every other block is skipped by its length.
/// <code>
/// Every block:
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +---------------------------------------------------------------+
/// |                          Block Type                           |  0
/// |                      Block Total Length                       |  4  multiple of 4, >= 12
/// /                          Block Body                           /  8
/// |                      Block Total Length                       |  total - 4 (must repeat the first)
/// +---------------------------------------------------------------+
/// Section Header Block (type 0x0A0D0D0A, body):
/// |                  Byte-Order Magic 0x1A2B3C4D                  |  8  gives the section's byte order
/// |        Major Version (1)      |        Minor Version          | 12
/// |                   Section Length (64 bits, -1 = unknown)      | 16
/// /                            Options                            / 24
/// Interface Description Block (type 1, body):
/// |           LinkType            |           Reserved            |  8
/// |                            SnapLen                            | 12  0 = no limit
/// /        Options (if_tsresol = 9, 1 byte; if_tsoffset = 14)     / 16
/// Enhanced Packet Block (type 6, body):
/// |                         Interface ID                          |  8
/// |                       Timestamp (High)                        | 12  units of the interface's if_tsresol
/// |                       Timestamp (Low)                         | 16
/// |                    Captured Packet Length                     | 20
/// |                    Original Packet Length                     | 24
/// /              Packet Data, padded to 32 bits, then Options     / 28
/// Obsolete Packet Block (type 2): as EPB but Interface ID is 16 bits followed by a 16-bit drops count.
/// Simple Packet Block (type 3, body): Original Packet Length at 8, Packet Data at 12; interface 0, no timestamp.
/// </code>
/// Each option is: code (16 bits), length (16 bits), value padded to 32 bits; code 0 ends the list.
/// </summary>
internal sealed class PcapngReader : OfflineReader
{
    private const uint SectionHeaderType = 0x0A0D0D0A;
    private const uint InterfaceDescriptionType = 1;
    private const uint ObsoletePacketType = 2;
    private const uint SimplePacketType = 3;
    private const uint EnhancedPacketType = 6;
    private const uint ByteOrderMagic = 0x1A2B3C4D;

    private const int MinSectionHeader = 28;
    private const int MinInterfaceDescription = 20;
    private const int PacketBlockHeader = 28; // type, length and the fixed EPB/OPB fields before the data
    private const int MinPacketBlock = 32;
    private const int SimpleHeader = 12;

    /// <summary>Header blocks (SHB, IDB) hold only options; anything longer than this is taken as corrupt.</summary>
    internal const int MaxHeaderBlock = 1 << 20;

    /// <summary>Options after a packet's data (comments, flags, hashes) are small; more is taken as corrupt.</summary>
    internal const int MaxPacketOptions = 1 << 20;

    private Interface[] _interfaces = new Interface[4];
    private int _interfaceCount;
    private bool _bigEndian;
    private long _lastTimestampNs;

    private PcapngReader(CaptureBuffer input, string name, bool gzip) : base(input, name, gzip) { }

    /// <summary>Number of sections seen so far.</summary>
    public int SectionCount { get; private set; }

    /// <summary>Reads the first section header; the caller has seen its block type.</summary>
    public static PcapngReader Open(CaptureBuffer input, string name, bool gzip)
    {
        var reader = new PcapngReader(input, name, gzip);
        long start = input.Position;
        var status = reader.ReadSectionHeader(out string? error, out long errorOffset);
        if (status == BlockStatus.Truncated)
        {
            throw OfflineSource.HeaderError(name, input.Position + input.Buffered, gzip,
                $"file ends inside the pcapng section header block that starts at offset {start}", input.Failure);
        }

        if (status == BlockStatus.Corrupt) throw OfflineSource.HeaderError(name, errorOffset, gzip, "corrupt pcapng section header: " + error, null);
        return reader;
    }

    public override ReadResult Read(out RawFrame frame)
    {
        frame = default;
        if (_done) return Finished();

        var input = _in;
        while (true)
        {
            long start = input.Position;
            if (!input.Ensure(8)) return EndOfInput(start, "a block header");
            var h = input.Peek(8);
            uint type = U32(h);
            uint total = U32(h[4..]);
            if ((total & 3) != 0 || total < 12)
            {
                // A section header may switch the byte order, so its length is only meaningful after the magic.
                if (type != SectionHeaderType) return Corrupt(start, $"block of type 0x{type:X8} has an invalid total length {total} (must be a multiple of 4 and at least 12)");
            }

            switch (type)
            {
                case EnhancedPacketType:
                case ObsoletePacketType:
                    return ReadPacketBlock(type, total, start, out frame);
                case SimplePacketType:
                    return ReadSimplePacketBlock(total, start, out frame);
                case InterfaceDescriptionType:
                    if (!ReadInterfaceDescription(total, start)) return ReadResult.EndOfStream;
                    break;
                case SectionHeaderType:
                    var status = ReadSectionHeader(out string? error, out long errorOffset);
                    if (status == BlockStatus.Truncated) return EndOfInput(start, "a section header block");
                    if (status == BlockStatus.Corrupt) return Corrupt(errorOffset, "corrupt section header block: " + error);
                    break;
                default:
                    // Statistics, name resolution, custom and future blocks: nothing we need, skip by length.
                    if (!input.Skip(total - 4)) return EndOfInput(start, $"a block of type 0x{type:X8}");
                    if (!input.Ensure(4)) return EndOfInput(start, $"a block of type 0x{type:X8}");
                    uint trailer = U32(input.Peek(4));
                    if (trailer != total) return TrailerMismatch(start, type, total, trailer);
                    input.Advance(4);
                    break;
            }
        }
    }

    private ReadResult ReadPacketBlock(uint type, uint total, long start, out RawFrame frame)
    {
        frame = default;
        var input = _in;
        if (total < MinPacketBlock) return Corrupt(start, $"{BlockName(type)} has total length {total}, below the minimum of {MinPacketBlock}");
        if (!input.Ensure(PacketBlockHeader)) return EndOfInput(start, BlockName(type));
        var h = input.Peek(PacketBlockHeader);
        uint interfaceId = type == EnhancedPacketType ? U32(h[8..]) : U16(h[8..]);
        if (interfaceId >= (uint)_interfaceCount)
        {
            return Corrupt(start, $"{BlockName(type)} refers to interface {interfaceId}, but the section has described {_interfaceCount}");
        }

        ref readonly var iface = ref _interfaces[interfaceId];
        uint captured = U32(h[20..]);
        uint original = U32(h[24..]);
        if (captured > (uint)iface.MaxRecord)
        {
            return Corrupt(start, $"{BlockName(type)} claims a captured length of {captured} bytes, more than the limit of {iface.MaxRecord} (snaplen {iface.SnapLength})");
        }

        int length = (int)captured;
        long room = (long)total - MinPacketBlock - Pad4(length);
        if (room < 0) return Corrupt(start, $"{BlockName(type)} of total length {total} cannot hold its {captured} captured bytes");
        if (room > MaxPacketOptions) return Corrupt(start, $"{BlockName(type)} claims {room} bytes of options, more than the limit of {MaxPacketOptions}");

        ulong ticks = ((ulong)U32(h[12..]) << 32) | U32(h[16..]);
        if (!input.Ensure((int)total)) return EndOfInput(start, BlockName(type));
        uint trailer = U32(input.Peek((int)total - 4, 4));
        if (trailer != total) return TrailerMismatch(start, type, total, trailer);

        long ts = iface.ToNanoseconds(ticks);
        _lastTimestampNs = ts;
        int wire = original >= captured ? (int)Math.Min(original, int.MaxValue) : length;
        frame = new RawFrame(input.Peek(PacketBlockHeader, length), ts, wire, iface.LinkType, (int)interfaceId, ++_frameNumber);
        input.Advance((int)total);
        return ReadResult.Packet;
    }

    /// <summary>
    /// A simple packet block belongs to interface 0 and has no timestamp: it gets the previous packet's timestamp
    /// (0 before any), so time never runs backwards for consumers. Its captured length is the smallest of the wire
    /// length, interface 0's snaplen and the room in the block.
    /// </summary>
    private ReadResult ReadSimplePacketBlock(uint total, long start, out RawFrame frame)
    {
        frame = default;
        var input = _in;
        if (total < 16) return Corrupt(start, $"simple packet block has total length {total}, below the minimum of 16");
        if (_interfaceCount == 0) return Corrupt(start, "simple packet block before any interface description block");
        ref readonly var iface = ref _interfaces[0];
        long room = (long)total - 16;
        if (room > Pad4(iface.MaxRecord)) return Corrupt(start, $"simple packet block of total length {total} exceeds the record limit of {iface.MaxRecord}");
        if (!input.Ensure((int)total)) return EndOfInput(start, "a simple packet block");
        uint original = U32(input.Peek(8, 4));
        uint trailer = U32(input.Peek((int)total - 4, 4));
        if (trailer != total) return TrailerMismatch(start, SimplePacketType, total, trailer);

        long captured = Math.Min(original, room);
        if (iface.SnapLength != 0) captured = Math.Min(captured, iface.SnapLength);
        int length = (int)captured;
        int wire = (int)Math.Min(original, int.MaxValue);
        frame = new RawFrame(input.Peek(SimpleHeader, length), _lastTimestampNs, wire, iface.LinkType, 0, ++_frameNumber);
        input.Advance((int)total);
        return ReadResult.Packet;
    }

    private bool ReadInterfaceDescription(uint total, long start)
    {
        var input = _in;
        if (total < MinInterfaceDescription)
        {
            Corrupt(start, $"interface description block has total length {total}, below the minimum of {MinInterfaceDescription}");
            return false;
        }

        if (total > MaxHeaderBlock)
        {
            Corrupt(start, $"interface description block claims a total length of {total}, more than the limit of {MaxHeaderBlock}");
            return false;
        }

        if (!input.Ensure((int)total))
        {
            EndOfInput(start, "an interface description block");
            return false;
        }

        var block = input.Peek((int)total);
        uint trailer = U32(block[^4..]);
        if (trailer != total)
        {
            TrailerMismatch(start, InterfaceDescriptionType, total, trailer);
            return false;
        }

        var linkType = (LinkType)U16(block[8..]);
        uint snap = U32(block[12..]);
        byte tsResol = 6;
        long tsOffsetSeconds = 0;

        // Options are read leniently: a malformed option ends the list, it does not make the block unusable.
        var options = block[16..^4];
        while (options.Length >= 4)
        {
            ushort code = U16(options);
            int length = U16(options[2..]);
            if (code == 0 || 4 + length > options.Length) break;
            var value = options.Slice(4, length);
            if (code == 9 && length >= 1) tsResol = value[0];
            else if (code == 14 && length >= 8) tsOffsetSeconds = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
            options = options[Math.Min(options.Length, 4 + Pad4(length))..];
        }

        if (_interfaceCount == _interfaces.Length) Array.Resize(ref _interfaces, _interfaces.Length * 2);
        _interfaces[_interfaceCount++] = new Interface(linkType, snap, tsResol, tsOffsetSeconds);
        input.Advance((int)total);
        return true;
    }

    /// <summary>Reads a section header at the current position; on success the section's byte order is in force.</summary>
    private BlockStatus ReadSectionHeader(out string? error, out long errorOffset)
    {
        var input = _in;
        long start = input.Position;
        error = null;
        errorOffset = start;
        if (!input.Ensure(12)) return BlockStatus.Truncated;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(input.Peek(8, 4));
        bool bigEndian;
        if (magic == ByteOrderMagic) bigEndian = false;
        else if (magic == BinaryPrimitives.ReverseEndianness(ByteOrderMagic)) bigEndian = true;
        else
        {
            errorOffset = start + 8;
            error = $"byte-order magic is 0x{magic:X8}, expected 1A2B3C4D in either byte order";
            return BlockStatus.Corrupt;
        }

        uint total = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(input.Peek(4, 4)) : BinaryPrimitives.ReadUInt32LittleEndian(input.Peek(4, 4));
        if ((total & 3) != 0 || total < MinSectionHeader || total > MaxHeaderBlock)
        {
            errorOffset = start + 4;
            error = $"total length {total} is invalid (must be a multiple of 4 between {MinSectionHeader} and {MaxHeaderBlock})";
            return BlockStatus.Corrupt;
        }

        if (!input.Ensure((int)total)) return BlockStatus.Truncated;
        var block = input.Peek((int)total);
        uint trailer = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(block[^4..]) : BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]);
        if (trailer != total)
        {
            errorOffset = start + total - 4;
            error = $"trailing total length {trailer} differs from the leading {total}";
            return BlockStatus.Corrupt;
        }

        ushort major = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(block[12..]) : BinaryPrimitives.ReadUInt16LittleEndian(block[12..]);
        ushort minor = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(block[14..]) : BinaryPrimitives.ReadUInt16LittleEndian(block[14..]);
        if (major != 1)
        {
            errorOffset = start + 12;
            error = $"unsupported version {major}.{minor} (expected 1.x)";
            return BlockStatus.Corrupt;
        }

        _bigEndian = bigEndian;
        // Interface numbering starts again in every section.
        _interfaceCount = 0;
        SectionCount++;
        input.Advance((int)total);
        return BlockStatus.Ok;
    }

    private ReadResult TrailerMismatch(long start, uint type, uint total, uint trailer) =>
        Corrupt(start, $"{BlockName(type)} has trailing total length {trailer}, but the leading one says {total}");

    private static string BlockName(uint type) => type switch
    {
        EnhancedPacketType => "enhanced packet block",
        ObsoletePacketType => "obsolete packet block",
        SimplePacketType => "simple packet block",
        InterfaceDescriptionType => "interface description block",
        SectionHeaderType => "section header block",
        _ => $"block of type 0x{type:X8}",
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private static int Pad4(int n) => (n + 3) & ~3;

    private enum BlockStatus
    {
        Ok,
        Truncated,
        Corrupt,
    }

    private enum TimeScale : byte
    {
        Multiply,
        Divide,
        BinaryFraction,
    }

    /// <summary>An interface of the current section, with its timestamp conversion worked out once.</summary>
    private readonly struct Interface
    {
        private readonly ulong _factor;
        private readonly int _shift;
        private readonly TimeScale _scale;
        private readonly long _offsetNs;

        public Interface(LinkType linkType, uint snapLength, byte tsResol, long tsOffsetSeconds)
        {
            LinkType = linkType;
            SnapLength = snapLength;
            MaxRecord = RecordLimit(snapLength);
            _offsetNs = unchecked(tsOffsetSeconds * 1_000_000_000L);
            int exponent = tsResol & 0x7F;
            if ((tsResol & 0x80) != 0)
            {
                // Units of 2^-exponent seconds.
                _scale = TimeScale.BinaryFraction;
                _shift = exponent;
            }
            else if (exponent <= 9)
            {
                _scale = TimeScale.Multiply;
                _factor = Pow10(9 - exponent);
            }
            else if (exponent <= 9 + 19)
            {
                _scale = TimeScale.Divide;
                _factor = Pow10(exponent - 9);
            }
            else
            {
                // Units finer than 10^-28 s: every representable count is under a nanosecond.
                _scale = TimeScale.Multiply;
                _factor = 0;
            }
        }

        public LinkType LinkType { get; }

        public uint SnapLength { get; }

        public int MaxRecord { get; }

        /// <summary>Ticks to nanoseconds since the epoch, truncating sub-nanosecond parts; wraps rather than throws on absurd values.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public long ToNanoseconds(ulong ticks)
        {
            ulong ns = _scale switch
            {
                TimeScale.Multiply => unchecked(ticks * _factor),
                TimeScale.Divide => ticks / _factor,
                _ => (ulong)(((UInt128)ticks * 1_000_000_000UL) >> _shift),
            };
            return unchecked((long)ns + _offsetNs);
        }

        private static ulong Pow10(int n)
        {
            ulong v = 1;
            for (int i = 0; i < n; i++) v *= 10;
            return v;
        }
    }
}
