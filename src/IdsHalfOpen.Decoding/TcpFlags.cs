namespace IdsHalfOpen.Decoding;

/// <summary>TCP header flags (RFC 9293 §3.1, RFC 3168 for ECE/CWR, RFC 3540 for the historic NS bit).</summary>
[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x001,
    Syn = 0x002,
    Rst = 0x004,
    Psh = 0x008,
    Ack = 0x010,
    Urg = 0x020,
    Ece = 0x040,
    Cwr = 0x080,
    Ns = 0x100,
}
