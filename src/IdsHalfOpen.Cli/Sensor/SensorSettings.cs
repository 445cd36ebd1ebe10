using System.Net;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>
/// The sensor's settings: the <c>Sensor</c> section of the configuration (appsettings.json, then IDSHALFOPEN__Sensor__*
/// environment variables, then the command line, each over the one before). Policy (thresholds, networks) is not here:
/// it lives in the rule files.
/// </summary>
internal sealed class SensorSettings
{
    public const string Section = "Sensor";

    /// <summary>Capture interface (a mirror or tap port).</summary>
    public string? Interface { get; set; }

    /// <summary>Optional BPF filter, e.g. "tcp or icmp or icmp6".</summary>
    public string? Filter { get; set; }

    /// <summary>
    /// Bytes kept of each frame. The sensor reads headers only: 512 holds Ethernet with stacked VLAN/MPLS tags, IPv6
    /// with extension headers, TCP with every option, and an ICMP error's quote. It also sizes the kernel ring's slots
    /// (in immediate mode one slot per packet), so whole frames (262144) would leave a 64 MiB ring 256 slots.
    /// </summary>
    public int SnapLength { get; set; } = 512;

    /// <summary>
    /// Hand each packet over as it arrives. Off (the default), the kernel fills blocks and hands them over when full or
    /// after <see cref="BlockTimeoutMs"/>: far fewer wake-ups under a flood (measured: no drops at several times the rate), for at
    /// most that much latency (20 ms by default, 100 at most), well inside the sensor's one-second alert budget.
    /// </summary>
    public bool Immediate { get; set; }

    /// <summary>
    /// Without <see cref="Immediate"/>: the longest a packet waits in a kernel block, in milliseconds (1..100). Short
    /// enough that the embryonic gauge trails the kernel's own count by a few milliseconds of SYNs, long enough that a
    /// flood still arrives in full blocks.
    /// </summary>
    public int BlockTimeoutMs { get; set; } = 20;

    /// <summary>Kernel capture buffer in MiB: what absorbs bursts while the reader is busy.</summary>
    public int BufferMiB { get; set; } = 64;

    public bool Promiscuous { get; set; } = true;

    /// <summary>A rule file or a folder of *.yaml; null: the built-in rules/default.yaml.</summary>
    public string? Rules { get; set; }

    /// <summary>Reload the rules when a rule file changes (SIGHUP always reloads).</summary>
    public bool WatchRules { get; set; } = true;

    /// <summary>Alert lifecycle events as ECS JSON lines: a path, or "-" for stdout; null for none.</summary>
    public string? Alerts { get; set; }

    /// <summary>Connection records as ECS JSON lines; null for none.</summary>
    public string? ConnLog { get; set; }

    /// <summary>Prometheus endpoint "address:port" (loopback unless an address is given); null for none.</summary>
    public string? Metrics { get; set; }

    /// <summary>Seconds between two stats lines in the log; 0 for none.</summary>
    public double StatsInterval { get; set; } = 60;

    /// <summary>Tracker shard threads. One is enough for a mirror port on a small machine; more for 10 GbE.</summary>
    public int Shards { get; set; } = 1;

    /// <summary>Hard cap on tracked attempts.</summary>
    public int MaxEntries { get; set; } = 1_000_000;

    /// <summary>Most packets posted to the tracker and not yet tracked before new ones are dropped (and counted).</summary>
    public int MaxPacketsInFlight { get; set; } = 1 << 20;

    /// <summary>observer.hostname in documents (default: this host's name).</summary>
    public string? SensorName { get; set; }

    /// <summary>Destinations listed in the metrics endpoint's per-destination embryonic gauge.</summary>
    public int TopDestinations { get; set; } = 10;

    /// <summary>Seconds the sensor may take to drain and flush at a stop before the host gives up on it.</summary>
    public double ShutdownTimeout { get; set; } = 30;

    public SensorHealthSettings Health { get; set; } = new();

    public SensorEsSettings Elasticsearch { get; set; } = new();

