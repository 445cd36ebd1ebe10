using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>One frame as tshark dissected it (all fields as tshark printed them; lists for repeated layers).</summary>
public sealed record TsharkFrame(
    long Number,
    long? TimestampNs,
    int Length,
    int CapturedLength,
    int? InterfaceId,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<string> IpSrc,
    IReadOnlyList<string> IpDst,
    IReadOnlyList<string> Ipv6Src,
    IReadOnlyList<string> Ipv6Dst,
    IReadOnlyList<string> SrcPort,
    IReadOnlyList<string> DstPort,
    IReadOnlyList<string> Flags,
    IReadOnlyList<string> SeqRaw,
    IReadOnlyList<string> AckRaw,
    IReadOnlyList<string> UrgentPointer,
    IReadOnlyList<string> VlanIds,
    IReadOnlyList<string> QinqIds)
{
    public bool Has(string protocol) => Protocols.Contains(protocol);

    /// <summary>tshark's "tcp &amp;&amp; !icmp &amp;&amp; !icmpv6": a TCP layer that is not inside an ICMP error.</summary>
    public bool IsTcp => Has("tcp") && !Has("icmp") && !Has("icmpv6");

    /// <summary>
    /// All 20 bytes of the TCP fixed header were there: tshark dissected up to the urgent pointer (its last field). With fewer
    /// bytes tshark still shows the fields it could read (ports, maybe flags), but a segment needs the whole fixed header.
    /// </summary>
    public bool HasTcpHeader => IsTcp && Flags.Count > 0 && SeqRaw.Count > 0 && AckRaw.Count > 0 && UrgentPointer.Count > 0;

    /// <summary>Number of IP layers (IPv4 or IPv6 headers) before the TCP layer.</summary>
    public int IpLayersBeforeTcp
    {
        get
        {
            int tcp = IndexOf("tcp");
            return Protocols.Take(tcp < 0 ? Protocols.Count : tcp).Count(p => p is "ip" or "ipv6");
        }
    }

    /// <summary>The segment in tshark's terms, from the innermost IP layer that carries the TCP layer.</summary>
    public TsharkSegment? Segment => HasTcpHeader ? AnySegment : null;

    /// <summary>
    /// The fields tshark could read even when the fixed header is cut (ports, flags, sequence and acknowledgment
    /// numbers present, checksum or urgent pointer missing); null when even those are missing.
    /// </summary>
    public TsharkSegment? PartialSegment => IsTcp && Flags.Count > 0 && SeqRaw.Count > 0 && AckRaw.Count > 0 ? AnySegment : null;

    private TsharkSegment? AnySegment
    {
        get
        {
            int tcp = IndexOf("tcp");
            string? ipLayer = Protocols.Take(tcp).LastOrDefault(p => p is "ip" or "ipv6");
            if (ipLayer is null) return null;
            var (src, dst) = ipLayer == "ip" ? (IpSrc, IpDst) : (Ipv6Src, Ipv6Dst);
            if (src.Count == 0 || dst.Count == 0) return null;
            return new TsharkSegment(
                ToUInt128(src[^1]), ToUInt128(dst[^1]),
                ushort.Parse(SrcPort[^1], CultureInfo.InvariantCulture), ushort.Parse(DstPort[^1], CultureInfo.InvariantCulture),
                (ushort)Convert.ToUInt32(Flags[^1], 16),
                uint.Parse(SeqRaw[^1], CultureInfo.InvariantCulture), uint.Parse(AckRaw[^1], CultureInfo.InvariantCulture),
                VlanTags());
        }
    }

    /// <summary>VLAN ids outermost first, in the order the tag layers appear (802.1ad and 802.1Q).</summary>
    public IReadOnlyList<ushort> VlanTags()
    {
        var tags = new List<ushort>();
        int v = 0, q = 0;
        foreach (var p in Protocols)
        {
            if (p == "vlan" && v < VlanIds.Count) tags.Add(ushort.Parse(VlanIds[v++], CultureInfo.InvariantCulture));
            else if (p == "ieee8021ad" && q < QinqIds.Count) tags.Add(ushort.Parse(QinqIds[q++], CultureInfo.InvariantCulture));
            else if (p is "ip" or "ipv6") break;
        }

        return tags;
    }

    private int IndexOf(string protocol)
    {
        for (int i = 0; i < Protocols.Count; i++) if (Protocols[i] == protocol) return i;
        return -1;
    }

    /// <summary>An address as the decoder stores it: IPv6 MSB first, IPv4 as ::ffff:a.b.c.d.</summary>
    public static UInt128 ToUInt128(string address)
    {
        var ip = IPAddress.Parse(address);
        if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ip = ip.MapToIPv6();
        return BinaryPrimitives.ReadUInt128BigEndian(ip.GetAddressBytes());
    }
}

