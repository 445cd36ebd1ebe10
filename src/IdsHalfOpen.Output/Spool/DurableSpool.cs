using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Output.Spool;

/// <summary>One spooled record: its sequence number and a private copy of its payload.</summary>
public readonly record struct SpoolRecord(long Sequence, ReadOnlyMemory<byte> Payload);

/// <summary>
/// A durable, bounded, checksummed first-in-first-out queue of opaque records in a directory: what the Elasticsearch
/// shipper writes alert documents to while the cluster is away, and drains in order when it returns.
/// <para>
/// Layout (see <see cref="SpoolFormat"/>): segment files of length-prefixed, CRC-32C-checked records, named and headed by
/// their first sequence number; an <c>ack</c> file holding the highest acknowledged sequence, replaced atomically; a
/// <c>lock</c> file. Appends go straight to the operating system (no user-space buffer), so a killed process loses
/// nothing it appended; <see cref="Flush"/> (fsync) makes them survive a power cut too.
/// </para>
/// <para>
/// Contract: at-least-once. Nothing acknowledged comes back after a restart (the acknowledgement is fsynced before
/// <see cref="Acknowledge"/> returns); nothing flushed and unacknowledged is lost. A record delivered but not yet
/// acknowledged when the process died is delivered again, which deterministic document ids make harmless.
/// Sequence numbers increase across restarts; only the numbers of records lost before they were flushed (power cut)
/// may be handed out again.
/// </para>
/// <para>
/// Bound: the segment files together never exceed <c>maxBytes</c>; an append that would is refused. Space comes back
/// when a segment is fully acknowledged and deleted (the segment taking appends too), so a spool that is drained
/// promptly never fills. All members are thread-safe; appends never wait for an fsync.
/// </para>
/// <para>
/// Damage, found when the spool is opened: a record that is torn or fails its checksum is dropped together with the
/// rest of its segment (its length can no longer be trusted to find the next record), the file is truncated there and
/// the records counted in <see cref="CorruptRecordsDropped"/>; a segment whose header fails its checksum is dropped
/// whole. Records before the damage and other segments are kept. Checksums are verified at open only, not per Peek.
/// </para>
/// </summary>
public sealed class DurableSpool : IDisposable
{
    /// <summary>Smallest segment: a header and one short record. Real spools use megabytes.</summary>
    public const int MinSegmentBytes = 64;

    // Payloads up to this size are framed in one buffer and written with one call; bigger ones take two writes.
    private const int SingleWriteLimit = 64 * 1024;

    // A Peek batch stays within one array; the first record is always taken.
    private const long MaxPeekBytes = SpoolFormat.MaxPayloadLength;

    private readonly Lock _gate = new();        // all state below
    private readonly Lock _ackGate = new();     // one acknowledgement file update at a time
    private readonly Lock _flushGate = new();   // one flush at a time
    private readonly FileStream _lockFile;
    private readonly long _maxBytes;
    private readonly int _segmentBytes;
    private readonly string _ackPath;
    private readonly string _ackTempPath;
    private readonly byte[] _nativeDirectory;
    private readonly List<SpoolSegment> _segments = []; // oldest first; only the oldest may be partly acknowledged
    private readonly List<(SpoolSegment Segment, SafeFileHandle Handle)> _flushing = [];
    private readonly List<PeekRange> _peekRanges = [];
    private byte[] _writeBuffer = new byte[4096];

    private SpoolSegment? _active;  // takes appends; always the newest segment when set
    private long _nextSequence = 1;
    private long _acknowledged;     // highest acknowledged sequence (0: none)
    private long _headOffset;       // offset in _segments[0] of its first unacknowledged record
    private long _diskBytes;        // sum of the segments' valid lengths: what maxBytes bounds
    private long _pendingRecords;
    private long _pendingBytes;
    private long _rejected;
    private long _writeErrors;
    private long _corruptDropped;
    private bool _directoryDirty;   // a segment was created since the last directory fsync
    private bool _disposed;

