using IdsHalfOpen.Output.Spool;

namespace IdsHalfOpen.Output.Tests.Spool;

/// <summary>
/// Random sequences of append / flush / peek / acknowledge / reopen against a plain in-memory queue (fixed seeds).
/// A small bound makes refusals common, payloads larger than a segment occur, and after every step the spool's
/// counters, its bound and the files on disk are checked.
/// </summary>
public sealed class DurableSpoolModelTests : IDisposable
{
    private const int HeaderSize = 32;
    private const int RecordHeaderSize = 8;
    private const long MaxBytes = 3000;
    private const int SegmentBytes = 256;
    private const int MaxPayload = 400;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void RandomOperations_FixedSeed_BehaveLikeInMemoryQueue(int seed)
    {
        var random = new Random(seed);
        string directory = _temp.Sub("spool");
        var model = new List<(long Sequence, byte[] Payload)>();
        long nextSequence = 1;
        long rejected = 0;
        long everRejected = 0, reopens = 0, oversized = 0;
        var batch = new List<SpoolRecord>();
        var spool = DurableSpool.Open(directory, MaxBytes, SegmentBytes);
        try
        {
            for (int step = 0; step < 600; step++)
            {
                // Alternate filling phases (no acknowledgements: the bound is reached) and draining phases.
                bool filling = step / 100 % 2 == 0;
                int op = random.Next(100);
                if (filling && op >= 78 && op < 95) op = random.Next(50);
                string context = $"seed {seed} step {step} op {op}";
                if (op < 50)
                {
                    var payload = new byte[random.Next(8) == 0 ? random.Next(MaxPayload + 1) : random.Next(100)];
                    random.NextBytes(payload);
                    long diskBefore = spool.DiskBytes;
                    long sequence = spool.Append(payload);
                    if (sequence == -1)
                    {
                        rejected++;
                        everRejected++;
                        // Refused only when it truly would not fit, even in the current segment.
                        Assert.True(diskBefore + RecordHeaderSize + payload.Length > MaxBytes - HeaderSize, context);
                    }
                    else
                    {
                        Assert.Equal(nextSequence, sequence);
                        model.Add((sequence, payload));
                        if (payload.Length > SegmentBytes) oversized++;
                        nextSequence++;
                    }
                }
                else if (op < 60)
                {
                    spool.Flush();
                }
                else if (op < 78)
                {
                    int max = random.Next(25);
                    int n = spool.Peek(max, batch);
                    Assert.Equal(Math.Min(max, model.Count), n);
                    for (int i = 0; i < n; i++)
                    {
                        Assert.Equal(model[i].Sequence, batch[i].Sequence);
                        Assert.True(model[i].Payload.AsSpan().SequenceEqual(batch[i].Payload.Span), context);
                    }
                }
                else if (op < 95)
                {
                    long target = model.Count > 0 && random.Next(6) != 0
                        ? model[random.Next(model.Count)].Sequence
                        : random.Next(2) == 0 ? nextSequence + random.Next(5) : Math.Max(0, nextSequence - 1 - model.Count - random.Next(5));
                    spool.Acknowledge(target);
                    model.RemoveAll(r => r.Sequence <= target);
                }
                else
                {
                    spool.Dispose();
                    spool = DurableSpool.Open(directory, MaxBytes, SegmentBytes);
                    rejected = 0;
                    reopens++;
                    Assert.Equal(0, spool.CorruptRecordsDropped);
                    Assert.Equal(model.Count, spool.Peek(int.MaxValue, batch));
                    for (int i = 0; i < model.Count; i++)
                    {
                        Assert.Equal(model[i].Sequence, batch[i].Sequence);
                        Assert.True(model[i].Payload.AsSpan().SequenceEqual(batch[i].Payload.Span), context);
                    }
                }

                CheckInvariants(spool, model, rejected, directory, context);
            }
        }
        finally
        {
            spool.Dispose();
        }

        // The seed must have reached the interesting states, or this test proves less than it claims.
        Assert.True(everRejected > 0 && reopens > 0 && oversized > 0, $"rejected {everRejected}, reopens {reopens}, oversized {oversized}");
    }

    private static void CheckInvariants(DurableSpool spool, List<(long Sequence, byte[] Payload)> model, long rejected, string directory, string context)
    {
        Assert.Equal(model.Count, spool.PendingRecords);
        Assert.Equal(model.Sum(r => (long)r.Payload.Length), spool.PendingBytes);
        Assert.Equal(rejected, spool.Rejected);
        Assert.Equal(0, spool.WriteErrors);

        string[] segments = Directory.GetFiles(directory, "*.seg");
        long onDisk = segments.Sum(f => new FileInfo(f).Length);
        Assert.Equal(onDisk, spool.DiskBytes);
        Assert.True(onDisk <= MaxBytes, context);
        // Acknowledged bytes still on disk live only in the oldest segment: space is given back promptly.
        long framed = model.Sum(r => RecordHeaderSize + (long)r.Payload.Length);
        long oldestSegmentLimit = Math.Max(SegmentBytes, HeaderSize + RecordHeaderSize + MaxPayload);
        Assert.True(onDisk <= framed + (segments.Length * (long)HeaderSize) + oldestSegmentLimit, context);
        if (model.Count == 0) Assert.Empty(segments);
    }
}
