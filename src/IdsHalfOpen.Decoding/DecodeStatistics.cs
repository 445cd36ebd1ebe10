namespace IdsHalfOpen.Decoding;

/// <summary>
/// What one <see cref="PacketDecoder"/> saw. Not thread-safe: each decoder owns one; merge shards with <see cref="Add"/>.
/// <para>
/// Every frame lands in exactly one outcome: <see cref="TcpSegments"/>, <see cref="IcmpTcpQuotes"/>, <see cref="NonIp"/>,
/// <see cref="NonTcpIp"/> or <see cref="Malformed"/>; so their sum is <see cref="Frames"/>. Anomalies are counted per
/// <see cref="DecodeEvent"/>; a frame may count more than one (say a bad option and a bad checksum).
/// </para>
/// </summary>
public sealed class DecodeStatistics
{
    private static readonly string[] s_names = BuildNames();
    private readonly long[] _events = new long[s_names.Length];

    /// <summary>How many <see cref="DecodeEvent"/> values there are (None included); events are 0 .. EventKindCount - 1.</summary>
    public static int EventKindCount => s_names.Length;

    public long Frames { get; internal set; }

    /// <summary>Sum of the frames' wire lengths (<c>RawFrame.OriginalLength</c>).</summary>
    public long Bytes { get; internal set; }

    /// <summary>Frames whose outermost IP header is IPv4 and decoded.</summary>
    public long Ipv4 { get; internal set; }

    /// <summary>Frames whose outermost IP header is IPv6 and decoded.</summary>
    public long Ipv6 { get; internal set; }

    /// <summary>Frames carrying IP in IP (protocol 4 or 41) that the decoder went into.</summary>
    public long Tunneled { get; internal set; }

    /// <summary>TCP segments returned (<see cref="TcpPacketKind.Segment"/>).</summary>
    public long TcpSegments { get; internal set; }

    /// <summary>ICMP/ICMPv6 errors quoting TCP returned (<see cref="TcpPacketKind.IcmpErrorQuote"/>).</summary>
    public long IcmpTcpQuotes { get; internal set; }

    /// <summary>Frames that carry no IP: ARP, LLC, unknown EtherTypes or families, non-IP MPLS payloads, NFLOG records without packet.</summary>
    public long NonIp { get; internal set; }

    /// <summary>Of <see cref="NonIp"/>: ARP.</summary>
    public long Arp { get; internal set; }

    /// <summary>IP packets that carry no TCP: UDP, ICMP quoting no TCP, ESP, other protocols, non-first fragments of them.</summary>
    public long NonTcpIp { get; internal set; }

    /// <summary>Of <see cref="NonTcpIp"/>: UDP.</summary>
    public long Udp { get; internal set; }

    /// <summary>Of <see cref="NonTcpIp"/>: ICMP and ICMPv6 messages quoting no TCP (echo, neighbour discovery, errors about UDP...).</summary>
    public long Icmp { get; internal set; }

    /// <summary>Frames dropped for a fatal <see cref="DecodeEvent"/>.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Segments with SYN set and ACK clear (whatever else is set: ECE, CWR, payload).</summary>
    public long Syn { get; internal set; }

    /// <summary>Segments with SYN and ACK set.</summary>
    public long SynAck { get; internal set; }

    /// <summary>Segments with RST set.</summary>
    public long Rst { get; internal set; }

    /// <summary>Segments with FIN set.</summary>
    public long Fin { get; internal set; }

    /// <summary>TCP checksums verified (valid or not).</summary>
    public long ChecksumsVerified { get; internal set; }

    /// <summary>Anomalies of all kinds.</summary>
    public long TotalEvents
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < _events.Length; i++) sum += _events[i];
            return sum;
        }
    }

    /// <summary>How often <paramref name="e"/> was met; 0 for <see cref="DecodeEvent.None"/> and for values outside the enum.</summary>
    public long this[DecodeEvent e] => e != DecodeEvent.None && (int)e < _events.Length ? _events[(int)e] : 0;

    /// <summary>The events met at least once, in enum order, without allocating: <c>foreach (var (e, n) in stats.NonZeroEvents)</c>.</summary>
    public NonZeroEventList NonZeroEvents => new(_events);

    /// <summary>The member name of <paramref name="e"/> (cached: no allocation), or "Unknown" outside the enum.</summary>
    public static string NameOf(DecodeEvent e) => (int)e < s_names.Length ? s_names[(int)e] : "Unknown";

    /// <summary>Adds <paramref name="other"/>'s counts to this one (merging per-thread decoders).</summary>
    public void Add(DecodeStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Frames += other.Frames;
        Bytes += other.Bytes;
        Ipv4 += other.Ipv4;
        Ipv6 += other.Ipv6;
        Tunneled += other.Tunneled;
        TcpSegments += other.TcpSegments;
        IcmpTcpQuotes += other.IcmpTcpQuotes;
        NonIp += other.NonIp;
        Arp += other.Arp;
        NonTcpIp += other.NonTcpIp;
        Udp += other.Udp;
        Icmp += other.Icmp;
        Malformed += other.Malformed;
        Syn += other.Syn;
        SynAck += other.SynAck;
        Rst += other.Rst;
        Fin += other.Fin;
        ChecksumsVerified += other.ChecksumsVerified;
        for (int i = 0; i < _events.Length; i++) _events[i] += other._events[i];
    }

    internal void Count(DecodeEvent e) => _events[(int)e]++;

    private static string[] BuildNames()
    {
        var values = Enum.GetValues<DecodeEvent>();
        int max = 0;
        foreach (var v in values) max = Math.Max(max, (int)v);
        var names = new string[max + 1];
        for (int i = 0; i < names.Length; i++) names[i] = Enum.GetName((DecodeEvent)i) ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return names;
    }

    /// <summary>One event and how often it was met.</summary>
    public readonly record struct EventCount(DecodeEvent Event, long Count)
    {
        public string Name => NameOf(Event);
    }

    /// <summary>Enumerable over the non-zero event counters; a struct, so <c>foreach</c> allocates nothing.</summary>
    public readonly struct NonZeroEventList
    {
        private readonly long[] _counts;

        internal NonZeroEventList(long[] counts) => _counts = counts;

        public Enumerator GetEnumerator() => new(_counts);
    }

    public struct Enumerator
    {
        private readonly long[] _counts;
        private int _index;

        internal Enumerator(long[] counts)
        {
            _counts = counts;
            _index = 0; // None (0) is never reported: MoveNext starts at 1.
        }

        public readonly EventCount Current => new((DecodeEvent)_index, _counts[_index]);

        public bool MoveNext()
        {
            while (++_index < _counts.Length)
            {
                if (_counts[_index] != 0) return true;
            }

            return false;
        }
    }
}
