using BenchmarkDotNet.Attributes;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// <see cref="HandshakeTracker.Process"/> in steady state: the table, slab, wheel and event buffer have grown in the
/// global setup, and the buffer is emptied between invocations as the shard does per epoch. The MemoryDiagnoser column
/// must read "-" (0 bytes): the tracker allocates nothing per packet once warm.
/// </summary>
[MemoryDiagnoser]
public class TrackerBenchmarks
{
    private const int PacketsPerInvoke = 4096;
    private const int Flows = 65536;
    private HandshakeTracker _tracker = null!;
    private EventBuffer _output = null!;
    private TcpPacket[] _packets = [];
    private long _clock;
    private long _order;
    private readonly TcpPacket[] _batch = new TcpPacket[PacketsPerInvoke];
    private readonly long[] _clocks = new long[PacketsPerInvoke];
    private readonly long[] _orders = new long[PacketsPerInvoke];

    /// <summary>
    /// handshake: full connections (SYN, SYN-ACK, ACK, data, FIN, FIN, ACK) over 65 536 concurrent flows;
    /// flood: spoofed SYNs from ever new sources into a full table (each one evicts), the worst case.
    /// </summary>
    [Params("handshake", "flood")]
    public string Traffic { get; set; } = "handshake";

    [GlobalSetup]
    public void Setup()
    {
        var options = new TrackerOptions { MaxEntries = Traffic == "flood" ? 100_000 : 1_000_000 };
        _tracker = new HandshakeTracker(options, options.MaxEntries);
        _output = new EventBuffer(PacketsPerInvoke * 4);
        _packets = Traffic == "flood" ? Flood() : Handshakes();
        _clock = 1_763_800_000_000_000_000;

        // Warm up: grow the table to its working size and let every buffer reach its final capacity.
        for (int i = 0; i < 64; i++) Process();
    }

    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public int Process()
    {
        var packets = _packets;
        var tracker = _tracker;
        var output = _output;
        int start = (int)(_order % packets.Length);
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            ref var p = ref packets[(start + i) % packets.Length];
            _clock += 1_000;
            p.TimestampNs = _clock;
            if (Traffic == "flood")
            {
                // A new spoofed source every time: the table never holds the same flow twice.
                p.Source = (UInt128)(0xFFFF_0B00_0000UL | (uint)(_order & 0xFFFFFF));
            }

            tracker.Process(in p, _clock, _order++, output);
        }

        int n = output.Count;
        output.Clear();
        return n;
    }

    /// <summary>The same packets through <see cref="HandshakeTracker.ProcessBatch"/>, as a shard runs them (with prefetching).</summary>
    [Benchmark(OperationsPerInvoke = PacketsPerInvoke)]
    public int ProcessBatch()
    {
        var packets = _packets;
        int start = (int)(_order % packets.Length);
        for (int i = 0; i < PacketsPerInvoke; i++)
        {
            ref var p = ref _batch[i];
            p = packets[(start + i) % packets.Length];
            _clock += 1_000;
            p.TimestampNs = _clock;
            if (Traffic == "flood") p.Source = (UInt128)(0xFFFF_0B00_0000UL | (uint)(_order & 0xFFFFFF));
            _clocks[i] = _clock;
            _orders[i] = _order++;
        }

        _tracker.ProcessBatch(_batch, _clocks, _orders, _output);
        int n = _output.Count;
        _output.Clear();
        return n;
    }

    private static TcpPacket[] Handshakes()
    {
        // 8 packets per connection; the flows rotate so each connection's packets are spread out in time.
        var list = new TcpPacket[Flows * 8];
        for (int f = 0; f < Flows; f++)
        {
            UInt128 client = 0xFFFF_0A01_0000UL | (uint)f, server = 0xFFFF_0A00_0001UL;
            ushort cport = (ushort)(1024 + (f & 0x7FFF)), sport = 443;
            uint cisn = (uint)f * 7919, sisn = (uint)f * 104729;
            var c = Seg(client, server, cport, sport);
            var s = Seg(server, client, sport, cport);
            TcpPacket[] conn =
            [
                With(c, TcpFlags.Syn, cisn, 0, 0),
                With(s, TcpFlags.Syn | TcpFlags.Ack, sisn, cisn + 1, 0),
                With(c, TcpFlags.Ack, cisn + 1, sisn + 1, 0),
                With(c, TcpFlags.Ack | TcpFlags.Psh, cisn + 1, sisn + 1, 200),
                With(s, TcpFlags.Ack | TcpFlags.Psh, sisn + 1, cisn + 201, 1000),
                With(c, TcpFlags.Fin | TcpFlags.Ack, cisn + 201, sisn + 1001, 0),
                With(s, TcpFlags.Fin | TcpFlags.Ack, sisn + 1001, cisn + 202, 0),
                With(c, TcpFlags.Ack, cisn + 202, sisn + 1002, 0),
            ];
            for (int k = 0; k < 8; k++) list[k * Flows + f] = conn[k];
        }

        return list;
    }

    private static TcpPacket[] Flood()
    {
        var list = new TcpPacket[PacketsPerInvoke];
        for (int i = 0; i < list.Length; i++)
        {
            list[i] = With(Seg(0xFFFF_0B00_0000UL | (uint)i, 0xFFFF_0A00_000AUL, (ushort)(1024 + i), 80), TcpFlags.Syn, (uint)i * 2654435761u, 0, 0);
        }

        return list;
    }

    private static TcpPacket Seg(UInt128 src, UInt128 dst, ushort sport, ushort dport) => new()
    {
        Source = src,
        Destination = dst,
        SourcePort = sport,
        DestinationPort = dport,
        IpVersion = 4,
        Ttl = 64,
    };

    private static TcpPacket With(TcpPacket p, TcpFlags flags, uint seq, uint ack, int payload)
    {
        p.Flags = flags;
        p.Sequence = seq;
        p.Acknowledgment = ack;
        p.PayloadLength = payload;
        return p;
    }
}
