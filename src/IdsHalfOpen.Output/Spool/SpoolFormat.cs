using System.Buffers.Binary;
using System.Globalization;

namespace IdsHalfOpen.Output.Spool;

/// <summary>
/// The on-disk layout of a spool directory (all integers little-endian):
/// <list type="bullet">
/// <item><c>NNNNNNNNNNNNNNNNNNN.seg</c> — a segment, named by its first sequence number (19 digits, so names sort).
/// Header (32 bytes): magic <c>IHOSPOOL</c>, format version (int32), reserved (4), first sequence (int64), reserved (4),
/// CRC-32C of the preceding 28 bytes. Then records back to back: payload length (uint32), CRC-32C (uint32), payload.
/// A record's sequence is not stored: it is the header's first sequence plus the record's index, and the CRC covers
/// length, that sequence and the payload, so an all-zero tail (a file extended but never written) or a record that
/// turns up at the wrong place never passes as valid.</item>
/// <item><c>ack</c> (24 bytes): magic <c>IHOSPACK</c>, highest acknowledged sequence (int64), reserved (4), CRC-32C of
/// the preceding 20 bytes. Replaced atomically through <c>ack.tmp</c> (write, fsync, rename, fsync directory).</item>
/// <item><c>lock</c> — held exclusively while a process has the spool open; it holds that process id for people.</item>
/// </list>
/// </summary>
internal static class SpoolFormat
{
    public const int SegmentHeaderSize = 32;
    public const int RecordHeaderSize = 8;
    public const int AckFileSize = 24;
    public const int FormatVersion = 1;

    public const string SegmentSearchPattern = "*.seg";
    public const string AckFileName = "ack";
    public const string AckTempFileName = "ack.tmp";
    public const string LockFileName = "lock";

    /// <summary>Largest payload a record can carry; larger ones are refused. Keeps every Peek within one array.</summary>
    public const int MaxPayloadLength = 1 << 30;

    private static ReadOnlySpan<byte> SegmentMagic => "IHOSPOOL"u8;
    private static ReadOnlySpan<byte> AckMagic => "IHOSPACK"u8;

    public static string SegmentFileName(long firstSequence) =>
        firstSequence.ToString("D19", CultureInfo.InvariantCulture) + ".seg";

    public static void WriteSegmentHeader(Span<byte> header, long firstSequence)
    {
        header = header[..SegmentHeaderSize];
        header.Clear();
        SegmentMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], firstSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C.Compute(header[..28]));
    }

    /// <summary>Checks a segment header; <paramref name="version"/> is set whenever the checksum holds.</summary>
    public static HeaderStatus ReadSegmentHeader(ReadOnlySpan<byte> header, out long firstSequence, out int version)
    {
        firstSequence = 0;
        version = 0;
        if (header.Length < SegmentHeaderSize || !header[..8].SequenceEqual(SegmentMagic) ||
            BinaryPrimitives.ReadUInt32LittleEndian(header[28..]) != Crc32C.Compute(header[..28]))
            return HeaderStatus.Corrupt;

        version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != FormatVersion) return HeaderStatus.UnsupportedVersion;
        firstSequence = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        return firstSequence >= 1 ? HeaderStatus.Valid : HeaderStatus.Corrupt;
    }

    /// <summary>Writes a record's 8-byte header (length, checksum) in front of its payload.</summary>
    public static void WriteRecordHeader(Span<byte> header, long sequence, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], RecordChecksum(sequence, payload));
    }

    public static uint RecordChecksum(long sequence, ReadOnlySpan<byte> payload)
    {
        Span<byte> prefix = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(prefix[4..], sequence);
        return Crc32C.Finish(Crc32C.Update(Crc32C.Update(Crc32C.Seed, prefix), payload));
    }

    public static void WriteAck(Span<byte> buffer, long acknowledged)
    {
        buffer = buffer[..AckFileSize];
        buffer.Clear();
        AckMagic.CopyTo(buffer);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[8..], acknowledged);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[20..], Crc32C.Compute(buffer[..20]));
    }

    public static bool TryReadAck(ReadOnlySpan<byte> buffer, out long acknowledged)
    {
        acknowledged = 0;
        if (buffer.Length != AckFileSize || !buffer[..8].SequenceEqual(AckMagic) ||
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]) != Crc32C.Compute(buffer[..20]))
            return false;
        acknowledged = BinaryPrimitives.ReadInt64LittleEndian(buffer[8..]);
        return acknowledged >= 0;
    }
}

internal enum HeaderStatus
{
    Valid,
    Corrupt,
    UnsupportedVersion,
}
