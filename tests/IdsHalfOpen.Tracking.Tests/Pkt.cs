using System.Net;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Tracking.Tests;

/// <summary>Builds decoded packets directly: the tracker's input, without the decoder in the way.</summary>
internal static class Pkt
{
    public const long Second = 1_000_000_000L;
    public const long T0 = 1_700_000_000L * Second;

    public static UInt128 Ip(string text)
    {
        var a = IPAddress.Parse(text);
        if (a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) a = a.MapToIPv6();
        var b = a.GetAddressBytes();
        UInt128 v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }

    public static TcpPacket Make(string src, ushort sport, string dst, ushort dport, TcpFlags flags, uint seq, uint ack, double seconds, int payload = 0, byte ttl = 64) => new()
    {
        TimestampNs = T0 + (long)(seconds * Second),
        Source = Ip(src),
        Destination = Ip(dst),
        SourcePort = sport,
        DestinationPort = dport,
        Flags = flags,
        Sequence = seq,
        Acknowledgment = ack,
        PayloadLength = payload,
        Ttl = ttl,
        IpVersion = (byte)(src.Contains(':') ? 6 : 4),
    };

    public const TcpFlags Syn = TcpFlags.Syn;
    public const TcpFlags SynAck = TcpFlags.Syn | TcpFlags.Ack;
    public const TcpFlags Ack = TcpFlags.Ack;
    public const TcpFlags Rst = TcpFlags.Rst;
    public const TcpFlags RstAck = TcpFlags.Rst | TcpFlags.Ack;
    public const TcpFlags FinAck = TcpFlags.Fin | TcpFlags.Ack;
}

/// <summary>Runs packets through one tracker, with the pipeline's monotonic clock and packet order, and keeps every event.</summary>
internal sealed class TrackerHarness
{
    private long _order;
    private long _clock = long.MinValue;

    public TrackerHarness(TrackerOptions? options = null, int capacity = 1 << 16) => Tracker = new HandshakeTracker(options ?? new TrackerOptions(), capacity);

    public HandshakeTracker Tracker { get; }

    public EventBuffer Output { get; } = new();

    public List<TrackerEvent> Events => [.. Output.Events.ToArray()];

    public IEnumerable<TrackerEvent> Closed => Events.Where(e => e.Kind == TrackerEventKind.Closed);

    public TrackerHarness Feed(params TcpPacket[] packets)
    {
        foreach (var p in packets)
        {
            if (p.TimestampNs > _clock) _clock = p.TimestampNs;
            Tracker.Process(in p, _clock, _order++, Output);
        }

        return this;
    }

    public TrackerHarness AdvanceTo(double seconds)
    {
        long t = Pkt.T0 + (long)(seconds * Pkt.Second);
        if (t > _clock) _clock = t;
        Tracker.AdvanceTo(_clock, Output);
        return this;
    }

    public TrackerHarness Flush()
    {
        Tracker.Flush(_clock, Output);
        return this;
    }
}