    /// <summary>Everything wrong with the settings, worded for the operator; empty when they are usable.</summary>
    public List<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Interface)) problems.Add("no capture interface: give --interface IF (or Sensor:Interface in appsettings.json, or IDSHALFOPEN__Sensor__Interface)");
        if (SnapLength is < 64 or > 262144) problems.Add($"snap length {SnapLength} is outside 64..262144");
        if (BlockTimeoutMs is < 1 or > 100) problems.Add($"block timeout {BlockTimeoutMs} ms is outside 1..100");
        if (BufferMiB is < 1 or > 4096) problems.Add($"capture buffer {BufferMiB} MiB is outside 1..4096");
        if (Shards is < 1 or > 256) problems.Add($"shards {Shards} is outside 1..256");
        if (MaxEntries < 1) problems.Add("max entries must be positive");
        if (MaxPacketsInFlight < 1024) problems.Add("max packets in flight must be at least 1024");
        if (StatsInterval < 0 || double.IsNaN(StatsInterval)) problems.Add("stats interval must not be negative");
        if (ShutdownTimeout <= 0 || double.IsNaN(ShutdownTimeout)) problems.Add("shutdown timeout must be positive");
        if (TopDestinations is < 0 or > 1000) problems.Add("top destinations must be within 0..1000");
        if (Metrics is not null && !TryParseEndpoint(Metrics, out _)) problems.Add($"metrics endpoint '{Metrics}' is not ADDRESS:PORT or PORT (e.g. 127.0.0.1:9108)");
        if (Rules is not null && !File.Exists(Rules) && !Directory.Exists(Rules)) problems.Add($"rules '{Rules}' is neither a file nor a folder");
        problems.AddRange(Health.Validate());
        return problems;
    }

    /// <summary>"127.0.0.1:9108", "[::1]:9108", "0.0.0.0:9108" or "9108" (loopback).</summary>
    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port))
        {
            if (port is < 1 or > 65535) return false;
            endpoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }

        // A bare address would parse with port 0: the port is required.
        if (!text.Contains(':', StringComparison.Ordinal) || !IPEndPoint.TryParse(text, out var parsed) || parsed.Port is < 1 or > 65535) return false;
        endpoint = parsed;
        return true;
    }
}

/// <summary>When the sensor reports on itself (sensor-health events, never attacks).</summary>
internal sealed class SensorHealthSettings
{
    /// <summary>Seconds of wall time each check looks back over.</summary>
    public double Window { get; set; } = 30;

    /// <summary>Capture drops (kernel + interface + our own stages) as a share of what arrived, over the window.</summary>
    public double DropRatio { get; set; } = 0.001;

    /// <summary>And at least this many drops in the window (a lone drop on a quiet link is no event).</summary>
    public long MinDrops { get; set; } = 100;

    /// <summary>SYNs and SYN-ACKs each needed in the window before "never paired" means anything.</summary>
    public long OneWayMinPackets { get; set; } = 50;

    public IEnumerable<string> Validate()
    {
        if (Window is < 1 or > 3600 || double.IsNaN(Window)) yield return "health window must be within 1..3600 seconds";
        if (DropRatio is <= 0 or > 1 || double.IsNaN(DropRatio)) yield return "health drop ratio must be within (0, 1]";
        if (MinDrops < 1) yield return "health minimum drops must be positive";
        if (OneWayMinPackets < 1) yield return "health one-way minimum packets must be positive";
    }
}

/// <summary>Elasticsearch output of the sensor; the URL and credentials also come from the IDS_ES_* variables.</summary>
internal sealed class SensorEsSettings
{
    public string? Url { get; set; }

    public string? Namespace { get; set; }

    /// <summary>Install the lifecycle policy and templates before the first document is sent.</summary>
    public bool Setup { get; set; } = true;

    /// <summary>Also ship connection records.</summary>
    public bool Connections { get; set; }

    /// <summary>Spool and dead-letter folder (default: a per-user folder under the temp directory).</summary>
    public string? Spool { get; set; }

    /// <summary>Seconds to wait for delivery at a stop; what is left stays in the spool for the next start.</summary>
    public double StopTimeout { get; set; } = 10;
}
