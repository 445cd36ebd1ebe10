using System.Collections.Concurrent;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Cli.Tests.Sensor;

/// <summary>
/// A packet source that behaves like a live one: frames the test enqueues come out stamped with the wall time they were
/// enqueued at, an empty queue times out (as a quiet interface does), and Stop ends the stream.
/// </summary>
internal sealed class FeedSource : IPacketSource
{
    private readonly BlockingCollection<(byte[] Frame, long Ts)> _queue = [];
    private byte[] _current = [];
    private long _number;

    public string Name => "feed0";

    public CaptureProblem? Problem => null;

    public static long NowNs => (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public void Enqueue(byte[] frame) => _queue.Add((frame, NowNs));

    public void Stop() => _queue.CompleteAdding();

    public ReadResult Read(out RawFrame frame)
    {
        frame = default;
        try
        {
            if (!_queue.TryTake(out var item, 20)) return _queue.IsCompleted ? ReadResult.EndOfStream : ReadResult.Timeout;
            _current = item.Frame;
            frame = new RawFrame(_current, item.Ts, _current.Length, LinkType.Ethernet, 0, ++_number);
            return ReadResult.Packet;
        }
        catch (InvalidOperationException)
        {
            return ReadResult.EndOfStream; // completed while waiting
        }
    }

    /// <summary>A spoofed source's SYN to the victim and the victim's SYN-ACK: one embryonic attempt.</summary>
    public void EnqueueEmbryonic(int i, string victim = "10.0.0.10", ushort port = 80)
    {
        var src = new IPAddress([198, 18, (byte)(i >> 8), (byte)i]);
        var dst = IPAddress.Parse(victim);
        ushort sport = (ushort)(10000 + i);
        Enqueue(Packets.Ethernet(Packets.IpTcp(src, dst, sport, port, Tf.Syn, (uint)i * 7919, 0), Packets.EtherTypeIpv4));
        Enqueue(Packets.Ethernet(Packets.IpTcp(dst, src, port, sport, Tf.Syn | Tf.Ack, 5, (uint)i * 7919 + 1), Packets.EtherTypeIpv4));
    }

    public void Dispose() => _queue.Dispose();
}