    // Where the last Peek ended, so acknowledging exactly that batch needs no walk over record headers.
    private SpoolSegment? _peekEndSegment;
    private long _peekEndSequence;
    private long _peekEndOffset;

    private DurableSpool(string directory, FileStream lockFile, long maxBytes, int segmentBytes)
    {
        Directory = directory;
        _lockFile = lockFile;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        _ackPath = Path.Combine(directory, SpoolFormat.AckFileName);
        _ackTempPath = Path.Combine(directory, SpoolFormat.AckTempFileName);
        _nativeDirectory = DirectorySync.NativePath(directory);
    }

    /// <summary>The spool directory (full path).</summary>
    public string Directory { get; }

    /// <summary>Appended and not yet acknowledged.</summary>
    public long PendingRecords
    {
        get { lock (_gate) return _pendingRecords; }
    }

    /// <summary>Payload bytes of the pending records (what a shipper still has to send; framing not included).</summary>
    public long PendingBytes
    {
        get { lock (_gate) return _pendingBytes; }
    }

    /// <summary>Appends refused since Open: the spool was full, the payload too large, or the write failed.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>The part of <see cref="Rejected"/> caused by a failed write (e.g. the disk itself is full).</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Records dropped as torn or corrupt by the recovery in <see cref="Open"/>.</summary>
    public long CorruptRecordsDropped => Interlocked.Read(ref _corruptDropped);

    /// <summary>Bytes the segment files occupy (bounded by maxBytes).</summary>
    public long DiskBytes
    {
        get { lock (_gate) return _diskBytes; }
    }

