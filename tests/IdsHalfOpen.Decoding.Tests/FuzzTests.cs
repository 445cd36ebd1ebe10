using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Tests.Support;

namespace IdsHalfOpen.Decoding.Tests;

/// <summary>Random mutations of valid frames of every link type: never an exception, never an allocation, invariants kept.</summary>
public class FuzzTests
{
    private static readonly LinkType[] LinkTypes =
    [
        LinkType.Null, LinkType.Ethernet, LinkType.RawDlt12, LinkType.RawDlt14, LinkType.Raw, LinkType.Loop, LinkType.LinuxSll,
        LinkType.Ipv4, LinkType.Ipv6, LinkType.Nflog, LinkType.LinuxSll2, (LinkType)147,
    ];

    private static readonly byte[] Interesting = [0x00, 0x01, 0x02, 0x04, 0x06, 0x08, 0x09, 0x11, 0x29, 0x2C, 0x3A, 0x3B, 0x45, 0x4F, 0x60, 0x7F, 0x80, 0x81, 0x86, 0x88, 0x89, 0xA8, 0xDD, 0xF0, 0xFF];

    [Fact]
    public void TryDecode_RandomMutationsOfEveryLinkType_NoExceptionNoAllocation()
    {
        var corpus = Frames.Corpus();
        var frames = corpus.Select(c => c.Data).ToArray();
        var linkTypes = corpus.Select(c => c.LinkType).ToArray();
        var buffer = new byte[frames.Max(f => f.Length) + 64];
        var decoder = new PacketDecoder(new DecoderOptions { Checksums = ChecksumPolicy.All });
        var random = new Random(20240601);

        // Warm-up: JIT, static initialisers, tiering.
        Run(decoder, random, frames, linkTypes, buffer, 5_000, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int violations = Run(decoder, random, frames, linkTypes, buffer, 200_000, out long tcp);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, violations);
        Assert.Equal(0, allocated);
        var s = decoder.Statistics;
        Assert.Equal(s.Frames, s.TcpSegments + s.IcmpTcpQuotes + s.NonIp + s.NonTcpIp + s.Malformed);
        // The mutations must leave plenty decodable, or the fuzzing only exercises the first length check.
        Assert.True(tcp > 20_000, $"only {tcp} TCP packets");
        Assert.True(s.Malformed > 20_000, $"only {s.Malformed} malformed");
        Assert.True(s.NonZeroEvents.GetEnumerator().MoveNext());
    }

    /// <summary>Returns how many decodes broke an invariant; counts TCP results in <paramref name="tcpCount"/>.</summary>
    private static int Run(PacketDecoder decoder, Random random, byte[][] frames, LinkType[] linkTypes, byte[] buffer, int iterations, out long tcpCount)
    {
        int violations = 0;
        tcpCount = 0;
        for (int i = 0; i < iterations; i++)
        {
            int pick = random.Next(frames.Length);
            var source = frames[pick];
            int length = source.Length;
            source.CopyTo(buffer, 0);
            var linkType = linkTypes[pick];

            int mutations = random.Next(1, 5);
            for (int m = 0; m < mutations; m++)
            {
                switch (random.Next(6))
                {
                    case 0: buffer[random.Next(length)] ^= (byte)(1 << random.Next(8)); break;
                    case 1: buffer[random.Next(length)] = (byte)random.Next(256); break;
                    case 2: buffer[random.Next(length)] = Interesting[random.Next(Interesting.Length)]; break;
                    case 3: length = random.Next(length + 1); break;
                    case 4:
                        // Grow with garbage: lengths that point past the old end now find bytes there.
                        int grow = Math.Min(random.Next(1, 64), buffer.Length - length);
                        for (int g = 0; g < grow; g++) buffer[length + g] = (byte)random.Next(256);
                        length += grow;
                        break;
                    default: linkType = LinkTypes[random.Next(LinkTypes.Length)]; break;
                }

                if (length == 0) break;
            }

            int original = random.Next(4) == 0 ? length + random.Next(1, 2000) : length;
            var frame = new RawFrame(buffer.AsSpan(0, length), i, original, linkType, 0, i + 1);
            long malformedBefore = decoder.Statistics.Malformed;
            bool ok = decoder.TryDecode(frame, out var packet, out var e);
            bool malformed = decoder.Statistics.Malformed != malformedBefore;

            if (ok)
            {
                tcpCount++;
                if (packet.IpVersion is not (4 or 6) || packet.PayloadLength < 0) violations++;
                if (packet.Kind == TcpPacketKind.Segment && e == DecodeEvent.None && packet.Checksum == ChecksumState.Invalid) violations++;
            }
            else if (malformed && e == DecodeEvent.None)
            {
                // Dropped as malformed without saying why. (Not-TCP frames may carry a warning, say a bad IPv4 header checksum.)
                violations++;
            }
        }

        return violations;
    }
}
