using IdsHalfOpen.Decoding.Checksums;
using IdsHalfOpen.Decoding.Tcp;

namespace IdsHalfOpen.Decoding;

/// <summary>Transport layer: the TCP segment, its options and checksum.</summary>
public sealed partial class PacketDecoder
{
    private const TcpFlags ControlFlags = TcpFlags.Syn | TcpFlags.Rst | TcpFlags.Fin;

    /// <summary>
    /// A TCP segment: <paramref name="segment"/> holds its captured bytes (never past the IP length), <paramref name="claimed"/>
    /// its length by the IP header.
    /// </summary>
    private Outcome DecodeTcp(ReadOnlySpan<byte> segment, int claimed, ref TcpPacket packet, Extent extent)
    {
        bool firstFragment = (extent & Extent.FirstFragment) != 0;
        bool cut = (extent & Extent.Cut) != 0;
        if (!TcpDecoder.TryDecode(segment, out var tcp, out var e))
        {
            return Fail(e == DecodeEvent.TcpTruncated && firstFragment && !cut ? DecodeEvent.IpFragmentTooShort : e);
        }

        int headerLength = tcp.HeaderLength;
        if (headerLength > claimed || (headerLength > segment.Length && !cut))
        {
            // The header claims bytes the IP packet does not have (options not cut by the capture but missing).
            return Fail(firstFragment && !cut ? DecodeEvent.IpFragmentTooShort : DecodeEvent.TcpBadDataOffset);
        }

        if (firstFragment) Note(DecodeEvent.IpFragmentFirst);
        if (e != DecodeEvent.None) Note(e);

        packet.SourcePort = tcp.SourcePort;
        packet.DestinationPort = tcp.DestinationPort;
        packet.Sequence = tcp.Sequence;
        packet.Acknowledgment = tcp.Acknowledgment;
        packet.Flags = tcp.Flags;
        packet.Window = tcp.Window;
        packet.PayloadLength = claimed - headerLength;

        if (headerLength > TcpHeader.MinLength)
        {
            // When the capture cut the options, read those that are there; a truncated last one is then expected.
            int optionsEnd = Math.Min(headerLength, segment.Length);
            _ = TcpOptionsDecoder.TryDecode(segment[TcpHeader.MinLength..optionsEnd], out var options, out e);
            if (e != DecodeEvent.None && !(e == DecodeEvent.TcpOptionTruncated && optionsEnd < headerLength)) Note(e);
            packet.Options = options.Present;
            packet.Mss = options.Mss;
            packet.WindowScale = options.WindowScale;
            packet.TsVal = options.TsVal;
            packet.TsEcr = options.TsEcr;
        }

        if (ShouldVerifyChecksum(tcp.Flags, packet.PayloadLength, extent) && segment.Length == claimed)
        {
            // Pseudo-header: addresses (summed by the IP stage), zero, protocol, TCP length.
            ulong sum = _pseudoHeaderSum + IpProtocol.Tcp + (uint)segment.Length;
            _stats.ChecksumsVerified++;
            if (InternetChecksum.IsValid(InternetChecksum.Add(segment, sum)))
            {
                packet.Checksum = ChecksumState.Valid;
            }
            else
            {
                packet.Checksum = ChecksumState.Invalid;
                Note(DecodeEvent.TcpBadChecksum);
            }
        }

        return Outcome.Segment;
    }

    /// <summary>Policy first, then whether the checksum can be computed at all (whole segment, known length and destination).</summary>
    private bool ShouldVerifyChecksum(TcpFlags flags, int payloadLength, Extent extent) => _checksums switch
    {
        ChecksumPolicy.All => extent == Extent.Whole,
        ChecksumPolicy.ControlSegments => extent == Extent.Whole && ((flags & ControlFlags) != 0 || payloadLength == 0),
        _ => false,
    };
}
