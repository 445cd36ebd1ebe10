namespace IdsHalfOpen.Output.Metrics;

/// <summary>
/// One consistent reading of the sensor's counters, taken on the detection thread (the only thread that may read the
/// engine's gauges) and handed to whoever reports it: the periodic stats log line and the Prometheus endpoint.
/// Counters are totals since start; gauges are values at <see cref="TakenAt"/>.
/// </summary>
public sealed class SensorMetricsSnapshot
{
    public static SensorMetricsSnapshot Empty { get; } = new();

    /// <summary>Wall time the snapshot was taken.</summary>
    public DateTimeOffset TakenAt { get; init; }

    /// <summary>Capture interface (or file) names, as the operator gave them.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = [];

    /// <summary>Frames handed to the decoder.</summary>
    public long PacketsReceived { get; init; }

    /// <summary>Bytes of the frames handed to the decoder (captured length).</summary>
    public long BytesReceived { get; init; }

    /// <summary>TCP segments decoded and posted to the tracker.</summary>
    public long TcpPackets { get; init; }

    /// <summary>Packets the kernel dropped because the capture buffer was full (pcap_stats ps_drop).</summary>
    public long CaptureDropped { get; init; }

    /// <summary>Packets the interface or driver dropped (pcap_stats ps_ifdrop), where the platform reports it.</summary>
    public long InterfaceDropped { get; init; }

    /// <summary>Drops per pipeline stage after capture, by stage name ("tracker", "detection", "output", ...).</summary>
    public IReadOnlyDictionary<string, long> StageDropped { get; init; } = new Dictionary<string, long>();

    /// <summary>Decode anomalies by <c>DecodeEvent</c> name; only non-zero entries.</summary>
    public IReadOnlyDictionary<string, long> DecodeEvents { get; init; } = new Dictionary<string, long>();

    /// <summary>Finished attempts by outcome name; only non-zero entries.</summary>
    public IReadOnlyDictionary<string, long> Outcomes { get; init; } = new Dictionary<string, long>();

    public long Attempts { get; init; }

    /// <summary>Attempts in the tracker's table now.</summary>
    public long Tracked { get; init; }

    public long PeakTracked { get; init; }

    public long Evictions { get; init; }

    /// <summary>Attacks started (one per attack id).</summary>
    public long Alerts { get; init; }

    /// <summary>Alert lifecycle events emitted (start, update, end).</summary>
    public long AlertEvents { get; init; }

    /// <summary>Documents accepted by the sinks but not yet delivered (memory queue plus on-disk spool).</summary>
    public long SinkBacklog { get; init; }

    /// <summary>Embryonic connections now, whole link.</summary>
    public long GlobalEmbryonic { get; init; }

    /// <summary>The destinations (ip:port) with the most embryonic connections now, most first.</summary>
    public IReadOnlyList<DestinationGauge> TopDestinations { get; init; } = [];

    public long RuleReloads { get; init; }

    public long RuleReloadFailures { get; init; }

    /// <summary>The periodic stats log line: key=value pairs, so it greps and parses.</summary>
    public override string ToString()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        long stage = StageDropped.Values.Sum();
        string top = TopDestinations.Count == 0 ? "-" : string.Join(",", TopDestinations.Take(3).Select(d => string.Create(c, $"{d.Destination}={d.Embryonic}")));
        return string.Create(c,
            $"packets={PacketsReceived} bytes={BytesReceived} tcp={TcpPackets} capture_dropped={CaptureDropped} interface_dropped={InterfaceDropped} stage_dropped={stage} tracked={Tracked} evictions={Evictions} alerts={Alerts} alert_events={AlertEvents} sink_backlog={SinkBacklog} embryonic={GlobalEmbryonic} top={top}");
    }
}

/// <summary>An embryonic gauge for one service; <paramref name="Destination"/> is "a.b.c.d:port" or "[v6]:port".</summary>
public readonly record struct DestinationGauge(string Destination, long Embryonic);
