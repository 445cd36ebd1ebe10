namespace IdsHalfOpen.Detection.Engine;

/// <summary>One service's gauges at one packet time, as an observer reads them.</summary>
public readonly record struct ServiceGauge(ServiceKey Service, long Embryonic, double SynRate);

/// <summary>
/// Read-only gauges for observers such as the replay report. Nothing here advances a window or changes what the engine
/// counts, so reading them never changes what the engine detects. Call on the detection thread (between events).
/// </summary>
public sealed partial class DetectionEngine
{
    /// <summary>Services the engine keeps statistics for now.</summary>
    public int ServiceCount => _services.Count;

    /// <summary>Windowed SYN rate on the whole link at <paramref name="nowNs"/> (packet time, not before the last event).</summary>
    public double GlobalSynRateAt(long nowNs) => _global.PeekSynRate(nowNs);

    /// <summary>Windowed SYN rate toward one service at <paramref name="nowNs"/>; 0 for a service without statistics.</summary>
    public double ServiceSynRateAt(ServiceKey service, long nowNs) =>
        _services.TryGetValue(service, out var s) ? s.PeekSynRate(nowNs) : 0;

    /// <summary>
    /// Adds to <paramref name="into"/> the <paramref name="n"/> services with the most embryonic attempts and the
    /// <paramref name="n"/> with the highest SYN rate at <paramref name="nowNs"/> (a service in both lists once), ignoring
    /// idle ones. Ties go to the lower address and port, so the choice does not depend on list order. Successive calls
    /// must not go back in packet time (see <see cref="ServiceWatchList"/>).
    /// </summary>
    public void CollectTopServices(long nowNs, int n, List<ServiceGauge> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (n <= 0) return;
        var byEmbryonic = new List<ServiceGauge>(n + 1);
        var byRate = new List<ServiceGauge>(n + 1);
        _watchedServices.Collect(nowNs, n, byEmbryonic, byRate);
        foreach (var g in byEmbryonic) into.Add(g);
        foreach (var g in byRate)
        {
            if (!byEmbryonic.Exists(e => e.Service == g.Service)) into.Add(g);
        }
    }
}
