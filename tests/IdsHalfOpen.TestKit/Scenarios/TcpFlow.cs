using System.Net;
using System.Net.Sockets;

namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>
/// Builds the packets of one TCP connection attempt between a client and a server, keeping both ends' sequence
/// numbers right (SYN-ACK ack = client ISN+1, final ACK ack = server ISN+1, data advances the sequence numbers).
/// Methods append one segment at an absolute time and return the flow for chaining; <see cref="Conversation"/> has
/// ready-made recipes. All segments are assumed delivered: each side acknowledges everything the other sent.
/// </summary>
public sealed class TcpFlow
{
    private readonly List<ScenarioPacket> _packets = [];
    private uint _clientNext;
    private uint _serverNext;
    private ushort _clientIpId;
    private ushort _serverIpId;

    public TcpFlow(int id, IPAddress client, ushort clientPort, IPAddress server, ushort serverPort, uint clientIsn, uint serverIsn)
    {
        if (client.AddressFamily != server.AddressFamily) throw new ArgumentException("client and server must be the same address family", nameof(server));
        Id = id;
        Client = client;
        ClientPort = clientPort;
        Server = server;
        ServerPort = serverPort;
        ClientIsn = clientIsn;
        ServerIsn = serverIsn;
        _clientNext = clientIsn + 1;
        _serverNext = serverIsn + 1;
        _clientIpId = (ushort)(clientIsn >> 16);
        _serverIpId = (ushort)(serverIsn >> 16);
    }

    public int Id { get; }
    public IPAddress Client { get; }
    public ushort ClientPort { get; }
    public IPAddress Server { get; }
    public ushort ServerPort { get; }
    public uint ClientIsn { get; }
    public uint ServerIsn { get; }

    public byte ClientTtl { get; init; } = 64;
    public byte ServerTtl { get; init; } = 64;
    public ushort ClientWindow { get; init; } = 64240;
    public ushort ServerWindow { get; init; } = 65160;

    /// <summary>Flags of the client's SYN: <see cref="Tf.Syn"/>, or e.g. SYN|ECE|CWR for an ECN-setup SYN.</summary>
    public Tf SynFlags { get; init; } = Tf.Syn;

    /// <summary>TCP options of the client's SYN (null: none).</summary>
    public byte[]? ClientSynOptions { get; init; } = IdsHalfOpen.TestKit.Packets.SynOptions();

    /// <summary>TCP options of the server's SYN-ACK (null: none).</summary>
    public byte[]? ServerSynOptions { get; init; } = IdsHalfOpen.TestKit.Packets.SynOptions(tsVal: 2000, tsEcr: 1000);

    /// <summary>IPv6 only: extension header types (0 hop-by-hop, 60 destination options, 43 routing) put in every packet of the flow.</summary>
    public IReadOnlyList<byte> Ipv6Extensions { get; init; } = [];

    public bool IsIpv6 => Client.AddressFamily == AddressFamily.InterNetworkV6;

    public IReadOnlyList<ScenarioPacket> Packets => _packets;

    /// <summary>Time of the first packet (the flow's start), or null while empty.</summary>
    public long? FirstTimestampNs => _packets.Count == 0 ? null : _packets.Min(p => p.TimestampNs);

    /// <summary>Client SYN (seq = ISN). Call again for a retransmission: same ISN, same tuple.</summary>
    public TcpFlow Syn(long t) => Add(t, false, SynFlags, ClientIsn, 0, ClientWindow, ClientSynOptions, null);

    /// <summary>Server SYN-ACK (seq = server ISN, ack = client ISN+1). Call again for a retransmission.</summary>
    public TcpFlow SynAck(long t) => Add(t, true, Tf.Syn | Tf.Ack, ServerIsn, ClientIsn + 1, ServerWindow, ServerSynOptions, null);

    /// <summary>Client ACK of everything the server sent; right after the SYN-ACK this completes the handshake (ack = server ISN+1).</summary>
    public TcpFlow Ack(long t) => Add(t, false, Tf.Ack, _clientNext, _serverNext, ClientWindow, null, null);

    /// <summary>Server ACK of everything the client sent.</summary>
    public TcpFlow ServerAck(long t) => Add(t, true, Tf.Ack, _serverNext, _clientNext, ServerWindow, null, null);

    public TcpFlow ClientData(long t, byte[] payload)
    {
        Add(t, false, Tf.Psh | Tf.Ack, _clientNext, _serverNext, ClientWindow, null, payload);
        _clientNext += (uint)payload.Length;
        return this;
    }

    public TcpFlow ServerData(long t, byte[] payload)
    {
        Add(t, true, Tf.Psh | Tf.Ack, _serverNext, _clientNext, ServerWindow, null, payload);
        _serverNext += (uint)payload.Length;
        return this;
    }

    public TcpFlow ClientFin(long t)
    {
        Add(t, false, Tf.Fin | Tf.Ack, _clientNext, _serverNext, ClientWindow, null, null);
        _clientNext++;
        return this;
    }

    public TcpFlow ServerFin(long t)
    {
        Add(t, true, Tf.Fin | Tf.Ack, _serverNext, _clientNext, ServerWindow, null, null);
        _serverNext++;
        return this;
    }

    /// <summary>Client RST without ACK (seq = next client sequence number): how scanners and health monitors abort after a SYN-ACK.</summary>
    public TcpFlow ClientRst(long t) => Add(t, false, Tf.Rst, _clientNext, 0, 0, null, null);

    /// <summary>Server RST-ACK answering a SYN to a closed port (seq 0, ack = client ISN+1).</summary>
    public TcpFlow Refuse(long t) => Add(t, true, Tf.Rst | Tf.Ack, 0, ClientIsn + 1, 0, null, null);

    /// <summary>Any segment, for cases the helpers above do not cover; does not move the tracked sequence numbers.</summary>
    public TcpFlow Segment(long t, bool fromServer, Tf flags, uint seq, uint ack, byte[]? options = null, byte[]? payload = null) =>
        Add(t, fromServer, flags, seq, ack, fromServer ? ServerWindow : ClientWindow, options, payload);

    private TcpFlow Add(long t, bool fromServer, Tf flags, uint seq, uint ack, ushort window, byte[]? options, byte[]? payload)
    {
        var (src, dst, sport, dport, ttl) = fromServer ? (Server, Client, ServerPort, ClientPort, ServerTtl) : (Client, Server, ClientPort, ServerPort, ClientTtl);
        var tcp = IdsHalfOpen.TestKit.Packets.Tcp(src, dst, sport, dport, flags, seq, ack, window, options, payload);
        byte[] ip;
        if (IsIpv6)
        {
            var ext = new byte[Ipv6Extensions.Count][];
            for (int i = 0; i < ext.Length; i++)
                ext[i] = IdsHalfOpen.TestKit.Packets.Ipv6Extension(i + 1 < ext.Length ? Ipv6Extensions[i + 1] : (byte)6);
            byte first = ext.Length > 0 ? Ipv6Extensions[0] : (byte)6;
            ip = IdsHalfOpen.TestKit.Packets.Ipv6(src, dst, first, tcp, ttl, ext);
        }
        else
        {
            ushort id = fromServer ? _serverIpId++ : _clientIpId++;
            ip = IdsHalfOpen.TestKit.Packets.Ipv4(src, dst, 6, tcp, ttl, id);
        }

        _packets.Add(new ScenarioPacket(t, ip, Id, fromServer));
        return this;
    }
}
