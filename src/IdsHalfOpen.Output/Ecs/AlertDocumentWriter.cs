using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdsHalfOpen.Detection;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Writes an <see cref="AlertEvent"/> as one ECS alert document: the same bytes go to the JSON-lines file and to
/// Elasticsearch. Field order is fixed and nothing comes from the wall clock, so replaying a capture twice yields
/// identical documents (and identical ids, which Elasticsearch's <c>create</c> turns into "already delivered").
/// </summary>
public sealed class AlertDocumentWriter : IDocumentWriter<AlertEvent>
{
    public const string Dataset = "idshalfopen.alert";

    /// <summary>Base64url (no padding) of a 160-bit digest.</summary>
    public const int DocumentIdLength = 27;

    private const int StackTopSources = 64;
    private const int MaxStackAttackIdBytes = 512;

    private readonly ObserverBlock _observer;

    public AlertDocumentWriter(SensorInfo sensor)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        Sensor = sensor;
        _observer = new ObserverBlock(sensor);
    }

    public SensorInfo Sensor { get; }

    /// <summary>
    /// The deterministic Elasticsearch <c>_id</c> (also <c>event.id</c>): 27 URL-safe characters. It hashes the attack
    /// id and sequence, which name the event, together with kind, phase and the packet times, so that an attack id
    /// reused by another capture or run (e.g. a per-run counter) can never make a different alert look delivered.
    /// </summary>
    public static string DocumentId(AlertEvent alert)
    {
        Span<byte> id = stackalloc byte[DocumentIdLength];
        TryFormatDocumentId(alert, id, out int n);
        return Encoding.ASCII.GetString(id[..n]);
    }

    /// <summary>Allocation-free form of <see cref="DocumentId"/> for bulk action lines.</summary>
    public static bool TryFormatDocumentId(AlertEvent alert, Span<byte> utf8Destination, out int bytesWritten)
    {
        ArgumentNullException.ThrowIfNull(alert);
        bytesWritten = 0;
        if (utf8Destination.Length < DocumentIdLength) return false;

        const int fixedPart = 1 + 1 + 1 + 4 + 8 + 8;
        int idBytes = Encoding.UTF8.GetByteCount(alert.AttackId);
        byte[]? rented = null;
        Span<byte> input = idBytes <= MaxStackAttackIdBytes
            ? stackalloc byte[MaxStackAttackIdBytes + fixedPart]
            : (rented = ArrayPool<byte>.Shared.Rent(idBytes + fixedPart));
        try
        {
            int offset = Encoding.UTF8.GetBytes(alert.AttackId, input);
            input[offset++] = 0; // separator: the attack id's text cannot run into the binary fields
            input[offset++] = (byte)alert.Kind;
            input[offset++] = (byte)alert.Phase;
            BinaryPrimitives.WriteInt32BigEndian(input[offset..], alert.Sequence);
            offset += 4;
            BinaryPrimitives.WriteInt64BigEndian(input[offset..], alert.TimestampNs);
            offset += 8;
            BinaryPrimitives.WriteInt64BigEndian(input[offset..], alert.StartNs);
            offset += 8;

            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(input[..offset], digest);
            Base64Url.EncodeToUtf8(digest[..20], utf8Destination, out _, out bytesWritten);
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Write(Utf8JsonWriter writer, AlertEvent value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        var alert = value;

        writer.WriteStartObject();
        writer.WriteTimestamp("@timestamp"u8, alert.TimestampNs);
        WriteEvent(writer, alert);
        _observer.Write(writer);

        if (alert.SourceIp is { } source)
        {
            writer.WriteStartObject("source"u8);
            writer.WriteIp("ip"u8, source);
            writer.WriteEndObject();
        }

        if (alert.DestinationIp is not null || alert.DestinationPort is not null)
        {
            writer.WriteStartObject("destination"u8);
            if (alert.DestinationIp is { } destination) writer.WriteIp("ip"u8, destination);
            if (alert.DestinationPort is { } port) writer.WriteNumber("port"u8, port);
            writer.WriteEndObject();
        }

        WriteNetwork(writer, alert);
        WriteRule(writer, alert);
        WriteThreat(writer, alert.Kind);
        WriteRelated(writer, alert);
        WriteMessage(writer, alert);
        WriteProductFields(writer, alert);
        writer.WriteEndObject();
    }

    private static void WriteEvent(Utf8JsonWriter writer, AlertEvent alert)
    {
        writer.WriteStartObject("event"u8);
        writer.WriteString("kind"u8, "alert"u8);
        writer.WriteStartArray("category"u8);
        writer.WriteStringValue("network"u8);
        writer.WriteStringValue("intrusion_detection"u8);
        writer.WriteEndArray();
        writer.WriteStartArray("type"u8);
        writer.WriteStringValue("info"u8);
        writer.WriteEndArray();
        writer.WriteString("action"u8, alert.Kind.Name());

        Span<byte> id = stackalloc byte[DocumentIdLength];
        TryFormatDocumentId(alert, id, out int idLength);
        writer.WriteString("id"u8, id[..idLength]);

        writer.WriteTimestamp("start"u8, alert.StartNs);
        if (alert.EndNs is { } end) writer.WriteTimestamp("end"u8, end);
        // Duration so far for start/update, total for end; ECS wants nanoseconds.
        writer.WriteNumber("duration"u8, Math.Max(0, (alert.EndNs ?? alert.TimestampNs) - alert.StartNs));
        writer.WriteNumber("severity"u8, (int)(alert.Severity == 0 ? alert.Rule.Severity : alert.Severity));
        writer.WriteString("dataset"u8, Dataset);
        writer.WriteString("module"u8, EcsJson.ModuleName);
        writer.WriteEndObject();
    }

    private static void WriteNetwork(Utf8JsonWriter writer, AlertEvent alert)
    {
        writer.WriteStartObject("network"u8);
        writer.WriteString("transport"u8, "tcp"u8);
        if (NetworkTypeOf(alert) is { } family) writer.WriteString("type"u8, family == 4 ? "ipv4"u8 : "ipv6"u8);
        writer.WriteString("iana_number"u8, "6"u8);
        // network.community_id needs a full 5-tuple; AlertEvent carries no source port, so alerts (aggregates by
        // nature) never have one. Connection documents carry it.
        writer.WriteEndObject();
    }

    /// <summary>4 or 6 when every address in the alert has that family; null when unknown or mixed.</summary>
    private static int? NetworkTypeOf(AlertEvent alert)
    {
        int family = 0;
        if (alert.SourceIp is { } s && !Merge(ref family, s)) return null;
        if (alert.DestinationIp is { } d && !Merge(ref family, d)) return null;
        var top = alert.TopSources;
        for (int i = 0; i < top.Count; i++)
        {
            if (!Merge(ref family, top[i].Key)) return null;
        }

        return family == 0 ? null : family;

        static bool Merge(ref int family, UInt128 address)
        {
            int f = IpText.IsIPv4Mapped(address) ? 4 : 6;
            if (family != 0 && family != f) return false;
            family = f;
            return true;
        }
    }

    private static void WriteRule(Utf8JsonWriter writer, AlertEvent alert)
    {
        var rule = alert.Rule;
        writer.WriteStartObject("rule"u8);
        writer.WriteString("id"u8, rule.Id);
        writer.WriteString("name"u8, rule.Name);
        Span<byte> version = stackalloc byte[11];
        rule.Revision.TryFormat(version, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteString("version"u8, version[..n]); // ECS rule.version is a keyword
        writer.WriteString("ruleset"u8, rule.Ruleset);
        writer.WriteString("category"u8, RuleCategory(alert.Kind));
        writer.WriteEndObject();
    }

    /// <summary>rule.category, worded like Suricata's classtypes so analysts recognise them.</summary>
    internal static string RuleCategory(AlertKind kind) => kind switch
    {
        AlertKind.SynFlood or AlertKind.EmbryonicSource or AlertKind.GlobalEmbryonic => "Attempted Denial of Service",
        AlertKind.Backscatter => "Attempted Denial of Service",
        AlertKind.PortScan => "Detection of a Network Scan",
        AlertKind.HealthMonitor => "Not Suspicious Traffic",
        AlertKind.HandshakeAnomaly => "Potentially Bad Traffic",
        AlertKind.SensorHealth => "Sensor Health",
        _ => "Unknown",
    };

    /// <summary>
    /// MITRE ATT&amp;CK mapping. SYN floods and embryonic exhaustion are T1499.001 (OS Exhaustion Flood, named for SYN
    /// floods). Backscatter is the echo of such a flood against a third party that spoofs our addresses, so it carries
    /// the same technique. Half-open scans are T1046. Health monitors, handshake anomalies and sensor health name no
    /// adversary technique and get no threat fields.
    /// </summary>
    private static void WriteThreat(Utf8JsonWriter writer, AlertKind kind)
    {
        switch (kind)
        {
            case AlertKind.SynFlood or AlertKind.EmbryonicSource or AlertKind.GlobalEmbryonic or AlertKind.Backscatter:
                writer.WriteStartObject("threat"u8);
                writer.WriteString("framework"u8, "MITRE ATT&CK"u8);
                WriteReference(writer, "tactic"u8, "TA0040"u8, "Impact"u8, "https://attack.mitre.org/tactics/TA0040/"u8, close: true);
                WriteReference(writer, "technique"u8, "T1499"u8, "Endpoint Denial of Service"u8, "https://attack.mitre.org/techniques/T1499/"u8, close: false);
                WriteReference(writer, "subtechnique"u8, "T1499.001"u8, "OS Exhaustion Flood"u8, "https://attack.mitre.org/techniques/T1499/001/"u8, close: true);
                writer.WriteEndObject(); // technique
                writer.WriteEndObject(); // threat
                break;
            case AlertKind.PortScan:
                writer.WriteStartObject("threat"u8);
                writer.WriteString("framework"u8, "MITRE ATT&CK"u8);
                WriteReference(writer, "tactic"u8, "TA0007"u8, "Discovery"u8, "https://attack.mitre.org/tactics/TA0007/"u8, close: true);
                WriteReference(writer, "technique"u8, "T1046"u8, "Network Service Discovery"u8, "https://attack.mitre.org/techniques/T1046/"u8, close: true);
                writer.WriteEndObject();
                break;
        }

        static void WriteReference(Utf8JsonWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> id, ReadOnlySpan<byte> title, ReadOnlySpan<byte> url, bool close)
        {
            writer.WriteStartObject(name);
            writer.WriteString("id"u8, id);
            writer.WriteString("name"u8, title);
            writer.WriteString("reference"u8, url);
            if (close) writer.WriteEndObject();
        }
    }

    private static void WriteRelated(Utf8JsonWriter writer, AlertEvent alert)
    {
        var top = alert.TopSources;
        int capacity = 2 + top.Count;
        UInt128[]? rented = null;
        Span<UInt128> seen = capacity <= StackTopSources + 2
            ? stackalloc UInt128[StackTopSources + 2]
            : (rented = ArrayPool<UInt128>.Shared.Rent(capacity));
        try
        {
            int count = 0;
            if (alert.SourceIp is { } s) Add(seen, ref count, s);
            if (alert.DestinationIp is { } d) Add(seen, ref count, d);
            for (int i = 0; i < top.Count; i++) Add(seen, ref count, top[i].Key);
            if (count == 0) return;

            writer.WriteStartObject("related"u8);
            writer.WriteStartArray("ip"u8);
            for (int i = 0; i < count; i++) writer.WriteIpValue(seen[i]);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        finally
        {
            if (rented is not null) ArrayPool<UInt128>.Shared.Return(rented);
        }

        // Quadratic, but the list is a top-N of a few dozen at most; first appearance keeps its place.
        static void Add(Span<UInt128> seen, ref int count, UInt128 address)
        {
            if (seen[..count].Contains(address)) return;
            seen[count++] = address;
        }
    }

    private static void WriteMessage(Utf8JsonWriter writer, AlertEvent alert)
    {
        if (alert.Message is { } message)
        {
            writer.WriteString("message"u8, message);
            return;
        }

        // A readable line for Discover even when detection supplied none, composed on the stack. Plain appends rather
        // than an interpolated string: the generic handler boxes structs until the JIT's optimising tier kicks in.
        var text = new LineBuilder(stackalloc char[512]);
        text.Append(alert.Rule.Name);
        text.Append(": ");
        text.Append(alert.Kind.Name());
        text.Append(" ");
        text.Append(alert.Phase.Name());
        if (alert.DestinationIp is { } destination)
        {
            text.Append(" against ");
            text.AppendIp(destination);
            if (alert.DestinationPort is { } port)
            {
                text.Append(" port ");
                text.AppendNumber(port);
            }
        }
        else if (alert.SourceIp is { } source)
        {
            text.Append(" from ");
            text.AppendIp(source);
        }

        if (text.Overflowed) writer.WriteString("message"u8, alert.Rule.Name);
        else writer.WriteString("message"u8, text.Written);
    }

    /// <summary>Appends into a fixed span; past its end it only records the overflow.</summary>
    private ref struct LineBuilder(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;
        private int _length;

        public bool Overflowed { get; private set; }

        public readonly ReadOnlySpan<char> Written => _buffer[.._length];

        public void Append(string value)
        {
            if (Overflowed || !value.TryCopyTo(_buffer[_length..])) Overflowed = true;
            else _length += value.Length;
        }

        public void AppendIp(UInt128 address)
        {
            if (Overflowed || !IpText.TryFormat(address, _buffer[_length..], out int n)) Overflowed = true;
            else _length += n;
        }

        public void AppendNumber(int value)
        {
            if (Overflowed || !value.TryFormat(_buffer[_length..], out int n, default, System.Globalization.CultureInfo.InvariantCulture)) Overflowed = true;
            else _length += n;
        }
    }

    private static void WriteProductFields(Utf8JsonWriter writer, AlertEvent alert)
    {
        writer.WriteStartObject("idshalfopen"u8);
        writer.WriteString("phase"u8, alert.Phase.Name());
        writer.WriteString("attack_id"u8, alert.AttackId);
        writer.WriteNumber("sequence"u8, alert.Sequence);
        writer.WriteNumber("embryonic"u8, alert.Embryonic);
        writer.WriteNumber("embryonic_peak"u8, alert.EmbryonicPeak);
        writer.WriteFiniteNumber("syn_rate_peak"u8, alert.SynRatePeak);
        writer.WriteFiniteNumber("syn_rate_avg"u8, alert.SynRateAverage);
        if (alert.CompletionRatio is { } ratio) writer.WriteFiniteNumber("completion_ratio"u8, ratio);
        writer.WriteNumber("distinct_sources"u8, alert.DistinctSources);
        writer.WriteBoolean("distinct_sources_estimated"u8, alert.DistinctSourcesEstimated);
        writer.WriteNumber("count"u8, alert.Count);

        var sources = alert.TopSources;
        writer.WriteStartArray("top_sources"u8);
        for (int i = 0; i < sources.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteIp("ip"u8, sources[i].Key);
            writer.WriteNumber("count"u8, sources[i].Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        var ports = alert.TopDestinationPorts;
        writer.WriteStartArray("top_destination_ports"u8);
        for (int i = 0; i < ports.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("port"u8, ports[i].Key);
            writer.WriteNumber("count"u8, ports[i].Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        if (alert.Spoofing is { } spoofing)
        {
            writer.WriteStartObject("spoofing"u8);
            writer.WriteFiniteNumber("answered_share"u8, spoofing.AnsweredShare);
            writer.WriteNumber("ttl_min"u8, spoofing.TtlMin);
            writer.WriteNumber("ttl_max"u8, spoofing.TtlMax);
            writer.WriteNumber("ttl_distinct"u8, spoofing.TtlDistinct);
            writer.WriteEndObject();
        }

        writer.WriteBoolean("degraded"u8, alert.Degraded);
        writer.WriteNumber("evictions"u8, alert.Evictions);
        if (alert.EndReason is { } reason) writer.WriteString("end_reason"u8, reason);
        writer.WriteEndObject();
    }
}
