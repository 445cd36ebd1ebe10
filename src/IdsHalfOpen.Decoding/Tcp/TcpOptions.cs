namespace IdsHalfOpen.Decoding.Tcp;

/// <summary>
/// The TCP options detection uses, read from the option list after the fixed header (RFC 9293 §3.2).
/// <code>
/// EOL:  | 0 |                          NOP:  | 1 |
/// MSS:  | 2 | 4 | mss (2) |            window scale (RFC 7323):  | 3 | 3 | shift |
/// SACK-permitted: | 4 | 2 |            SACK (RFC 2018):  | 5 | 2+8n | n × (left edge, right edge) |
/// timestamps (RFC 7323):  | 8 | 10 | TSval (4) | TSecr (4) |
/// fast open (RFC 7413):  | 34 | 2 + cookie length (0, 4..16) | cookie |
/// fast open, experimental form:  | 254 | 4 + cookie length | 0xF989 | cookie |
/// </code>
/// </summary>
internal readonly struct TcpOptions(TcpOptionFlags present, ushort mss, byte windowScale, uint tsVal, uint tsEcr, byte sackBlocks)
{
    public TcpOptionFlags Present { get; } = present;

    public ushort Mss { get; } = mss;

    /// <summary>The shift as sent, even above the 14 that RFC 7323 allows.</summary>
    public byte WindowScale { get; } = windowScale;

    public uint TsVal { get; } = tsVal;

    public uint TsEcr { get; } = tsEcr;

    public byte SackBlocks { get; } = sackBlocks;
}