    /// <summary>
    /// Opens (creating if needed) a spool directory; recovers after a crash: a torn or checksum-failing tail record is
    /// truncated away (counted in <see cref="CorruptRecordsDropped"/>), everything before it is kept; see
    /// <see cref="SegmentScanner"/> for damage inside a segment. One process at a time (lock file; a second opener gets
    /// a clear <see cref="IOException"/> naming the directory).
    /// </summary>
    /// <param name="directory">Spool directory; created if missing.</param>
    /// <param name="maxBytes">Bound on the segment files together.</param>
    /// <param name="segmentBytes">Size at which a segment is closed and a new one started (a larger single record gets a
    /// segment of its own). Capped at a quarter of <paramref name="maxBytes"/>, so that a small spool still gives space
    /// back in steps as it drains instead of only when empty.</param>
    /// <exception cref="IOException">The directory is in use by another spool, or cannot be read or written.</exception>
    /// <exception cref="InvalidDataException">A segment was written by a newer, unknown format version, or segments overlap.</exception>
    public static DurableSpool Open(string directory, long maxBytes = 256L << 20, int segmentBytes = 16 << 20)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, MinSegmentBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, MinSegmentBytes);
        segmentBytes = (int)Math.Min(segmentBytes, Math.Max(MinSegmentBytes, maxBytes / 4));

        string full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        var lockFile = AcquireLock(full);
        var spool = new DurableSpool(full, lockFile, maxBytes, segmentBytes);
        try
        {
            spool.Recover();
            return spool;
        }
        catch
        {
            spool.CloseFiles();
            throw;
        }
    }

    /// <summary>
    /// Appends one record (an opaque payload, e.g. an NDJSON action+document pair); returns its sequence number
    /// (monotonic across restarts). When the spool is full the record is refused (returns -1) and counted in
    /// <see cref="Rejected"/>; likewise a payload over 1 GiB and a failed write (<see cref="WriteErrors"/>). Never
    /// blocks on I/O beyond one write call, never throws for any of these.
    /// </summary>
    public long Append(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long recordSize = SpoolFormat.RecordHeaderSize + (long)payload.Length;
            bool roll = _active is null || (_active.Count > 0 && _active.End + recordSize > _segmentBytes);
            if (payload.Length > SpoolFormat.MaxPayloadLength ||
                _diskBytes + recordSize + (roll ? SpoolFormat.SegmentHeaderSize : 0) > _maxBytes)
                return Refuse(writeError: false);
            if (roll && !TryStartSegment())
                return Refuse(writeError: true);

            var segment = _active!;
            long sequence = _nextSequence;
            if (!TryWriteRecord(segment, sequence, payload))
                return Refuse(writeError: true);

            segment.End += recordSize;
            segment.Count++;
            segment.Dirty = true;
            _diskBytes += recordSize;
            _nextSequence++;
            _pendingRecords++;
            _pendingBytes += payload.Length;
            return sequence;
        }
    }

    /// <summary>
    /// Makes every appended record durable: fsync of each segment written since the last flush (and of the directory
    /// when a segment was created). Appends may continue meanwhile.
    /// </summary>
    /// <exception cref="IOException">The operating system reported that the data could not be written to disk.</exception>
    public void Flush()
    {
        lock (_flushGate)
        {
            bool directory;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                foreach (var segment in _segments)
                {
                    if (!segment.Dirty) continue;
                    segment.Dirty = false;
                    var handle = segment.Handle;
                    bool added = false;
                    handle.DangerousAddRef(ref added); // a concurrent acknowledgement may delete and close the segment
                    _flushing.Add((segment, handle));
                }

                directory = _directoryDirty;
                _directoryDirty = false;
            }

            try
            {
                foreach (var (_, handle) in _flushing)
                    RandomAccess.FlushToDisk(handle);
                if (directory) DirectorySync.Flush(Directory, _nativeDirectory);
            }
            catch
            {
                lock (_gate)
                {
                    foreach (var (segment, _) in _flushing) segment.Dirty = true;
                    _directoryDirty |= directory;
                }

                throw;
            }
            finally
            {
                foreach (var (_, handle) in _flushing) handle.DangerousRelease();
                _flushing.Clear();
            }

            lock (_gate)
            {
                // Sealed segments are only read again when a Peek reaches them: give their descriptors back.
                for (int i = 1; i < _segments.Count; i++)
                    if (_segments[i] != _active && !_segments[i].Dirty) _segments[i].CloseHandle();
            }
        }
    }

    /// <summary>Copies up to <paramref name="maxRecords"/> of the oldest unacknowledged records, in order, into
    /// <paramref name="into"/> (cleared first); returns the count. The payloads share one new array per call.</summary>
    public int Peek(int maxRecords, List<SpoolRecord> into)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecords);
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (maxRecords == 0 || _pendingRecords == 0) return 0;

            // Pass 1: walk record headers to find, per segment, the contiguous byte range holding the batch.
            _peekRanges.Clear();
            long total = 0;
            int taken = 0;
            for (int i = 0; i < _segments.Count && taken < maxRecords; i++)
            {
                var segment = _segments[i];
                long start = i == 0 ? _headOffset : SpoolFormat.SegmentHeaderSize;
                long offset = start;
                int records = 0;
                while (taken < maxRecords && offset < segment.End)
                {
                    int length = segment.ReadRecordLength(offset);
                    long size = SpoolFormat.RecordHeaderSize + (long)length;
                    if (taken > 0 && total + size > MaxPeekBytes) break;
                    offset += size;
                    total += size;
                    records++;
                    taken++;
                }

                if (records > 0)
                {
                    long firstSequence = i == 0 ? Math.Max(segment.FirstSequence, _acknowledged + 1) : segment.FirstSequence;
                    _peekRanges.Add(new PeekRange(segment, start, offset, firstSequence, records));
                }

                if (offset < segment.End) break; // stopped inside this segment: batch full
            }

            // Pass 2: one read per range into the batch's array; payloads are slices of it.
            var data = new byte[total];
            int position = 0;
            foreach (var range in _peekRanges)
            {
                int rangeLength = (int)(range.End - range.Start);
                range.Segment.ReadExactly(data.AsSpan(position, rangeLength), range.Start);
                for (int r = 0; r < range.Records; r++)
                {
                    int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(position));
                    into.Add(new SpoolRecord(range.FirstSequence + r, data.AsMemory(position + SpoolFormat.RecordHeaderSize, length)));
                    position += SpoolFormat.RecordHeaderSize + length;
                }
            }

            var last = _peekRanges[^1];
            _peekEndSegment = last.Segment;
            _peekEndSequence = last.FirstSequence + last.Records - 1;
            _peekEndOffset = last.End;
            _peekRanges.Clear();
            return taken;
        }
    }

    /// <summary>
    /// Marks every record with Sequence &lt;= <paramref name="sequence"/> as delivered (a sequence beyond the newest
    /// record means all of them; an older one than already acknowledged changes nothing). Durable before it returns:
    /// the acknowledgement file is replaced atomically and fsynced. Whole segments are deleted once fully acknowledged.
    /// </summary>
    /// <exception cref="IOException">The acknowledgement could not be made durable; the records stay pending.</exception>
    public void Acknowledge(long sequence)
    {
        lock (_ackGate)
        {
            long target;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                target = Math.Min(sequence, _nextSequence - 1);
                if (target <= _acknowledged) return;
            }

            // Outside _gate: appends need not wait for these fsyncs. _ackGate keeps acknowledgements in order.
            WriteAckFile(target);

            lock (_gate)
            {
                if (_disposed) return;
                AdvanceHead(target);
            }
        }
    }

    /// <summary>Flushes (best effort: a failure leaves the data to the operating system) and releases the directory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
        }

        try
        {
            Flush();
        }
        catch (IOException)
        {
            // Nothing better to do while disposing; appended data is still with the operating system.
        }
        catch (ObjectDisposedException)
        {
            // Disposed concurrently.
        }

        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            CloseFiles();
        }
    }

    private static FileStream AcquireLock(string directory)
    {
        string path = Path.Combine(directory, SpoolFormat.LockFileName);
        FileStream stream;
        try
        {
            // FileShare.None: an exclusive lock (flock on Unix) the kernel drops when the holder dies, even by kill -9.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        }
        catch (IOException e)
        {
            throw new IOException(
                $"Spool directory '{directory}' is already in use by another process or another open spool (lock file '{path}' is held): {e.Message}", e);
        }

        try
        {
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
        }
        catch (IOException)
        {
            // The id is only for people; the lock is what matters.
        }

        return stream;
    }

    private long Refuse(bool writeError)
    {
        Interlocked.Increment(ref _rejected);
        if (writeError) Interlocked.Increment(ref _writeErrors);
        return -1;
    }

    private bool TryStartSegment()
    {
        long first = _nextSequence;
        string path = Path.Combine(Directory, SpoolFormat.SegmentFileName(first));
        SafeFileHandle? handle = null;
        try
        {
            handle = SpoolSegment.OpenWritable(path, FileMode.Create);
            Span<byte> header = stackalloc byte[SpoolFormat.SegmentHeaderSize];
            SpoolFormat.WriteSegmentHeader(header, first);
            RandomAccess.Write(handle, header, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle?.Dispose();
            TryDelete(path);
            return false;
        }

        var segment = new SpoolSegment(path, first, handle) { Dirty = true };
        _segments.Add(segment);
        if (_segments.Count == 1) _headOffset = SpoolFormat.SegmentHeaderSize;
        _active = segment;
        _diskBytes += SpoolFormat.SegmentHeaderSize;
        _directoryDirty = true;
        return true;
    }

    private bool TryWriteRecord(SpoolSegment segment, long sequence, ReadOnlySpan<byte> payload)
    {
        try
        {
            if (payload.Length <= SingleWriteLimit)
            {
                int size = SpoolFormat.RecordHeaderSize + payload.Length;
                if (_writeBuffer.Length < size) _writeBuffer = new byte[Math.Max(size, _writeBuffer.Length * 2)];
                SpoolFormat.WriteRecordHeader(_writeBuffer, sequence, payload);
                payload.CopyTo(_writeBuffer.AsSpan(SpoolFormat.RecordHeaderSize));
                RandomAccess.Write(segment.Handle, _writeBuffer.AsSpan(0, size), segment.End);
            }
            else
            {
                // A crash between the two writes leaves a torn tail, which recovery drops (nothing was flushed yet).
                Span<byte> header = stackalloc byte[SpoolFormat.RecordHeaderSize];
                SpoolFormat.WriteRecordHeader(header, sequence, payload);
                RandomAccess.Write(segment.Handle, header, segment.End);
                RandomAccess.Write(segment.Handle, payload, segment.End + SpoolFormat.RecordHeaderSize);
            }

            return true;
        }
        catch (IOException)
        {
            // Most likely the disk is full. Cut off whatever part made it, so the file ends on a record boundary.
            try
            {
                RandomAccess.SetLength(segment.Handle, segment.End);
            }
            catch (IOException)
            {
                // Recovery would drop the partial record as a torn tail.
            }

            return false;
        }
    }

    private void WriteAckFile(long acknowledged)
    {
        Span<byte> content = stackalloc byte[SpoolFormat.AckFileSize];
        SpoolFormat.WriteAck(content, acknowledged);
        using (var handle = File.OpenHandle(_ackTempPath, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, content, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(_ackTempPath, _ackPath, overwrite: true); // rename(2): readers see the old or the new file, never a mix
        DirectorySync.Flush(Directory, _nativeDirectory);
    }

    // Moves the head past everything <= target and deletes the segments that became fully acknowledged.
    private void AdvanceHead(long target)
    {
        long previous = _acknowledged;
        _acknowledged = target;
        while (_segments.Count > 0)
        {
            var head = _segments[0];
            long firstPending = Math.Max(head.FirstSequence, previous + 1);
            if (head.Count > 0 && head.LastSequence <= target)
            {
                long records = head.NextSequence - firstPending;
                _pendingRecords -= records;
                _pendingBytes -= SpoolSegment.PayloadBytes(_headOffset, head.End, records);
                RemoveHead();
                continue;
            }

            if (target >= firstPending)
            {
                long records = target - firstPending + 1;
                long end = _peekEndSegment == head && _peekEndSequence == target ? _peekEndOffset : head.Skip(_headOffset, records);
                _pendingRecords -= records;
                _pendingBytes -= SpoolSegment.PayloadBytes(_headOffset, end, records);
                _headOffset = end;
            }

            break;
        }
    }

    private void RemoveHead()
    {
        var head = _segments[0];
        _segments.RemoveAt(0);
        _diskBytes -= head.End;
        if (head == _active) _active = null;
        if (head == _peekEndSegment) _peekEndSegment = null;
        head.Dispose();
        TryDelete(head.Path); // the acknowledgement is durable already; a leftover file is deleted by the next Open
        _headOffset = SpoolFormat.SegmentHeaderSize;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Harmless: the next Open finds it fully acknowledged (or empty) and deletes it then.
        }
    }

    private void Recover()
    {
        _acknowledged = ReadAckFile();
        TryDelete(_ackTempPath);

        byte[]? scratch = null;
        long highestSeen = 0; // one past the newest record ever written, counting dropped ones
        var found = new List<SpoolSegment>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, SpoolFormat.SegmentSearchPattern))
        {
            var segment = RecoverSegment(path, ref scratch, ref highestSeen);
            if (segment is not null) found.Add(segment);
        }

        found.Sort(static (a, b) => a.FirstSequence.CompareTo(b.FirstSequence));
        for (int i = 1; i < found.Count; i++)
        {
            if (found[i].FirstSequence < found[i - 1].NextSequence)
            {
                foreach (var s in found) s.Dispose();
                throw new InvalidDataException(
                    $"Spool segments '{found[i - 1].Path}' and '{found[i].Path}' overlap in sequence numbers; the directory was modified by something else.");
            }
        }

        _nextSequence = Math.Max(Math.Max(_acknowledged + 1, highestSeen), 1);
        foreach (var segment in found)
        {
            if (segment.Count == 0 || segment.LastSequence <= _acknowledged)
            {
                segment.Dispose();
                TryDelete(segment.Path);
                continue;
            }

            _segments.Add(segment);
            _diskBytes += segment.End;
        }

        if (_segments.Count > 0)
        {
            var head = _segments[0];
            long acknowledgedInHead = Math.Max(0, _acknowledged - head.FirstSequence + 1);
            _headOffset = head.Skip(SpoolFormat.SegmentHeaderSize, acknowledgedInHead);
            foreach (var segment in _segments)
            {
                _pendingRecords += segment.Count;
                _pendingBytes += SpoolSegment.PayloadBytes(SpoolFormat.SegmentHeaderSize, segment.End, segment.Count);
            }

            _pendingRecords -= acknowledgedInHead;
            _pendingBytes -= SpoolSegment.PayloadBytes(SpoolFormat.SegmentHeaderSize, _headOffset, acknowledgedInHead);

            // Keep appending to the newest segment only if it ends exactly where the sequence continues.
            var newest = _segments[^1];
            if (newest.NextSequence == _nextSequence && newest.End < _segmentBytes)
            {
                newest.OpenForAppend();
                _active = newest;
            }
        }

        foreach (var segment in _segments)
            if (segment != _active) segment.CloseHandle();
    }

    // Verifies one segment file; truncates a damaged tail; returns null for a file that holds nothing usable.
    private SpoolSegment? RecoverSegment(string path, ref byte[]? scratch, ref long highestSeen)
    {
        using var handle = SpoolSegment.OpenWritable(path, FileMode.Open);
        long length = RandomAccess.GetLength(handle);
        if (length < SpoolFormat.SegmentHeaderSize)
        {
            // Created but its header never made it: it never held a record.
            handle.Dispose();
            TryDelete(path);
            return null;
        }

        Span<byte> header = stackalloc byte[SpoolFormat.SegmentHeaderSize];
        if (RandomAccess.Read(handle, header, 0) < header.Length) throw new IOException($"Cannot read spool segment '{path}'.");
        switch (SpoolFormat.ReadSegmentHeader(header, out long first, out int version))
        {
            case HeaderStatus.UnsupportedVersion:
                throw new InvalidDataException($"Spool segment '{path}' has format version {version}; this build reads version {SpoolFormat.FormatVersion}.");
            case HeaderStatus.Corrupt:
                // Without a trustworthy first sequence none of its records can be verified or numbered.
                Interlocked.Add(ref _corruptDropped, SegmentScanner.CountFrames(handle, SpoolFormat.SegmentHeaderSize, length));
                handle.Dispose();
                TryDelete(path);
                return null;
        }

        var scan = SegmentScanner.Scan(handle, length, first, ref scratch);
        if (scan.End < length)
        {
            // Cut the damage off now, durably, so appends (ours or a later run's) never follow garbage.
            RandomAccess.SetLength(handle, scan.End);
            RandomAccess.FlushToDisk(handle);
            Interlocked.Add(ref _corruptDropped, scan.Dropped);
        }

        highestSeen = Math.Max(highestSeen, first + scan.Count + scan.Dropped);
        return new SpoolSegment(path, first, handle: null) { Count = scan.Count, End = scan.End };
    }

    private long ReadAckFile()
    {
        try
        {
            Span<byte> content = stackalloc byte[SpoolFormat.AckFileSize + 1];
            using var handle = File.OpenHandle(_ackPath, FileMode.Open, FileAccess.Read, FileShare.Read);
            int read = RandomAccess.Read(handle, content, 0);
            // A damaged acknowledgement file (it is replaced atomically, so only media damage does that) means
            // redelivering from the oldest record: duplicates are harmless, losses are not.
            return SpoolFormat.TryReadAck(content[..read], out long acknowledged) ? acknowledged : 0;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    private void CloseFiles()
    {
        foreach (var segment in _segments) segment.Dispose();
        _segments.Clear();
        _active = null;
        _lockFile.Dispose();
    }

    private readonly record struct PeekRange(SpoolSegment Segment, long Start, long End, long FirstSequence, int Records);
}
