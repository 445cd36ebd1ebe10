using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>One frame as our reader delivered it and our decoder decoded it.</summary>
public sealed record OurFrame(long Number, long TimestampNs, int Length, int CapturedLength, int InterfaceId, LinkType LinkType, bool Decoded, TcpPacket Packet, DecodeEvent Event)
{
    /// <summary>The decoded TCP segment (not an ICMP quote), or null.</summary>
    public TcpPacket? Segment => Decoded && Packet.Kind == TcpPacketKind.Segment ? Packet : null;
}

/// <summary>Our view of a whole capture: OfflineSource + PacketDecoder over every frame.</summary>
public sealed record OurDump(string Capture, IReadOnlyList<OurFrame> Frames, DecodeStatistics Statistics, CaptureProblem? Problem)
{
    public static OurDump Run(string capture, string path)
    {
        var frames = new List<OurFrame>();
        var decoder = new PacketDecoder();
        using var source = OfflineSource.Open(path);
        while (source.Read(out var frame) == ReadResult.Packet)
        {
            bool ok = decoder.TryDecode(frame, out var packet, out var ev);
            frames.Add(new OurFrame(frame.FrameNumber, frame.TimestampNs, frame.OriginalLength, frame.Data.Length, frame.InterfaceId, frame.LinkType, ok, packet, ev));
        }

        return new OurDump(capture, frames, decoder.Statistics, source.Problem);
    }
}
