namespace IdsHalfOpen.Detection.Engine;

/// <summary>
/// The services an observer's top-N can name (every one with embryonic attempts or SYNs in its window), each with an upper
/// bound of both gauges, so that a top-N query reads only the services that could still make it.
/// </summary>
/// <remarks>
/// A port scan leaves tens of thousands of services with one SYN in their window. Reading each one's statistics (three
/// dependent cache misses) at every 100 ms report tick cost a replay more than its detection did. Without an event
/// neither gauge can grow: the embryonic count only falls (evicted attempts fall due), and the SYN window only loses
/// buckets. So the values read at one query bound every later one until the service is touched again, and a touch marks
/// its bound unknown. A query skips a service whose bound is below what its current top-N already holds, and drops one
/// that read zero on both (it comes back with its next event). Queries must not go back in packet time.
/// </remarks>
internal sealed class ServiceWatchList
{
    private ServiceKey[] _keys = new ServiceKey[64];
    private TargetStats[] _stats = new TargetStats[64];
    private Bound[] _bounds = new Bound[64];
    private int _count;

    /// <summary>An event touched <paramref name="stats"/>: list it, and read it exactly at the next query.</summary>
    public void Touch(ServiceKey key, TargetStats stats)
    {
        int i = stats.WatchIndex;
        if (i < 0)
        {
            if (_count == _keys.Length) Grow();
            i = _count++;
            _keys[i] = key;
            _stats[i] = stats;
            stats.WatchIndex = i;
        }

        _bounds[i].SynRate = double.PositiveInfinity;
    }

    /// <summary>Forgets a service whose statistics are being dropped (swept).</summary>
    public void Remove(TargetStats stats)
    {
        if (stats.WatchIndex >= 0) RemoveAt(stats.WatchIndex);
    }

    /// <summary>Every listed service; a superset of those with a non-zero gauge.</summary>
    public IEnumerable<(ServiceKey Key, TargetStats Stats)> Entries()
    {
        for (int i = 0; i < _count; i++) yield return (_keys[i], _stats[i]);
    }

    /// <summary>
    /// The <paramref name="n"/> services with the most embryonic attempts and the <paramref name="n"/> with the highest
    /// SYN rate at <paramref name="nowNs"/>, each list best first. Ties go to the lower address and port, so the result
    /// does not depend on list order.
    /// </summary>
    public void Collect(long nowNs, int n, List<ServiceGauge> byEmbryonic, List<ServiceGauge> byRate)
    {
        for (int i = 0; i < _count;)
        {
            ref var b = ref _bounds[i];
            if (!Could(b.Embryonic, byEmbryonic.Count < n ? 0 : byEmbryonic[n - 1].Embryonic)
                && !Could(b.SynRate, byRate.Count < n ? 0 : byRate[n - 1].SynRate))
            {
                i++;
                continue;
            }

            var stats = _stats[i];
            var g = new ServiceGauge(_keys[i], stats.EmbryonicGauge, stats.PeekSynRate(nowNs));
            if (g.Embryonic <= 0 && !(g.SynRate > 0))
            {
                RemoveAt(i);
                continue;
            }

            b.Embryonic = g.Embryonic;
            b.SynRate = g.SynRate;
            if (g.Embryonic > 0) Insert(byEmbryonic, g, n, byRate: false);
            if (g.SynRate > 0) Insert(byRate, g, n, byRate: true);
            i++;
        }
    }

    // A bound equal to the n-th value may still win on the tie-break; only a lower one cannot.
    private static bool Could(double bound, double nth) => bound > 0 && bound >= nth;

    /// <summary>Keeps <paramref name="top"/> sorted best first and at most <paramref name="n"/> long.</summary>
    private static void Insert(List<ServiceGauge> top, ServiceGauge g, int n, bool byRate)
    {
        int i = top.Count;
        while (i > 0 && Better(g, top[i - 1], byRate)) i--;
        if (i >= n) return;
        top.Insert(i, g);
        if (top.Count > n) top.RemoveAt(n);
    }

    private static bool Better(ServiceGauge a, ServiceGauge b, bool byRate)
    {
        int c = byRate ? a.SynRate.CompareTo(b.SynRate) : a.Embryonic.CompareTo(b.Embryonic);
        if (c != 0) return c > 0;
        if (a.Service.Address != b.Service.Address) return a.Service.Address < b.Service.Address;
        return a.Service.Port < b.Service.Port;
    }

    private void RemoveAt(int i)
    {
        _stats[i].WatchIndex = -1;
        int last = --_count;
        if (i != last)
        {
            _keys[i] = _keys[last];
            _stats[i] = _stats[last];
            _bounds[i] = _bounds[last];
            _stats[i].WatchIndex = i;
        }

        _keys[last] = default;
        _stats[last] = null!;
    }

    private void Grow()
    {
        int size = _keys.Length * 2;
        Array.Resize(ref _keys, size);
        Array.Resize(ref _stats, size);
        Array.Resize(ref _bounds, size);
    }

    /// <summary>Upper bounds of a service's gauges since it was last read; an unknown bound is +∞.</summary>
    private struct Bound
    {
        public double Embryonic;
        public double SynRate;
    }
}
