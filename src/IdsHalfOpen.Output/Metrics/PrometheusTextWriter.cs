using System.Globalization;
using System.Text;

namespace IdsHalfOpen.Output.Metrics;

/// <summary>
/// Renders a <see cref="SensorMetricsSnapshot"/> in the Prometheus text exposition format (version 0.0.4): a HELP and a
/// TYPE line per family, then its samples. Families always appear, even at zero, so a dashboard's query never goes
/// blank because nothing happened yet.
/// </summary>
public static class PrometheusTextWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(SensorMetricsSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var b = new StringBuilder(4096);
        Counter(b, "idshalfopen_packets_total", "Frames received from the capture and handed to the decoder.", s.PacketsReceived);
        Counter(b, "idshalfopen_bytes_total", "Bytes of the frames handed to the decoder (captured length).", s.BytesReceived);
        Counter(b, "idshalfopen_tcp_packets_total", "TCP segments decoded and posted to the tracker.", s.TcpPackets);
        Counter(b, "idshalfopen_capture_dropped_packets_total", "Packets the kernel dropped because the capture buffer was full (pcap_stats ps_drop).", s.CaptureDropped);
        Counter(b, "idshalfopen_interface_dropped_packets_total", "Packets the interface or driver dropped (pcap_stats ps_ifdrop).", s.InterfaceDropped);

        Header(b, "idshalfopen_stage_dropped_packets_total", "Packets dropped by a pipeline stage after capture because it fell behind.", "counter");
        foreach (var (stage, n) in s.StageDropped.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Sample(b, "idshalfopen_stage_dropped_packets_total", "stage", stage, n);

        Header(b, "idshalfopen_decode_events_total", "Decode anomalies by kind.", "counter");
        foreach (var (name, n) in s.DecodeEvents.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Sample(b, "idshalfopen_decode_events_total", "event", name, n);

        Counter(b, "idshalfopen_attempts_total", "Connection attempts (SYNs with a new ISN) seen.", s.Attempts);
        Header(b, "idshalfopen_attempt_outcomes_total", "Finished connection attempts by outcome.", "counter");
        foreach (var (name, n) in s.Outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal)) Sample(b, "idshalfopen_attempt_outcomes_total", "outcome", name, n);

        Gauge(b, "idshalfopen_tracked_attempts", "Attempts in the tracker's table now.", s.Tracked);
        Gauge(b, "idshalfopen_tracked_attempts_peak", "Most attempts the tracker's table held at once.", s.PeakTracked);
        Counter(b, "idshalfopen_evictions_total", "Attempts evicted because the table was full.", s.Evictions);
        Counter(b, "idshalfopen_alerts_total", "Attacks started (one per attack id).", s.Alerts);
        Counter(b, "idshalfopen_alert_events_total", "Alert lifecycle events emitted (start, update, end).", s.AlertEvents);
        Gauge(b, "idshalfopen_sink_backlog", "Documents accepted by the sinks and not yet delivered (memory queue and on-disk spool).", s.SinkBacklog);

        Header(b, "idshalfopen_embryonic_connections", "Embryonic (SYN_RCVD) connections now: the whole link without labels, and the top destinations by ip:port.", "gauge");
        Sample(b, "idshalfopen_embryonic_connections", null, null, s.GlobalEmbryonic);
        foreach (var d in s.TopDestinations) Sample(b, "idshalfopen_embryonic_connections", "destination", d.Destination, d.Embryonic);

        Counter(b, "idshalfopen_rule_reloads_total", "Successful rule reloads.", s.RuleReloads);
        Counter(b, "idshalfopen_rule_reload_failures_total", "Rule reloads rejected (the previous rules stayed).", s.RuleReloadFailures);
        return b.ToString();
    }

    private static void Counter(StringBuilder b, string name, string help, long value)
    {
        Header(b, name, help, "counter");
        Sample(b, name, null, null, value);
    }

    private static void Gauge(StringBuilder b, string name, string help, long value)
    {
        Header(b, name, help, "gauge");
        Sample(b, name, null, null, value);
    }

    private static void Header(StringBuilder b, string name, string help, string type) =>
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
         .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder b, string name, string? label, string? value, long sample)
    {
        b.Append(name);
        if (label is not null)
        {
            b.Append('{').Append(label).Append("=\"");
            AppendEscaped(b, value ?? "");
            b.Append("\"}");
        }

        b.Append(' ').Append(sample.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Label values escape backslash, double quote and line feed; nothing else (the format's own rule).</summary>
    internal static void AppendEscaped(StringBuilder b, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': b.Append("\\\\"); break;
                case '"': b.Append("\\\""); break;
                case '\n': b.Append("\\n"); break;
                default: b.Append(c); break;
            }
        }
    }
}
