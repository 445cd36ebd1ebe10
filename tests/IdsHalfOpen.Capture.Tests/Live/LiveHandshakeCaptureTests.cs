using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using IdsHalfOpen.Capture.Live;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Live;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>
/// Real TCP handshakes made by the kernel, captured live. Design: two namespaces of the test's own joined by a veth
/// pair; python's http.server listens in the server namespace, curl connects from the client namespace, and the
/// capture is opened on the client's veth end from a thread that entered the client namespace (setns is per thread,
/// and the packet socket stays bound to that namespace afterwards). No address, route or interface is added to the
/// host's namespace, so nothing can leave the machine.
/// </summary>
public sealed class LiveHandshakeCaptureTests
{
    private const int Connections = 3;
    private const long MaxReorderNs = 20_000_000;

    [RequiresToolsFact("ip", "curl", "python3", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Read_CurlConnectionsBetweenNamespaces_SeesEachHandshakeWithMatchingNumbers() => CaptureHandshakes(immediateMode: true);

    /// <summary>Without immediate mode libpcap uses TPACKET_V3 blocks that the kernel hands over on a timer.</summary>
    [RequiresToolsFact("ip", "curl", "python3", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Read_CurlConnectionsWithBlockBuffering_SeesEachHandshakeWithMatchingNumbers() => CaptureHandshakes(immediateMode: false);

    private static void CaptureHandshakes(bool immediateMode)
    {
        ToolGuard.Require("ip", "curl", "python3", "lib:libpcap.so.0.8", "root");
        using var net = LiveTestNetwork.CreatePair();
        int port = net.StartHttpServer();
        using var source = LinuxThread.InNetworkNamespace(net.ClientNs,
            () => LivePacketSource.Open(new(LiveTestNetwork.ClientInterface) { Filter = $"tcp port {port}", ImmediateMode = immediateMode }));
        Assert.Equal(LinkType.Ethernet, source.LinkType);
        Assert.Equal(ReadResult.Timeout, source.Read(out _)); // waiting first must not lose what comes later

        long wallBefore = NowNs();
        var clientPorts = new List<ushort>();
        for (int i = 0; i < Connections; i++)
        {
            var (code, stdout, stderr) = net.ExecInClient("curl", "-sS", "--noproxy", "*", "--max-time", "5", "-o", "/dev/null",
                "-w", "%{local_port} %{http_code}", $"http://{net.ServerAddress}:{port}/");
            Assert.True(code == 0, $"curl failed ({code}): {stderr}");
            string[] parts = stdout.Split(' ');
            Assert.Equal("200", parts[1]);
            clientPorts.Add(ushort.Parse(parts[0], CultureInfo.InvariantCulture));
        }

        long wallAfter = NowNs();

        var segments = ReadUntilHandshakes(source, clientPorts, TimeSpan.FromSeconds(5));
        var stats = source.GetStatistics();

        Assert.Null(source.Problem);
        Assert.Equal(Enumerable.Range(1, segments.Count).Select(i => (long)i), segments.Select(s => s.FrameNumber));
        // Frames come in delivery order. The kernel stamps a received frame when it queues it and a sent frame when it
        // sends it, so across directions a stamp may trail the previous frame's by scheduling latency, never by more.
        for (int i = 1; i < segments.Count; i++)
            Assert.True(segments[i].TimestampNs >= segments[i - 1].TimestampNs - MaxReorderNs,
                $"frame {segments[i].FrameNumber} is {(segments[i - 1].TimestampNs - segments[i].TimestampNs) / 1000} µs older than the one before");
        long slack = TimeSpan.FromSeconds(1).Ticks * 100;
        Assert.All(segments, s => Assert.InRange(s.TimestampNs, wallBefore - slack, wallAfter + slack));
        Assert.True(stats.Received >= (ulong)segments.Count, $"pcap_stats received {stats.Received} < {segments.Count} seen");
        Assert.Equal(0UL, stats.DroppedByKernel);

        foreach (ushort clientPort in clientPorts)
        {
            var conn = segments.Where(s => s.SourcePort == clientPort || s.DestinationPort == clientPort).ToList();
            var syn = Assert.Single(conn, s => s.Flags == TcpFlags.Syn);
            Assert.Equal((net.ClientAddress, clientPort, net.ServerAddress, (ushort)port), (syn.Source, syn.SourcePort, syn.Destination, syn.DestinationPort));

            var synAck = Assert.Single(conn, s => s.Flags == (TcpFlags.Syn | TcpFlags.Ack));
            Assert.Equal((net.ServerAddress, (ushort)port, net.ClientAddress, clientPort), (synAck.Source, synAck.SourcePort, synAck.Destination, synAck.DestinationPort));
            Assert.Equal(unchecked(syn.Sequence + 1), synAck.Acknowledgment);

            var ack = conn.First(s => s.FrameNumber > synAck.FrameNumber && s.Source.Equals(net.ClientAddress));
            Assert.Equal(TcpFlags.Ack, ack.Flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin));
            Assert.Equal(unchecked(syn.Sequence + 1), ack.Sequence);
            Assert.Equal(unchecked(synAck.Sequence + 1), ack.Acknowledgment);

            // Causality holds exactly: each segment is stamped after the one it answers.
            Assert.True(syn.FrameNumber < synAck.FrameNumber && syn.TimestampNs < synAck.TimestampNs && synAck.TimestampNs < ack.TimestampNs);
            Assert.All(conn, s => Assert.Equal(s.CapturedLength, s.OriginalLength)); // snap length 256 KiB keeps whole frames
        }
    }

    /// <summary>Reads until every client port has SYN, SYN-ACK and the client's following ACK, or the time is up.</summary>
    private static List<Segment> ReadUntilHandshakes(LivePacketSource source, List<ushort> clientPorts, TimeSpan limit)
    {
        var segments = new List<Segment>();
        var decoder = new PacketDecoder();
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < limit && !clientPorts.All(p => HasHandshake(segments, p)))
        {
            var result = source.Read(out var frame);
            if (result == ReadResult.EndOfStream) break;
            if (result == ReadResult.Packet) segments.Add(Segment.Decode(decoder, frame));
        }

        return segments;
    }

    private static bool HasHandshake(List<Segment> segments, ushort clientPort)
    {
        var synAck = segments.FirstOrDefault(s => s.DestinationPort == clientPort && s.Flags == (TcpFlags.Syn | TcpFlags.Ack));
        return synAck is not null && segments.Any(s => s.SourcePort == clientPort && s.FrameNumber > synAck.FrameNumber && (s.Flags & TcpFlags.Ack) != 0);
    }

    private static long NowNs() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>One captured frame as the product's decoder sees it, plus the frame facts the capture set.</summary>
    private sealed record Segment(long FrameNumber, long TimestampNs, int CapturedLength, int OriginalLength, IPAddress Source, IPAddress Destination,
        ushort SourcePort, ushort DestinationPort, uint Sequence, uint Acknowledgment, TcpFlags Flags)
    {
        public static Segment Decode(PacketDecoder decoder, RawFrame frame)
        {
            // The filter lets only TCP through, so every frame must decode. Checksums are not asserted: frames the
            // namespace sends carry offloaded (unfilled) checksums, which the decoder only notes.
            Assert.True(decoder.TryDecode(frame, out var p, out var ev), $"frame {frame.FrameNumber} did not decode: {ev}");
            Assert.True(ev is DecodeEvent.None or DecodeEvent.TcpBadChecksum, $"frame {frame.FrameNumber}: {ev}");
            Assert.Equal(TcpPacketKind.Segment, p.Kind);
            Assert.Equal(4, p.IpVersion);
            Assert.Equal(frame.TimestampNs, p.TimestampNs);
            return new Segment(frame.FrameNumber, frame.TimestampNs, frame.Data.Length, frame.OriginalLength, ToAddress(p.Source), ToAddress(p.Destination),
                p.SourcePort, p.DestinationPort, p.Sequence, p.Acknowledgment, p.Flags);
        }

        /// <summary>The decoder's 128-bit address (IPv4 mapped into IPv6, most significant byte first) as an IPv4 address.</summary>
        private static IPAddress ToAddress(UInt128 address)
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
            var v6 = new IPAddress(bytes);
            Assert.True(v6.IsIPv4MappedToIPv6, $"{v6} is not IPv4-mapped");
            return v6.MapToIPv4();
        }
    }
}
