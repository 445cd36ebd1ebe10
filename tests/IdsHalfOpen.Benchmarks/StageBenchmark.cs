using System.Diagnostics;
using System.Globalization;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Detection.Engine;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Tracking;
using IdsHalfOpen.Tracking.Sharding;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// Where replay time goes: the same file through ever longer prefixes of the pipeline, in one process, best of several
/// rounds each. The differences between lines are the cost of each stage (on 2 cores, stages on other threads overlap).
/// </summary>
internal static class StageBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        int packets = Args.Int(args, "--packets", 10_000_000);
        int rounds = Args.Int(args, "--rounds", 3);
        int shards = Args.Int(args, "--shards", Environment.ProcessorCount);
        string path = Args.String(args, "--file") ?? Captures.Mixed(packets);
        Console.WriteLine($"file {Captures.Describe(path)}, shards {shards}");
        var stages = new (string Name, Func<string, long> Run)[]
        {
            ("read", ReadOnly),
            ("+ decode", ReadDecode),
            ("+ tracker inline (one HandshakeTracker)", TrackInline),
            ($"+ ShardedTracker ({shards} shards), consumer discards", p => Sharded(p, shards, null)),
            ($"+ DetectionEngine (full replay, no sinks)", p => Sharded(p, shards, RuleSet.Default)),
            ($"  same, tracked on the reader thread", p => Sharded(p, shards, RuleSet.Default, onProducer: true)),
        };
        if (Args.String(args, "--only") is { } only) stages = [.. stages.Where((_, i) => only.Contains((char)('0' + i)))];
        var best = new double[stages.Length];
        var bestCpu = new double[stages.Length];
        Array.Fill(best, double.MaxValue);
        Array.Fill(bestCpu, double.MaxValue);
        long frames = 0;
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < stages.Length; i++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                frames = stages[i].Run(path);
                best[i] = Math.Min(best[i], sw.Elapsed.TotalSeconds);
                bestCpu[i] = Math.Min(bestCpu[i], (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            }
        }

        for (int i = 0; i < stages.Length; i++)
        {
            Console.WriteLine(string.Create(C, $"{stages[i].Name,-48} best {best[i]:F3} s  {frames / best[i] / 1e6,6:F2} Mpps  {best[i] * 1e9 / frames,6:F0} ns/packet  cpu {bestCpu[i]:F3} s ({bestCpu[i] * 1e9 / frames:F0} ns/packet, all threads)"));
        }

        return 0;
    }

    private static long ReadOnly(string path)
    {
        long frames = 0;
        using var source = OfflineSource.Open(path);
        while (source.Read(out RawFrame frame) == ReadResult.Packet) frames++;
        return frames;
    }

    private static long ReadDecode(string path)
    {
        var decoder = new PacketDecoder();
        using var source = OfflineSource.Open(path);
        while (source.Read(out RawFrame frame) == ReadResult.Packet) decoder.TryDecode(in frame, out _, out _);
        return decoder.Statistics.Frames;
    }

    private static long TrackInline(string path)
    {
        // Batches of one epoch, as a shard receives them.
        const int Epoch = 4096;
        var decoder = new PacketDecoder();
        var options = new TrackerOptions();
        var tracker = new HandshakeTracker(options, options.MaxEntries);
        var output = new EventBuffer(16384);
        var packets = new TcpPacket[Epoch];
        var clocks = new long[Epoch];
        var orders = new long[Epoch];
        int n = 0;
        long order = 0, clock = long.MinValue;
        using (var source = OfflineSource.Open(path))
        {
            while (source.Read(out RawFrame frame) == ReadResult.Packet)
            {
                if (!decoder.TryDecode(in frame, out packets[n], out _)) continue;
                if (packets[n].TimestampNs > clock) clock = packets[n].TimestampNs;
                clocks[n] = clock;
                orders[n] = order++;
                if (++n == Epoch)
                {
                    tracker.ProcessBatch(packets, clocks, orders, output);
                    tracker.AdvanceTo(clock, output);
                    output.Clear();
                    n = 0;
                }
            }
        }

        tracker.ProcessBatch(packets.AsSpan(0, n), clocks.AsSpan(0, n), orders.AsSpan(0, n), output);
        output.Clear();
        while (!tracker.FlushPart(clock, output, Epoch)) output.Clear();
        return decoder.Statistics.Frames;
    }

    private static long Sharded(string path, int shards, RuleSet? rules, bool onProducer = false)
    {
        var decoder = new PacketDecoder();
        using var tracker = new ShardedTracker(new TrackerOptions(), new ShardingOptions { Shards = shards, Backpressure = BackpressureMode.Wait, TrackOnProducer = onProducer });
        ITrackerEventHandler handler = rules is null ? new Discard() : new DetectionEngine(rules, new DetectionOptions(), new NoOutput());
        var consumer = new Thread(() => tracker.Consume(handler)) { Name = "bench-consumer" };
        consumer.Start();
        using (var source = OfflineSource.Open(path))
        {
            while (source.Read(out RawFrame frame) == ReadResult.Packet)
            {
                if (decoder.TryDecode(in frame, out var p, out _)) tracker.Post(in p);
            }
        }

        tracker.Complete();
        consumer.Join();
        (handler as DetectionEngine)?.Finish(tracker.ClockNs);
        return decoder.Statistics.Frames;
    }

    private sealed class Discard : ITrackerEventHandler
    {
        public void OnEvent(in TrackerEvent e)
        {
        }

        public void OnEpochEnd(long clockNs)
        {
        }
    }

    private sealed class NoOutput : IDetectionOutput
    {
        public void OnAlert(AlertEvent alert)
        {
        }

        public void OnConnection(in TrackerEvent closed)
        {
        }
    }
}