public sealed record TsharkSegment(UInt128 Source, UInt128 Destination, ushort SourcePort, ushort DestinationPort, ushort Flags, uint Sequence, uint Acknowledgment, IReadOnlyList<ushort> Vlans);

/// <summary>tshark's view of a whole capture: every frame, its exit code and what it said on stderr.</summary>
public sealed record TsharkDump(string Capture, IReadOnlyList<TsharkFrame> Frames, int ExitCode, string StdErr)
{
    /// <summary>
    /// Options: absolute sequence numbers; no TCP analysis or reassembly and no IP reassembly, so every frame is dissected
    /// on its own as a per-packet sensor sees it (a first fragment shows its TCP header, later fragments none).
    /// </summary>
    public static readonly string[] Options =
    [
        "-n",
        "-o", "tcp.relative_sequence_numbers:FALSE",
        "-o", "tcp.analyze_sequence_numbers:FALSE",
        "-o", "tcp.desegment_tcp_streams:FALSE",
        "-o", "ip.defragment:FALSE",
        "-o", "ipv6.defragment:FALSE",
    ];

    public static readonly string[] Fields =
    [
        "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.interface_id", "frame.protocols",
        "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw",
        "tcp.urgent_pointer", "vlan.id", "ieee8021ad.id",
    ];

    public static TsharkDump Run(string capture, string path)
    {
        var args = new List<string> { "-r", path };
        args.AddRange(Options);
        args.AddRange(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "quote=n"]);
        foreach (var f in Fields) args.AddRange(["-e", f]);
        var tshark = TestEnvironment.FindTool("tshark") ?? throw new InvalidOperationException("tshark not found");
        var (code, stdout, stderr) = TestEnvironment.Run(tshark, args, TimeSpan.FromMinutes(3));
        var frames = new List<TsharkFrame>();
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Length == 0) continue;
            frames.Add(Parse(line));
        }

        return new TsharkDump(capture, frames, code, stderr);
    }

    private static TsharkFrame Parse(string line)
    {
        var c = line.TrimEnd('\r').Split('\t');
        if (c.Length != Fields.Length) throw new FormatException($"tshark printed {c.Length} columns, expected {Fields.Length}: {line}");
        static IReadOnlyList<string> L(string s) => s.Length == 0 ? [] : s.Split(',');
        return new TsharkFrame(
            long.Parse(c[0], CultureInfo.InvariantCulture),
            c[1].Length == 0 ? null : ParseEpochNs(c[1]),
            int.Parse(c[2], CultureInfo.InvariantCulture),
            int.Parse(c[3], CultureInfo.InvariantCulture),
            c[4].Length == 0 ? null : int.Parse(c[4], CultureInfo.InvariantCulture),
            c[5].Split(':'),
            L(c[6]), L(c[7]), L(c[8]), L(c[9]), L(c[10]), L(c[11]), L(c[12]), L(c[13]), L(c[14]), L(c[15]), L(c[16]), L(c[17]));
    }

    /// <summary>"1709294400.000037000" → nanoseconds, exactly.</summary>
    public static long ParseEpochNs(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return long.Parse(s, CultureInfo.InvariantCulture) * 1_000_000_000L;
        string frac = s[(dot + 1)..];
        if (frac.Length > 9) frac = frac[..9];
        long seconds = long.Parse(s[..dot], CultureInfo.InvariantCulture);
        long ns = long.Parse(frac.PadRight(9, '0'), CultureInfo.InvariantCulture);
        return seconds * 1_000_000_000L + (s.StartsWith('-') ? -ns : ns);
    }
}

/// <summary>
/// Runs tshark over every capture once, in parallel (as many at a time as there are cores), the first time any capture is
/// asked for; theory cases then only wait for their own file.
/// </summary>
public static class TsharkCache
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<TsharkDump>>> s_dumps = new(StringComparer.Ordinal);
    private static readonly SemaphoreSlim s_gate = new(Math.Max(2, Environment.ProcessorCount));
    private static int s_started;

    public static Task<TsharkDump> Get(string capture)
    {
        if (Interlocked.Exchange(ref s_started, 1) == 0)
            foreach (var c in Captures.All()) _ = Start(c);
        return Start(capture);
    }

    private static Task<TsharkDump> Start(string capture) =>
        s_dumps.GetOrAdd(capture, c => new Lazy<Task<TsharkDump>>(() => Task.Run(async () =>
        {
            await s_gate.WaitAsync().ConfigureAwait(false);
            try
            {
                return TsharkDump.Run(c, Captures.PathOf(c));
            }
            finally
            {
                s_gate.Release();
            }
        }))).Value;
}
