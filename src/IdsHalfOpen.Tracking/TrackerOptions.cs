namespace IdsHalfOpen.Tracking;

public sealed record TrackerOptions
{
    /// <summary>How long a SYN may wait for an answer. Zeek waits 5 s, Suricata 60 s; 30 s matches the embryonic default.</summary>
    public TimeSpan UnansweredTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an embryonic attempt lives after its last SYN-ACK (Cisco ASA and Snort 3: 30 s). Measured from the last
    /// SYN-ACK because the server keeps the entry while it retransmits (Linux: 5 retries, about 63 s in all).
    /// </summary>
    public TimeSpan EmbryonicTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an unsolicited SYN-ACK waits for a late SYN (reordering) before it is called backscatter.</summary>
    public TimeSpan OrphanTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle time after which an established or mid-stream connection is forgotten (it only serves to tell RSTs apart).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Hard cap on tracked entries across all shards. Each costs about 150 bytes with its index.</summary>
    public int MaxEntries { get; init; } = 1_000_000;

    /// <summary>Timer wheel slot width: timeouts fire on these boundaries of packet time.</summary>
    public TimeSpan TimerResolution { get; init; } = TimeSpan.FromMilliseconds(100);
}
