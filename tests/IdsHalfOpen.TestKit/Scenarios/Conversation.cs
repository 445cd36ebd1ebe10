namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>
/// Recipes for whole connection attempts, seen by a sensor next to the server: client packets are stamped when they
/// reach the server, the server answers after <c>serverDelayNs</c>, and the client's next packet arrives one round trip
/// (<c>rttNs</c>) after the server's.
/// </summary>
public static class Conversation
{
    public const long Millisecond = 1_000_000;
    public const long Second = 1_000_000_000;

    /// <summary>
    /// A complete, clean connection: SYN (sent 1 + <paramref name="synRetransmits"/> times, 1 s then 2 s apart, the last
    /// answered), SYN-ACK, ACK, a request, a response, the client's ACK, then FIN-ACK, FIN-ACK, ACK. 9 + retransmits packets.
    /// </summary>
    public static TcpFlow Complete(this TcpFlow f, long start, long rttNs, byte[] request, byte[] response,
        long serverDelayNs = 60_000, int synRetransmits = 0)
    {
        long t = start;
        for (int r = 0; r < synRetransmits; r++)
        {
            f.Syn(t);
            t += Second << r;
        }

        f.Syn(t);
        t += serverDelayNs;
        f.SynAck(t);
        t += rttNs;
        f.Ack(t);
        t += 15_000;
        f.ClientData(t, request);
        t += 4 * serverDelayNs;
        f.ServerData(t, response);
        t += rttNs;
        f.Ack(t);
        t += 2 * Millisecond;
        f.ClientFin(t);
        t += serverDelayNs;
        f.ServerFin(t);
        t += rttNs;
        return f.Ack(t);
    }

    /// <summary>SYN to a closed port, answered by RST-ACK.</summary>
    public static TcpFlow Refused(this TcpFlow f, long start, long serverDelayNs = 60_000) =>
        f.Syn(start).Refuse(start + serverDelayNs);

    /// <summary>SYN, SYN-ACK, then the client resets instead of completing (half-open scan, F5 tcp_half_open monitor).</summary>
    public static TcpFlow AbortedByClient(this TcpFlow f, long start, long rttNs, long serverDelayNs = 60_000) =>
        f.Syn(start).SynAck(start + serverDelayNs).ClientRst(start + serverDelayNs + rttNs);

    /// <summary>A SYN nobody answers, sent 1 + <paramref name="retransmits"/> times at the given spacing (same ISN).</summary>
    public static TcpFlow Unanswered(this TcpFlow f, long start, int retransmits, long retransmitDelayNs)
    {
        for (int r = 0; r <= retransmits; r++) f.Syn(start + r * retransmitDelayNs);
        return f;
    }

    /// <summary>
    /// SYN answered by SYN-ACK, and no final ACK ever: the server retransmits its SYN-ACK at the given offsets after
    /// the first one (Linux: 1 s, 3 s, 7 s, 15 s, 31 s).
    /// </summary>
    public static TcpFlow Embryonic(this TcpFlow f, long start, long serverDelayNs, params long[] synAckRetransmitOffsetsNs)
    {
        f.Syn(start).SynAck(start + serverDelayNs);
        foreach (long o in synAckRetransmitOffsetsNs) f.SynAck(start + serverDelayNs + o);
        return f;
    }

    /// <summary>Printable, deterministic payload bytes (so captures stay readable in a hex dump).</summary>
    public static byte[] Payload(int length, int salt)
    {
        const string text = "The quick brown fox jumps over the lazy dog. 0123456789 ";
        var p = new byte[length];
        for (int i = 0; i < length; i++) p[i] = (byte)text[(i + salt) % text.Length];
        return p;
    }
}
