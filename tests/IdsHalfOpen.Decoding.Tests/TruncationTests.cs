using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;

namespace IdsHalfOpen.Decoding.Tests;

/// <summary>Every prefix of every valid frame: decoded without throwing, and with an event that names the truncation.</summary>
public class TruncationTests
{
    private static readonly HashSet<DecodeEvent> TruncationEvents =
    [
        DecodeEvent.EthernetTruncated, DecodeEvent.VlanTruncated, DecodeEvent.MplsTruncated, DecodeEvent.FabricPathTruncated,
        DecodeEvent.LinuxSllTruncated, DecodeEvent.NflogTruncated, DecodeEvent.NullTruncated, DecodeEvent.IpEmpty,
        DecodeEvent.Ipv4Truncated, DecodeEvent.Ipv6Truncated, DecodeEvent.Ipv6ExtensionTruncated, DecodeEvent.TcpTruncated,
        DecodeEvent.IcmpTruncated, DecodeEvent.IcmpQuoteTruncated,
    ];

    public static TheoryData<string> CorpusNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Frames.Corpus()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void TryDecode_EveryPrefixCutBySnapLength_SensibleResult(string name)
    {
        var (_, linkType, frame) = Frames.Corpus().Single(c => c.Name == name);
        var full = Decode.One(frame, linkType);

        for (int length = 0; length < frame.Length; length++)
        {
            var r = Decode.Prefix(frame, length, linkType);
            Check(name, length, full, r, allowed: DecodeEvent.None);
            // Cut by the snapshot length, a packet must never be checksummed.
            Assert.NotEqual(ChecksumState.Invalid, r.Packet.Checksum);
        }
    }

    [Theory]
    [MemberData(nameof(CorpusNames))]
    public void TryDecode_EveryPrefixAsDamagedFrame_SensibleResult(string name)
    {
        var (_, linkType, frame) = Frames.Corpus().Single(c => c.Name == name);
        var full = Decode.One(frame, linkType);

        for (int length = 0; length < frame.Length; length++)
        {
            // Not cut by the capture: the frame itself is short, which the IP length betrays.
            var r = Decode.One(frame[..length], linkType);
            if (linkType == LinkType.Nflog && !r.Ok && r.Event == DecodeEvent.None && r.Stats.NonIp == 1)
            {
                // Ended at an attribute boundary before the packet attribute: a valid record that logged no packet.
                continue;
            }

            Check(name, length, full, r, allowed: DecodeEvent.IpLengthBeyondFrame);
        }
    }

    private static void Check(string name, int length, DecodeResult full, DecodeResult r, DecodeEvent allowed)
    {
        string where = $"{name}, first {length} bytes: ok={r.Ok}, event={r.Event}";
        Assert.Equal(1, r.Stats.Frames);
        if (r.Ok)
        {
            // Whatever survives a cut is the same packet the whole frame gave.
            Assert.True(r.Event == DecodeEvent.None || r.Event == full.Event || r.Event == allowed, where);
            Assert.Equal(full.Packet.Kind, r.Packet.Kind);
            Assert.Equal(full.Packet.Source, r.Packet.Source);
            Assert.Equal(full.Packet.Destination, r.Packet.Destination);
            Assert.Equal(full.Packet.SourcePort, r.Packet.SourcePort);
            Assert.Equal(full.Packet.DestinationPort, r.Packet.DestinationPort);
            Assert.Equal(full.Packet.Sequence, r.Packet.Sequence);
        }
        else if (r.Stats.Malformed == 1)
        {
            Assert.True(TruncationEvents.Contains(r.Event), where);
        }
        else
        {
            // Not TCP and not malformed: only possible when the whole frame was not TCP either.
            Assert.False(full.Ok, where);
            Assert.True(r.Event == DecodeEvent.None || r.Event == allowed, where);
        }
    }
}
