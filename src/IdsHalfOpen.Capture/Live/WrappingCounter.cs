namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// Widens a 32-bit counter that wraps (libpcap's pcap_stat fields) to 64 bits: a reading below the previous one
/// means the counter passed 2^32. Correct as long as it is read at least once per 2^32 increments
/// (about 70 minutes at a million packets per second).
/// </summary>
internal struct WrappingCounter
{
    private ulong _high;
    private uint _last;

    public ulong Extend(uint raw)
    {
        if (raw < _last) _high += 1UL << 32;
        _last = raw;
        return _high + raw;
    }
}
