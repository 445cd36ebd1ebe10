using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Output.Spool;

/// <summary>
/// One segment file as the spool knows it: its first sequence, how many valid records it holds and where they end.
/// Only the segment taking appends keeps a writable handle; the others open read-only when first read.
/// Not thread-safe: <see cref="DurableSpool"/> guards it.
/// </summary>
internal sealed class SpoolSegment : IDisposable
{
    // Data files need no lock of their own (the directory lock covers them); allow readers, including our own.
    private const FileShare Sharing = FileShare.ReadWrite | FileShare.Delete;

    private SafeFileHandle? _handle;

    public SpoolSegment(string path, long firstSequence, SafeFileHandle? handle)
    {
        Path = path;
        FirstSequence = firstSequence;
        _handle = handle;
        End = SpoolFormat.SegmentHeaderSize;
    }

    public string Path { get; }

    public long FirstSequence { get; }

    /// <summary>Valid records in the file.</summary>
    public long Count { get; set; }

    /// <summary>Length of the valid part of the file (the header plus every valid record): where the next record goes.</summary>
    public long End { get; set; }

    /// <summary>Written since the last fsync.</summary>
    public bool Dirty { get; set; }

    public long LastSequence => FirstSequence + Count - 1;

    public long NextSequence => FirstSequence + Count;

    /// <summary>Payload bytes between two record boundaries that enclose <paramref name="records"/> records.</summary>
    public static long PayloadBytes(long fromOffset, long toOffset, long records) =>
        toOffset - fromOffset - (records * SpoolFormat.RecordHeaderSize);

    /// <summary>The open handle, opened read-only on first use for a segment that is not taking appends.</summary>
    public SafeFileHandle Handle => _handle ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, Sharing);

    public static SafeFileHandle OpenWritable(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, Sharing);

    /// <summary>Replaces the handle with a writable one (recovery resumes appending to this segment).</summary>
    public void OpenForAppend()
    {
        CloseHandle();
        _handle = OpenWritable(Path, FileMode.Open);
    }

    /// <summary>Closes the handle; the next use of <see cref="Handle"/> reopens read-only.</summary>
    public void CloseHandle()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>.</summary>
    /// <exception cref="InvalidDataException">The file is shorter than the spool recorded: changed behind our back.</exception>
    public void ReadExactly(Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(Handle, buffer, offset);
            if (read <= 0)
                throw new InvalidDataException($"Spool segment '{Path}' ends at {offset}, before the records the spool wrote; it was modified by something else.");
            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Length of the record at <paramref name="offset"/>, which must be a record boundary below <see cref="End"/>.</summary>
    public int ReadRecordLength(long offset)
    {
        Span<byte> header = stackalloc byte[SpoolFormat.RecordHeaderSize];
        ReadExactly(header, offset);
        uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length > End - offset - SpoolFormat.RecordHeaderSize)
            throw new InvalidDataException($"Spool segment '{Path}' has a record length at {offset} that runs past its verified end; it was modified by something else.");
        return (int)length;
    }

    /// <summary>Offset just after <paramref name="records"/> records that start at <paramref name="offset"/>.</summary>
    public long Skip(long offset, long records)
    {
        for (long i = 0; i < records; i++)
            offset += SpoolFormat.RecordHeaderSize + ReadRecordLength(offset);
        return offset;
    }

    public void Dispose() => CloseHandle();
}
