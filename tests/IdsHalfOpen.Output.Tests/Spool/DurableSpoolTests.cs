using System.Buffers.Binary;
using IdsHalfOpen.Output.Spool;
using static IdsHalfOpen.Output.Tests.Spool.SpoolTestKit;

namespace IdsHalfOpen.Output.Tests.Spool;

public sealed class DurableSpoolTests : IDisposable
{
    private const int HeaderSize = 32;
    private const int RecordHeaderSize = 8;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Append_RecordsAcrossSegmentRollover_PeekReturnsAllInOrderWithSequences()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        long payloadBytes = 0;
        for (long n = 1; n <= 100; n++)
        {
            Assert.Equal(n, spool.Append(Payload(n)));
            payloadBytes += Payload(n).Length;
        }

        Assert.True(SegmentFiles(_temp.Path).Length > 10, "small segments must roll over");
        var pending = PendingOf(spool);
        Assert.Equal(Enumerable.Range(1, 100).Select(n => ((long)n, Text(Payload(n)))), pending);
        Assert.Equal(100, spool.PendingRecords);
        Assert.Equal(payloadBytes, spool.PendingBytes);
        Assert.Equal(0, spool.Rejected);
    }

    [Fact]
    public void Peek_BatchesAcknowledgedOneByOne_DeliversEveryRecordOnceAndDeletesAllSegments()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        for (long n = 1; n <= 100; n++) spool.Append(Payload(n));

        var batch = new List<SpoolRecord>();
        long expected = 1;
        while (spool.Peek(7, batch) > 0)
        {
            Assert.True(batch.Count <= 7);
            foreach (var record in batch)
            {
                Assert.Equal(expected, record.Sequence);
                Assert.Equal(Text(Payload(expected)), Text(record.Payload));
                expected++;
            }

            Assert.Equal(batch[0].Sequence, spool.Peek(7, batch) > 0 ? batch[0].Sequence : -1); // Peek does not consume
            spool.Acknowledge(batch[^1].Sequence);
        }

        Assert.Equal(101, expected);
        Assert.Equal(0, spool.PendingRecords);
        Assert.Equal(0, spool.PendingBytes);
        Assert.Equal(0, spool.DiskBytes);
        Assert.Empty(SegmentFiles(_temp.Path));
    }

    [Fact]
    public void Acknowledge_PartOfSegments_DeletesOnlyFullyAcknowledgedSegments()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        for (long n = 1; n <= 60; n++) spool.Append(Payload(n));
        string[] before = SegmentFiles(_temp.Path);
        long secondFirst = long.Parse(Path.GetFileNameWithoutExtension(before[1]), System.Globalization.CultureInfo.InvariantCulture);

        spool.Acknowledge(secondFirst - 1); // exactly the first segment
        Assert.Equal(before[1..], SegmentFiles(_temp.Path));

        spool.Acknowledge(secondFirst); // one record into the second: it stays
        Assert.Equal(before[1..], SegmentFiles(_temp.Path));
        Assert.Equal(60 - secondFirst, spool.PendingRecords);
        Assert.Equal(secondFirst + 1, PendingOf(spool)[0].Sequence);
        long bytes = Enumerable.Range((int)secondFirst + 1, 60 - (int)secondFirst).Sum(n => (long)Payload(n).Length);
        Assert.Equal(bytes, spool.PendingBytes);
    }

    [Fact]
    public void Open_AfterDisposeWithPartialAcknowledge_KeepsPendingRecordsAndContinuesSequence()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
        {
            for (long n = 1; n <= 50; n++) spool.Append(Payload(n));
            spool.Acknowledge(20);
        }

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        Assert.Equal(Enumerable.Range(21, 30).Select(n => ((long)n, Text(Payload(n)))), PendingOf(reopened));
        Assert.Equal(30, reopened.PendingRecords);
        Assert.Equal(Enumerable.Range(21, 30).Sum(n => (long)Payload(n).Length), reopened.PendingBytes);
        Assert.Equal(0, reopened.CorruptRecordsDropped);
        Assert.Equal(51, reopened.Append(Payload(51)));
        Assert.Equal(51, PendingOf(reopened)[^1].Sequence);
    }

    [Fact]
    public void Open_AfterEverythingAcknowledged_ContinuesSequenceAboveAcknowledged()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
        {
            for (long n = 1; n <= 10; n++) spool.Append(Payload(n));
            spool.Acknowledge(10);
            Assert.Empty(SegmentFiles(_temp.Path));
        }

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        Assert.Equal(0, reopened.PendingRecords);
        Assert.Equal(11, reopened.Append(Payload(11)));
    }

    [Fact]
    public void Append_BeyondMaxBytes_RefusesWithoutThrowingAndAcceptsAgainAfterAcknowledge()
    {
        const long maxBytes = 1024;
        using var spool = DurableSpool.Open(_temp.Path, maxBytes, segmentBytes: 256);
        var payload = new byte[40];
        long accepted = 0;
        while (spool.Append(payload) > 0) accepted++;

        Assert.True(accepted >= 15, $"only {accepted} records fitted");
        Assert.Equal(1, spool.Rejected);
        Assert.True(spool.DiskBytes <= maxBytes);
        Assert.True(spool.DiskBytes + RecordHeaderSize + payload.Length > maxBytes - HeaderSize);
        long onDisk = SegmentFiles(_temp.Path).Sum(f => new FileInfo(f).Length);
        Assert.Equal(spool.DiskBytes, onDisk);
        for (int i = 0; i < 5; i++) Assert.Equal(-1, spool.Append(payload));
        Assert.Equal(6, spool.Rejected);
        Assert.Equal(0, spool.WriteErrors);
        Assert.Equal(accepted, spool.PendingRecords);

        // Half a segment acknowledged frees nothing; the whole first segment does.
        spool.Acknowledge(1);
        Assert.Equal(-1, spool.Append(payload));
        long firstOfSecond = long.Parse(Path.GetFileNameWithoutExtension(SegmentFiles(_temp.Path)[1]), System.Globalization.CultureInfo.InvariantCulture);
        spool.Acknowledge(firstOfSecond - 1);
        Assert.Equal(accepted + 1, spool.Append(payload));
        Assert.Equal(accepted + 1 - (firstOfSecond - 1), spool.PendingRecords);
    }

    [Fact]
    public void Append_PayloadLargerThanSegment_GetsASegmentOfItsOwn()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
        {
            spool.Append(Payload(1));
            var big = Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray();
            Assert.Equal(2, spool.Append(big));
            Assert.Equal(3, spool.Append(Payload(3)));
            Assert.Equal(3, SegmentFiles(_temp.Path).Length);
        }

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        var records = new List<SpoolRecord>();
        Assert.Equal(3, reopened.Peek(10, records));
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => (byte)i), records[1].Payload.ToArray());
    }

    [Fact]
    public void Open_MaxBytesBelowSegmentSize_UsesQuarterSegmentsSoSpaceReturnsWhileDraining()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 4096); // default segment size is 16 MiB
        var payload = new byte[100];
        long accepted = 0;
        while (spool.Append(payload) > 0) accepted++;
        Assert.InRange(SegmentFiles(_temp.Path).Length, 4, 5);
        Assert.All(SegmentFiles(_temp.Path), f => Assert.True(new FileInfo(f).Length <= 1024));

        spool.Acknowledge(accepted / 3); // at least one whole segment
        Assert.Equal(accepted + 1, spool.Append(payload));
    }

    [Fact]
    public void Append_PayloadLargerThanMaxBytes_IsRefused()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 4096, segmentBytes: 256);
        Assert.Equal(-1, spool.Append(new byte[4096]));
        Assert.Equal(1, spool.Rejected);
        Assert.Equal(1, spool.Append(new byte[10]));
    }

    [Fact]
    public void Append_EmptyPayload_RoundTrips()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 4096, segmentBytes: 256))
        {
            Assert.Equal(1, spool.Append([]));
            Assert.Equal(2, spool.Append(Payload(2)));
        }

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 4096, segmentBytes: 256);
        Assert.Equal([(1L, ""), (2L, Text(Payload(2)))], PendingOf(reopened));
    }

    [Fact]
    public void Open_SameDirectoryTwice_SecondThrowsIOExceptionNamingDirectoryUntilFirstDisposed()
    {
        var first = DurableSpool.Open(_temp.Path);
        first.Append(Payload(1));
        var e = Assert.Throws<IOException>(() => DurableSpool.Open(_temp.Path));
        Assert.Contains(_temp.Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("in use", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, first.Append(Payload(2))); // the failed opener disturbed nothing

        first.Dispose();
        using var second = DurableSpool.Open(_temp.Path);
        Assert.Equal(2, second.PendingRecords);
    }

    [Fact]
    public void Open_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DurableSpool.Open(_temp.Path, maxBytes: 1000, segmentBytes: 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => DurableSpool.Open(_temp.Path, maxBytes: 32));
        Assert.Throws<ArgumentException>(() => DurableSpool.Open(" "));
    }

    [Fact]
    public void Acknowledge_BeyondNewestOrBackwards_ClampsAndNeverUnacknowledges()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
        {
            for (long n = 1; n <= 5; n++) spool.Append(Payload(n));
            spool.Acknowledge(1_000);
            Assert.Equal(0, spool.PendingRecords);
            Assert.Equal(6, spool.Append(Payload(6)));
            spool.Acknowledge(3);
            Assert.Equal([(6L, Text(Payload(6)))], PendingOf(spool));
        }

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        Assert.Equal([(6L, Text(Payload(6)))], PendingOf(reopened));
        Assert.Equal(7, reopened.Append(Payload(7)));
    }

    [Fact]
    public void Peek_PayloadsOfEarlierPeek_StayIntactAfterLaterPeeksAndAcknowledges()
    {
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        for (long n = 1; n <= 20; n++) spool.Append(Payload(n));
        var first = new List<SpoolRecord>();
        spool.Peek(5, first);
        spool.Acknowledge(5);
        var second = new List<SpoolRecord>();
        spool.Peek(5, second);
        Assert.Equal(Enumerable.Range(1, 5).Select(n => Text(Payload(n))), first.Select(r => Text(r.Payload)));
        Assert.Equal(Enumerable.Range(6, 5).Select(n => (long)n), second.Select(r => r.Sequence));
        Assert.Equal(0, spool.Peek(0, second));
        Assert.Empty(second);
    }

    [Fact]
    public void Open_TornTailAtEveryByteOfLastRecord_KeepsEarlierRecordsAndDropsTornOne()
    {
        string source = _temp.Sub("source");
        using (var spool = DurableSpool.Open(source, maxBytes: 1 << 20, segmentBytes: 256))
            for (long n = 1; n <= 12; n++) spool.Append(Payload(n));

        string lastSegment = Path.GetFileName(SegmentFiles(source)[^1]);
        long length = new FileInfo(Path.Combine(source, lastSegment)).Length;
        long lastStart = length - RecordHeaderSize - Payload(12).Length;
        Assert.True(lastStart > HeaderSize, "the last segment must hold an earlier record too");

        for (long cut = lastStart; cut < length; cut++)
        {
            string copy = _temp.Sub("cut-" + cut);
            CopyDirectory(source, copy);
            using (var file = new FileStream(Path.Combine(copy, lastSegment), FileMode.Open)) file.SetLength(cut);

            using (var spool = DurableSpool.Open(copy, maxBytes: 1 << 20, segmentBytes: 256))
            {
                Assert.Equal(Enumerable.Range(1, 11).Select(n => ((long)n, Text(Payload(n)))), PendingOf(spool));
                Assert.Equal(cut > lastStart ? 1 : 0, spool.CorruptRecordsDropped);
                Assert.Equal(lastStart, new FileInfo(Path.Combine(copy, lastSegment)).Length);
                // A torn record's number is never reused; a record that vanished without a trace cannot be known.
                Assert.Equal(cut > lastStart ? 13 : 12, spool.Append(Payload(99)));
            }

            using var again = DurableSpool.Open(copy, maxBytes: 1 << 20, segmentBytes: 256);
            Assert.Equal(0, again.CorruptRecordsDropped);
            Assert.Equal(12, again.PendingRecords);
            Assert.Equal(Text(Payload(99)), PendingOf(again)[^1].Text);
        }
    }

    [Fact]
    public void Open_TornSegmentHeader_DeletesEmptySegmentWithoutCountingAnything()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
            for (long n = 1; n <= 3; n++) spool.Append(Payload(n));
        File.WriteAllBytes(Path.Combine(_temp.Path, "0000000000000000004.seg"), new byte[HeaderSize / 2]);

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        Assert.Equal(3, reopened.PendingRecords);
        Assert.Equal(0, reopened.CorruptRecordsDropped);
        Assert.Single(SegmentFiles(_temp.Path));
        Assert.Equal(4, reopened.Append(Payload(4)));
    }

    /// <summary>
    /// Policy: a record failing its checksum is dropped with everything after it in the same segment (its length can
    /// no longer be trusted to find the next record); other segments are untouched. Exhaustive over every record of a
    /// middle segment and a bit in its checksum, its payload and its length field.
    /// </summary>
    [Fact]
    public void Open_BitFlippedInRecord_DropsThatRecordAndTheRestOfItsSegmentOnly()
    {
        string source = _temp.Sub("source");
        using (var spool = DurableSpool.Open(source, maxBytes: 1 << 20, segmentBytes: 256))
            for (long n = 1; n <= 40; n++) spool.Append(Payload(n));

        string[] segments = SegmentFiles(source);
        Assert.True(segments.Length >= 4);
        string victim = Path.GetFileName(segments[1]);
        long first = long.Parse(Path.GetFileNameWithoutExtension(victim), System.Globalization.CultureInfo.InvariantCulture);
        var offsets = RecordOffsets(File.ReadAllBytes(segments[1]));
        Assert.True(offsets.Count >= 3);

        for (int k = 0; k < offsets.Count; k++)
        {
            long damaged = first + k;
            long segmentEnd = first + offsets.Count; // first sequence of the next segment
            var cases = new (string Name, long Position, int Bit, bool ExactCount)[]
            {
                ("checksum", offsets[k] + 4, 3, true),
                ("payload", offsets[k] + RecordHeaderSize + (Payload(damaged).Length / 2), 0, true),
                ("length-high", offsets[k] + 3, 6, false),
                ("length-low", offsets[k], 0, false),
            };
            foreach (var (name, position, bit, exact) in cases)
            {
                string copy = _temp.Sub($"flip-{k}-{name}");
                CopyDirectory(source, copy);
                string path = Path.Combine(copy, victim);
                var bytes = File.ReadAllBytes(path);
                bytes[position] ^= (byte)(1 << bit);
                File.WriteAllBytes(path, bytes);

                using var spool = DurableSpool.Open(copy, maxBytes: 1 << 20, segmentBytes: 256);
                var expected = Enumerable.Range(1, 40).Where(n => n < damaged || n >= segmentEnd).Select(n => ((long)n, Text(Payload(n))));
                Assert.Equal(expected, PendingOf(spool));
                if (exact)
                    Assert.Equal(segmentEnd - damaged, spool.CorruptRecordsDropped);
                else
                    Assert.InRange(spool.CorruptRecordsDropped, 1, segmentEnd - damaged + 1);
                Assert.Equal(41, spool.Append(Payload(41)));
            }
        }
    }

    [Fact]
    public void Open_CorruptSegmentHeader_DropsThatSegmentCountsItsRecordsKeepsTheOthers()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256))
            for (long n = 1; n <= 30; n++) spool.Append(Payload(n));

        string[] segments = SegmentFiles(_temp.Path);
        var second = File.ReadAllBytes(segments[1]);
        long first = BinaryPrimitives.ReadInt64LittleEndian(second.AsSpan(16));
        int records = RecordOffsets(second).Count;
        second[17] ^= 0x10;
        File.WriteAllBytes(segments[1], second);

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 256);
        Assert.Equal(records, reopened.CorruptRecordsDropped);
        Assert.Equal(Enumerable.Range(1, 30).Where(n => n < first || n >= first + records).Select(n => (long)n), PendingOf(reopened).Select(r => r.Sequence));
        Assert.False(File.Exists(segments[1]));
    }

    [Fact]
    public void Open_SegmentOfUnknownFormatVersion_ThrowsInvalidDataNamingFile()
    {
        using (var spool = DurableSpool.Open(_temp.Path)) spool.Append(Payload(1));
        string segment = SegmentFiles(_temp.Path)[0];
        var bytes = File.ReadAllBytes(segment);
        SpoolFormat.WriteSegmentHeader(bytes, 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Crc32C.Compute(bytes.AsSpan(0, 28)));
        File.WriteAllBytes(segment, bytes);

        var e = Assert.Throws<InvalidDataException>(() => DurableSpool.Open(_temp.Path));
        Assert.Contains(segment, e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => DurableSpool.Open(_temp.Path)); // the failed Open released its lock: not "in use"
    }

    [Fact]
    public void Open_DamagedAcknowledgementFile_RedeliversFromOldestRecord()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 4096))
        {
            for (long n = 1; n <= 10; n++) spool.Append(Payload(n));
            spool.Acknowledge(4);
        }

        string ack = Path.Combine(_temp.Path, "ack");
        var bytes = File.ReadAllBytes(ack);
        bytes[9] ^= 1;
        File.WriteAllBytes(ack, bytes);

        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 4096);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (long)n), PendingOf(reopened).Select(r => r.Sequence));
    }

    [Fact]
    public void Open_LeftoverTemporaryAcknowledgement_IsIgnoredAndRemoved()
    {
        using (var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 4096))
        {
            for (long n = 1; n <= 10; n++) spool.Append(Payload(n));
            spool.Acknowledge(4);
        }

        // A crash between writing ack.tmp and renaming it: the old acknowledgement stands.
        File.WriteAllBytes(Path.Combine(_temp.Path, "ack.tmp"), [1, 2, 3]);
        using var reopened = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 4096);
        Assert.Equal(5, PendingOf(reopened)[0].Sequence);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "ack.tmp")));
    }

    [Fact]
    public void Append_ConcurrentProducerAndConsumer_DeliversEveryRecordOnceInOrder()
    {
        const int total = 5000;
        using var spool = DurableSpool.Open(_temp.Path, maxBytes: 1 << 20, segmentBytes: 4096);
        long wrongSequences = 0;
        var producer = new Thread(() =>
        {
            for (long n = 1; n <= total; n++)
            {
                if (spool.Append(Payload(n)) != n) wrongSequences++;
                if (n % 500 == 0) spool.Flush();
            }
        });
        producer.Start();

        var batch = new List<SpoolRecord>();
        long expected = 1;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        try
        {
            while (expected <= total && DateTime.UtcNow < deadline)
            {
                if (spool.Peek(64, batch) == 0)
                {
                    Thread.Yield();
                    continue;
                }

                foreach (var record in batch)
                {
                    Assert.Equal(expected, record.Sequence);
                    Assert.Equal(Text(Payload(expected)), Text(record.Payload));
                    expected++;
                }

                spool.Acknowledge(batch[^1].Sequence);
            }
        }
        finally
        {
            producer.Join(); // before the spool is disposed, whatever happened
        }

        Assert.Equal(0, wrongSequences);
        Assert.Equal(total + 1, expected);
        Assert.Equal(0, spool.PendingRecords);
    }

    [Fact]
    public void Members_AfterDispose_ThrowObjectDisposed()
    {
        var spool = DurableSpool.Open(_temp.Path);
        spool.Dispose();
        spool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => spool.Append(Payload(1)));
        Assert.Throws<ObjectDisposedException>(() => spool.Peek(1, []));
        Assert.Throws<ObjectDisposedException>(spool.Flush);
    }

    // Start offsets of the records in a segment file (format: 32-byte header, then [length][crc][payload]...).
    private static List<long> RecordOffsets(byte[] segment)
    {
        var offsets = new List<long>();
        long offset = HeaderSize;
        while (offset < segment.Length)
        {
            offsets.Add(offset);
            offset += RecordHeaderSize + BinaryPrimitives.ReadUInt32LittleEndian(segment.AsSpan((int)offset));
        }

        Assert.Equal(segment.Length, offset);
        return offsets;
    }
}
