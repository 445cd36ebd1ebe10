using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// Deterministic (fixed-seed) benchmark captures, cached in /tmp under a name that carries their size and the
/// generator version, written with TestKit's <see cref="Packets"/> and <see cref="PcapWriter"/>.
/// </summary>
internal static class Captures
{
    // Bump when a generator changes, so stale cached files are not measured by mistake.
    private const int Version = 1;

    private static readonly IPAddress Victim = IPAddress.Parse("10.0.0.10");
    private static readonly byte[] SynOpts = Packets.SynOptions();

    /// <summary>The mixed capture of <paramref name="packets"/> packets (generated on first use).</summary>
    public static string Mixed(int packets) =>
        Cached($"idshalfopen-mixed-v{Version}-{packets}.pcap", path => WriteMixed(path, packets));

    /// <summary>The spoofed flood from <paramref name="sources"/> distinct sources (generated on first use).</summary>
    public static string Flood(int sources) =>
        Cached($"idshalfopen-flood-v{Version}-{sources}.pcap", path => WriteFlood(path, sources));

    public static string Describe(string path) =>
        string.Create(CultureInfo.InvariantCulture, $"{path} ({new FileInfo(path).Length / 1e6:F1} MB)");

    private static string Cached(string name, Action<string> write)
    {
        string path = Path.Combine(Path.GetTempPath(), name);
        if (File.Exists(path)) return path;
        Console.WriteLine($"generating {path} ...");
        string tmp = path + ".tmp";
        write(tmp);
        File.Move(tmp, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// A link under a SYN flood, at 250 000 packets/s of packet time (10 M packets = 40 s). Shares of packets:
    /// <list type="bullet">
    /// <item>55 %: ordinary TCP: 4 000 concurrent connections from 10.1/16 to 50 servers (ports 443, 80, 22), each a full
    /// handshake, 4–20 data/ACK segments in both directions, FIN/FIN/ACK; a finished connection is replaced by a new one;</item>
    /// <item>22 %: spoofed SYNs from 198.18/15 (random address and port) to 10.0.0.10:80;</item>
    /// <item>8 %: the victim's SYN-ACKs to recent flood SYNs (embryonic attempts, about one SYN in three answered);</item>
    /// <item>5 %: backscatter: SYN-ACKs and RSTs from outside hosts to 10.2/16 (someone else's flood spoofing us);</item>
    /// <item>5 %: a half-open port scan from 203.0.113.5 over 10.0.0.20 (SYN, RST from closed ports);</item>
    /// <item>5 %: UDP (DNS-sized) between clients and 10.0.0.53.</item>
    /// </list>
    /// </summary>
    private static void WriteMixed(string path, int packets)
    {
        var rng = new Random(20261122);
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new PcapWriter(fs, LinkType.Ethernet);
        long ts = 1_763_800_000_000_000_000;
        var servers = new IPAddress[50];
        for (int i = 0; i < servers.Length; i++) servers[i] = new IPAddress([10, 0, 1, (byte)(i + 1)]);
        ushort[] serverPorts = [443, 443, 443, 80, 22];
        var conns = new Conn[4000];
        for (int i = 0; i < conns.Length; i++) conns[i] = NewConn(rng, servers, serverPorts);
        var recentSyns = new (IPAddress Src, ushort Port, uint Isn)[1024];
        int recentCount = 0;
        var scanner = IPAddress.Parse("203.0.113.5");
        var scanned = IPAddress.Parse("10.0.0.20");
        var dns = IPAddress.Parse("10.0.0.53");
        int scanPort = 1;
        var payloads = new byte[8][];
        for (int i = 0; i < payloads.Length; i++) payloads[i] = new byte[i * 180];
        var addr = new byte[4];
        for (int n = 0; n < packets; n++)
        {
            ts += 4_000;
            int roll = rng.Next(100);
            byte[] ip;
            if (roll < 55)
            {
                ref var c = ref conns[rng.Next(conns.Length)];
                ip = c.Next(rng, payloads);
                if (c.Done) c = NewConn(rng, servers, serverPorts);
            }
            else if (roll < 77)
            {
                rng.NextBytes(addr);
                var src = new IPAddress([198, (byte)(18 + (addr[0] & 1)), addr[1], addr[2]]);
                ushort sport = (ushort)(1024 + rng.Next(64000));
                uint isn = (uint)rng.Next();
                ip = Packets.IpTcp(src, Victim, sport, 80, Tf.Syn, isn, 0, ttl: (byte)(40 + (addr[3] & 15)), options: SynOpts);
                recentSyns[recentCount++ & 1023] = (src, sport, isn);
            }
            else if (roll < 85 && recentCount > 0)
            {
                var (src, sport, isn) = recentSyns[rng.Next(Math.Min(recentCount, 1024))];
                ip = Packets.IpTcp(Victim, src, 80, sport, Tf.Syn | Tf.Ack, (uint)rng.Next(), isn + 1, options: SynOpts);
            }
            else if (roll < 90)
            {
                rng.NextBytes(addr);
                var outside = new IPAddress([100, (byte)(64 + (addr[0] & 63)), addr[1], addr[2]]);
                var us = new IPAddress([10, 2, addr[3], addr[1]]);
                bool rst = (addr[0] & 0x80) != 0;
                ip = Packets.IpTcp(outside, us, 80, (ushort)(1024 + rng.Next(64000)), rst ? Tf.Rst | Tf.Ack : Tf.Syn | Tf.Ack, (uint)rng.Next(), (uint)rng.Next(), options: rst ? null : SynOpts);
            }
            else if (roll < 95)
            {
                // SYN, then the closed port's RST answering it on the next packet.
                ushort port = (ushort)scanPort;
                ip = (n & 1) == 0
                    ? Packets.IpTcp(scanner, scanned, 54321, port, Tf.Syn, 777, 0, ttl: 50, options: SynOpts)
                    : Packets.IpTcp(scanned, scanner, port, 54321, Tf.Rst | Tf.Ack, 0, 778);
                if ((n & 1) != 0) scanPort = scanPort % 65535 + 1;
            }
            else
            {
                var client = new IPAddress([10, 1, (byte)rng.Next(256), (byte)rng.Next(1, 255)]);
                ip = Packets.Ipv4(client, dns, 17, Udp((ushort)(1024 + rng.Next(60000)), 53, payloads[rng.Next(2)]));
            }

            w.Write(ts, Packets.Ethernet(ip, Packets.EtherTypeIpv4));
        }
    }

    /// <summary>
    /// A spoofed flood: <paramref name="sources"/> SYNs to 10.0.0.10:80, each from its own address in 11/8 (a fixed
    /// permutation, so no address repeats), 500 000 per second of packet time; the victim answers every fourth.
    /// </summary>
    private static void WriteFlood(string path, int sources)
    {
        if (sources > 1 << 24) throw new ArgumentOutOfRangeException(nameof(sources), "at most 2^24 sources");
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var w = new PcapWriter(fs, LinkType.Ethernet);
        long ts = 1_763_800_000_000_000_000;
        for (int i = 0; i < sources; i++)
        {
            ts += 2_000;
            // An odd multiplier modulo 2^24 is a bijection: distinct i give distinct addresses.
            uint low = (uint)(i * 0x9E3779L) & 0xFFFFFF;
            var src = new IPAddress([11, (byte)(low >> 16), (byte)(low >> 8), (byte)low]);
            ushort sport = (ushort)(1024 + (i % 60000));
            uint isn = (uint)i * 2654435761u;
            w.Write(ts, Packets.Ethernet(Packets.IpTcp(src, Victim, sport, 80, Tf.Syn, isn, 0, ttl: (byte)(40 + (i & 15)), options: SynOpts), Packets.EtherTypeIpv4));
            if ((i & 3) == 0)
            {
                w.Write(ts + 500, Packets.Ethernet(Packets.IpTcp(Victim, src, 80, sport, Tf.Syn | Tf.Ack, isn ^ 0x5555, isn + 1, options: SynOpts), Packets.EtherTypeIpv4));
            }
        }
    }

    private static Conn NewConn(Random rng, IPAddress[] servers, ushort[] ports) => new()
    {
        Client = new IPAddress([10, 1, (byte)rng.Next(256), (byte)rng.Next(1, 255)]),
        Server = servers[rng.Next(servers.Length)],
        ClientPort = (ushort)(1024 + rng.Next(64000)),
        ServerPort = ports[rng.Next(ports.Length)],
        ClientIsn = (uint)rng.Next(),
        ServerIsn = (uint)rng.Next(),
        DataSegments = 4 + rng.Next(17),
    };

    private static byte[] Udp(ushort sport, ushort dport, byte[] payload)
    {
        var u = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, sport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        payload.CopyTo(u, 8);
        return u; // checksum 0: "not computed", legal for UDP over IPv4
    }

    /// <summary>One ordinary connection's packets, in order.</summary>
    private struct Conn
    {
        public IPAddress Client;
        public IPAddress Server;
        public ushort ClientPort;
        public ushort ServerPort;
        public uint ClientIsn;
        public uint ServerIsn;
        public int DataSegments;
        public int Step;
        public uint ClientSent;
        public uint ServerSent;

        public readonly bool Done => Step >= DataSegments + 6;

        public byte[] Next(Random rng, byte[][] payloads)
        {
            int step = Step++;
            uint cs = ClientIsn + 1 + ClientSent, ss = ServerIsn + 1 + ServerSent;
            if (step == 0) return Packets.IpTcp(Client, Server, ClientPort, ServerPort, Tf.Syn, ClientIsn, 0, options: SynOpts);
            if (step == 1) return Packets.IpTcp(Server, Client, ServerPort, ClientPort, Tf.Syn | Tf.Ack, ServerIsn, ClientIsn + 1, options: SynOpts);
            if (step == 2) return Packets.IpTcp(Client, Server, ClientPort, ServerPort, Tf.Ack, cs, ss);
            int data = step - 3;
            if (data < DataSegments)
            {
                var payload = payloads[rng.Next(payloads.Length)];
                if ((data & 1) == 0)
                {
                    ClientSent += (uint)payload.Length;
                    return Packets.IpTcp(Client, Server, ClientPort, ServerPort, Tf.Ack | Tf.Psh, cs, ss, payload: payload);
                }

                ServerSent += (uint)payload.Length;
                return Packets.IpTcp(Server, Client, ServerPort, ClientPort, Tf.Ack | Tf.Psh, ss, cs, payload: payload);
            }

            return (step - 3 - DataSegments) switch
            {
                0 => Packets.IpTcp(Client, Server, ClientPort, ServerPort, Tf.Fin | Tf.Ack, cs, ss),
                1 => Packets.IpTcp(Server, Client, ServerPort, ClientPort, Tf.Fin | Tf.Ack, ss, cs + 1),
                _ => Packets.IpTcp(Client, Server, ClientPort, ServerPort, Tf.Ack, cs + 1, ss + 1),
            };
        }
    }
}
