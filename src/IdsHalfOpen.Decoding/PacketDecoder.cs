using System.Runtime.CompilerServices;
using IdsHalfOpen.Capture;

namespace IdsHalfOpen.Decoding;

/// <summary>
/// Turns captured frames into <see cref="TcpPacket"/>s: link layer, IP (one level of IP-in-IP), TCP, and ICMP errors
/// that quote TCP. One per thread: it keeps per-frame state and its <see cref="Statistics"/> unsynchronised.
/// Allocates nothing per frame and never throws on packet data.
/// </summary>
/// <remarks>
/// The dispatcher is split by layer: <c>PacketDecoder.Link.cs</c>, <c>.Ip.cs</c>, <c>.Tcp.cs</c>, <c>.Icmp.cs</c>.
/// Header parsing itself lives in the per-protocol folders; this class only chains the decoders and fills the packet.
/// </remarks>
public sealed partial class PacketDecoder
{
    private readonly DecodeStatistics _stats = new();
    private readonly ChecksumPolicy _checksums;

    // Per-frame state, reset by TryDecode.
    private DecodeEvent _event;
    private Extent _frameExtent;
    private ulong _pseudoHeaderSum;

    public PacketDecoder(DecoderOptions? options = null)
    {
        _checksums = options?.Checksums ?? ChecksumPolicy.ControlSegments;
    }

    /// <summary>How each frame ended and which anomalies were met. Live: read it on the decoding thread or after it stops.</summary>
    public DecodeStatistics Statistics => _stats;

    /// <summary>
    /// Decodes one frame. Returns true when the frame carried TCP (a segment, or an ICMP/ICMPv6 error quoting a TCP header,
    /// see <see cref="TcpPacketKind"/>); <paramref name="packet"/> is then filled, otherwise it is partial and meaningless.
    /// <paramref name="decodeEvent"/> is the anomaly met (None if none): the fatal one when false is returned for it, else the
    /// first warning. It and any other anomaly of the frame are already counted in <see cref="Statistics"/>.
    /// </summary>
    public bool TryDecode(in RawFrame frame, out TcpPacket packet, out DecodeEvent decodeEvent)
    {
        var stats = _stats;
        stats.Frames++;
        stats.Bytes += frame.OriginalLength;

        packet = default;
        packet.TimestampNs = frame.TimestampNs;
        packet.InterfaceId = (ushort)frame.InterfaceId;
        var data = frame.Data;
        _event = DecodeEvent.None;
        _frameExtent = data.Length < frame.OriginalLength ? Extent.Cut : Extent.Whole;

        var outcome = DecodeLink(frame.LinkType, data, ref packet);
        decodeEvent = _event;
        switch (outcome)
        {
            case Outcome.Segment:
                stats.TcpSegments++;
                var synAck = packet.Flags & (TcpFlags.Syn | TcpFlags.Ack);
                if (synAck == TcpFlags.Syn) stats.Syn++;
                else if (synAck == (TcpFlags.Syn | TcpFlags.Ack)) stats.SynAck++;
                if ((packet.Flags & TcpFlags.Rst) != 0) stats.Rst++;
                if ((packet.Flags & TcpFlags.Fin) != 0) stats.Fin++;
                return true;
            case Outcome.IcmpQuote:
                stats.IcmpTcpQuotes++;
                return true;
            case Outcome.NonIp:
                stats.NonIp++;
                return false;
            case Outcome.NonTcpIp:
                stats.NonTcpIp++;
                return false;
            default:
                stats.Malformed++;
                return false;
        }
    }

    /// <summary>A fatal anomaly: counted, reported in place of any earlier warning, and the frame is dropped.</summary>
    private Outcome Fail(DecodeEvent e)
    {
        _stats.Count(e);
        _event = e;
        return Outcome.Malformed;
    }

    /// <summary>A warning: counted; reported if it is the frame's first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Note(DecodeEvent e)
    {
        _stats.Count(e);
        if (_event == DecodeEvent.None) _event = e;
    }

    /// <summary>How a frame ended; each maps to one <see cref="DecodeStatistics"/> counter.</summary>
    private enum Outcome : byte
    {
        Malformed,
        Segment,
        IcmpQuote,
        NonIp,
        NonTcpIp,
    }

    /// <summary>
    /// What is known about the bytes handed to an IP or TCP stage besides their count: whether they are all the
    /// packet claims, and whether its length fields can be trusted for a checksum.
    /// </summary>
    [Flags]
    private enum Extent : byte
    {
        /// <summary>Every byte the IP length claims is there, and the checksum pseudo-header is known.</summary>
        Whole = 0,
        /// <summary>Fewer bytes than claimed: the snapshot length, or an enclosing packet, cut them.</summary>
        Cut = 1,
        /// <summary>A first fragment: the transport segment continues in other fragments.</summary>
        FirstFragment = 2,
        /// <summary>IP length 0 (segmentation offload): the captured length stands in, and the checksum is the NIC's to fill.</summary>
        LengthUnknown = 4,
        /// <summary>An IPv6 routing header hides the pseudo-header's destination.</summary>
        DestinationUnknown = 8,
    }
}
