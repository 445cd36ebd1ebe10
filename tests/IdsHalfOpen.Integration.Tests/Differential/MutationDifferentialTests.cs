using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Offline;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.TestKit;
using IdsHalfOpen.TestKit.Scenarios;
using Xunit.Abstractions;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>
/// Differential fuzzing against tshark: Ethernet frames from the samples with 1-3 header bytes overwritten (and one in
/// five cut short), fixed seed, 20,000 frames, one tshark run. Where both decode a segment every field must agree; where
/// only one does, the frame must belong to a named class below, each a deliberate decoder policy.
/// </summary>
public sealed class MutationDifferentialTests(ITestOutputHelper output) : IDisposable
{
    private const int Frames = 20_000;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"idshalfopen-mutations-{Guid.NewGuid():N}.pcap");

    /// <summary>Why we may return no segment where tshark shows a whole TCP fixed header.</summary>
    private static readonly (string Name, Func<TsharkFrame, OurFrame, bool> Applies)[] OursMissing =
    [
        ("TCP data offset below 5 or past the IP payload (TcpBadDataOffset): hosts drop these, tshark shows the fixed header",
            (t, o) => o.Event == DecodeEvent.TcpBadDataOffset),
        ("IPv6 behind EtherType IPv4 (Ipv4BadVersion): tshark's IPv4 dissector hands it to IPv6",
            (t, o) => o.Event == DecodeEvent.Ipv4BadVersion && Chain(t).Contains("ip:ipv6", StringComparison.Ordinal)),
        ("tunnel or encapsulation not decoded by design: GRE, VXLAN/UDP, PPPoE, LLC/SNAP, IP-in-IP deeper than one level",
            (t, o) => t.Has("gre") || t.Has("udp") || t.Has("pppoes") || t.Has("llc") || t.IpLayersBeforeTcp > 2),
    ];

    /// <summary>Why we may return a segment where tshark shows none.</summary>
    private static readonly (string Name, Func<TsharkFrame, OurFrame, bool> Applies)[] OursExtra =
    [
        ("an option inside an IPv6 hop-by-hop or destination-options header runs past that header: tshark stops (malformed), " +
         "the decoder walks the chain by header lengths without checking the options",
            (t, o) => (t.Protocols.Count > 0 && t.Protocols[^1] is "ipv6.hopopts" or "ipv6.dstopts") && !t.Has("tcp")),
        ("IPv6 payload length 0 (Ipv6ZeroPayloadLength): we use the captured length as for IPv4 TSO; tshark 4.0 gives TCP no bytes",
            (t, o) => o.Event == DecodeEvent.Ipv6ZeroPayloadLength),
    ];

    public void Dispose() => File.Delete(_path);

    [RequiresToolsFact("tshark")]
    public void Decode_MutatedHeaders_AgreeWithTsharkOutsideNamedPolicies()
    {
        ToolGuard.Require("tshark");
        WriteMutations();
        var theirs = TsharkDump.Run("samples/mutations", _path);
        var ours = OurDump.Run("samples/mutations", _path);
        Assert.Equal(0, theirs.ExitCode);
        Assert.Equal(Frames, theirs.Frames.Count);
        Assert.Equal(Frames, ours.Frames.Count);

        var problems = new List<string>();
        var tolerated = new Dictionary<string, int>();
        int agreed = 0;
        for (int i = 0; i < Frames; i++)
        {
            var t = theirs.Frames[i];
            var o = ours.Frames[i];
            var a = t.Segment;
            var b = o.Segment;
            if (a is null && b is null) continue;
            if (a is not null && b is TcpPacket p)
            {
                var single = Differential.Compare(theirs with { Frames = [t with { Number = 1 }] }, ours with { Frames = [o with { Number = 1 }] }, []);
                var fieldDiffs = single.Mismatches.Where(m => m.StartsWith("frame 1 ", StringComparison.Ordinal)).ToList();
                if (fieldDiffs.Count > 0) problems.Add($"frame {t.Number}: {string.Join("; ", fieldDiffs)}");
                else agreed++;
                continue;
            }

            var classes = a is not null ? OursMissing : OursExtra;
            var match = classes.FirstOrDefault(c => c.Applies(t, o));
            if (match.Name is not null) tolerated[match.Name] = tolerated.GetValueOrDefault(match.Name) + 1;
            else problems.Add(a is not null
                ? $"frame {t.Number} ({Chain(t)}): tshark has a TCP segment, we returned none (decoded {o.Decoded}, event {o.Event})"
                : $"frame {t.Number} ({Chain(t)}): we returned a segment (flags 0x{(ushort)b!.Value.Flags:x3}, event {o.Event}), tshark has none");
        }

        output.WriteLine($"{agreed} segments agree field by field");
        foreach (var (name, n) in tolerated) output.WriteLine($"{n,6} tolerated: {name}");
        Assert.True(agreed > Frames / 2, $"only {agreed} segments compared: the mutations are too destructive to test anything");
        Assert.True(problems.Count == 0, "frame numbers refer to the mutation file (seed 20240301), rebuilt identically on every run:\n" + string.Join('\n', problems.Take(30)));
    }

    private static string Chain(TsharkFrame t) => string.Join(':', t.Protocols);

    private void WriteMutations()
    {
        var sources = new List<byte[]>();
        foreach (var f in new[] { "handshakes-clean.pcap", "ipv6.pcap", "qinq-vlan.pcap", "edge-cases.pcap" })
        {
            using var s = OfflineSource.Open(Path.Combine(RepoPaths.Samples, f));
            while (s.Read(out var frame) == ReadResult.Packet) sources.Add(frame.Data.ToArray());
        }

        var rng = new DeterministicRandom(20240301);
        using var fs = File.Create(_path);
        using var w = new PcapWriter(fs, LinkType.Ethernet);
        for (int i = 0; i < Frames; i++)
        {
            var b = (byte[])sources[rng.Next(0, sources.Count)].Clone();
            int edits = rng.Next(1, 4);
            for (int k = 0; k < edits; k++)
            {
                int pos = rng.Next(12, Math.Max(13, Math.Min(b.Length, 100)));
                if (pos < b.Length) b[pos] = (byte)rng.Next(0, 256);
            }

            if (rng.Next(0, 5) == 0) b = b[..rng.Next(0, b.Length)];
            w.Write(SampleGenerator.SampleCatalog.BaseNs + i * 1000L, b);
        }
    }
}
