using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Output.Spool;

/// <summary>What recovery found in one segment: the valid prefix and how many records after it had to go.</summary>
internal readonly record struct ScanResult(long Count, long End, long Dropped);

/// <summary>
/// Verifies a segment's records after a restart. Records are checked in order; the first one that is torn (its frame
/// runs past the end of the file) or fails its checksum ends the valid prefix. Everything from there to the end of the
/// file is dropped: the damaged record itself and whatever follows it in this segment, because once a record is bad its
/// length field can no longer be trusted to find the next one. Later segments are unaffected (each header carries its
/// own first sequence). The dropped count is exact when the damage is in a payload or checksum and a best effort
/// (frames counted by their length fields) when a length field itself is damaged.
/// </summary>
internal static class SegmentScanner
{
    private const int ChunkSize = 1 << 20;

    public static ScanResult Scan(SafeFileHandle handle, long fileLength, long firstSequence, ref byte[]? buffer)
    {
        buffer ??= new byte[ChunkSize];
        long offset = SpoolFormat.SegmentHeaderSize;
        long count = 0;
        long chunkStart = 0;
        int chunkLength = 0;
        while (true)
        {
            long remaining = fileLength - offset;
            if (remaining == 0) return new ScanResult(count, offset, 0);
            if (remaining < SpoolFormat.RecordHeaderSize) return new ScanResult(count, offset, 1);

            Load(handle, fileLength, offset, SpoolFormat.RecordHeaderSize, ref buffer, ref chunkStart, ref chunkLength);
            var header = buffer.AsSpan((int)(offset - chunkStart), SpoolFormat.RecordHeaderSize);
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (length > remaining - SpoolFormat.RecordHeaderSize) return new ScanResult(count, offset, 1);

            long next = offset + SpoolFormat.RecordHeaderSize + length;
            if (length > SpoolFormat.MaxPayloadLength)
                return new ScanResult(count, offset, 1 + CountFrames(handle, next, fileLength));

            Load(handle, fileLength, offset, SpoolFormat.RecordHeaderSize + (int)length, ref buffer, ref chunkStart, ref chunkLength);
            var payload = buffer.AsSpan((int)(offset - chunkStart) + SpoolFormat.RecordHeaderSize, (int)length);
            if (SpoolFormat.RecordChecksum(firstSequence + count, payload) != checksum)
                return new ScanResult(count, offset, 1 + CountFrames(handle, next, fileLength));

            count++;
            offset = next;
        }
    }

    /// <summary>Record frames from <paramref name="offset"/> to the end, trusting the length fields (no checksums).</summary>
    public static long CountFrames(SafeFileHandle handle, long offset, long fileLength)
    {
        Span<byte> header = stackalloc byte[SpoolFormat.RecordHeaderSize];
        long frames = 0;
        while (offset < fileLength)
        {
            frames++;
            if (fileLength - offset < SpoolFormat.RecordHeaderSize || RandomAccess.Read(handle, header, offset) < header.Length) break;
            offset += SpoolFormat.RecordHeaderSize + (long)BinaryPrimitives.ReadUInt32LittleEndian(header);
        }

        return frames;
    }

    // Makes file[offset, offset + need) available in buffer, reading a whole chunk from offset when it is not.
    private static void Load(SafeFileHandle handle, long fileLength, long offset, int need, ref byte[] buffer, ref long chunkStart, ref int chunkLength)
    {
        if (offset >= chunkStart && offset + need <= chunkStart + chunkLength) return;
        if (need > buffer.Length) buffer = new byte[need];
        int toRead = (int)Math.Min(buffer.Length, fileLength - offset);
        int filled = 0;
        while (filled < toRead)
        {
            int read = RandomAccess.Read(handle, buffer.AsSpan(filled, toRead - filled), offset + filled);
            if (read <= 0) throw new IOException("Spool segment shrank while it was being recovered.");
            filled += read;
        }

        chunkStart = offset;
        chunkLength = filled;
    }
}
