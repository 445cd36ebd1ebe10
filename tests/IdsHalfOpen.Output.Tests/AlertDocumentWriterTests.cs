using System.Text;
using System.Text.Json;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests;

public class AlertDocumentWriterTests
{
    private readonly AlertDocumentWriter _writer = new(Sensor);

    [Fact]
    public void Write_UpdateAlert_HasEveryEcsFieldWithTheRightType()
    {
        var alert = FloodAlert();
        using var doc = JsonDocument.Parse(WriteDocument(_writer, alert));
        var root = doc.RootElement;

        Assert.Equal("2024-05-01T12:00:30.123456789Z", root.Path("@timestamp").GetString());
        Assert.Equal("alert", root.Path("event.kind").GetString());
        Assert.Equal(new[] { "network", "intrusion_detection" }, root.Path("event.category").Strings());
        Assert.Equal(new[] { "info" }, root.Path("event.type").Strings());
        Assert.Equal("syn-flood", root.Path("event.action").GetString());
        Assert.Equal(AlertDocumentWriter.DocumentId(alert), root.Path("event.id").GetString());
        Assert.Equal("2024-05-01T12:00:00.123456789Z", root.Path("event.start").GetString());
        Assert.False(root.Has("event.end"));
        Assert.Equal(JsonValueKind.Number, root.Path("event.duration").ValueKind);
        Assert.Equal(30_000_000_000L, root.Path("event.duration").GetInt64());
        Assert.Equal(JsonValueKind.Number, root.Path("event.severity").ValueKind);
        Assert.Equal(5, root.Path("event.severity").GetInt32());
        Assert.Equal("idshalfopen.alert", root.Path("event.dataset").GetString());
        Assert.Equal("idshalfopen", root.Path("event.module").GetString());

        Assert.Equal("ids", root.Path("observer.type").GetString());
        Assert.Equal("IdsHalfOpen", root.Path("observer.product").GetString());
        Assert.Equal("ACME", root.Path("observer.vendor").GetString());
        Assert.Equal("1.2.3", root.Path("observer.version").GetString());
        Assert.Equal("sensor-1", root.Path("observer.hostname").GetString());
        Assert.Equal("eth0", root.Path("observer.ingress.interface.name").GetString());

        Assert.False(root.Has("source"));
        Assert.Equal(JsonValueKind.String, root.Path("destination.ip").ValueKind);
        Assert.Equal("10.0.0.5", root.Path("destination.ip").GetString());
        Assert.Equal(JsonValueKind.Number, root.Path("destination.port").ValueKind);
        Assert.Equal(80, root.Path("destination.port").GetInt32());

        Assert.Equal("tcp", root.Path("network.transport").GetString());
        Assert.Equal("ipv4", root.Path("network.type").GetString());
        Assert.Equal("6", root.Path("network.iana_number").GetString());
        Assert.False(root.Has("network.community_id"));

        Assert.Equal("syn-flood-victim", root.Path("rule.id").GetString());
        Assert.Equal("SYN flood against a host", root.Path("rule.name").GetString());
        Assert.Equal("3", root.Path("rule.version").GetString());
        Assert.Equal("default", root.Path("rule.ruleset").GetString());
        Assert.Equal("Attempted Denial of Service", root.Path("rule.category").GetString());

        Assert.Equal("MITRE ATT&CK", root.Path("threat.framework").GetString());
        Assert.Equal("TA0040", root.Path("threat.tactic.id").GetString());
        Assert.Equal("Impact", root.Path("threat.tactic.name").GetString());
        Assert.Equal("T1499", root.Path("threat.technique.id").GetString());
        Assert.Equal("Endpoint Denial of Service", root.Path("threat.technique.name").GetString());
        Assert.Equal("T1499.001", root.Path("threat.technique.subtechnique.id").GetString());
        Assert.Equal("OS Exhaustion Flood", root.Path("threat.technique.subtechnique.name").GetString());
        Assert.StartsWith("https://attack.mitre.org/", root.Path("threat.technique.subtechnique.reference").GetString(), StringComparison.Ordinal);

        // Destination first, then top sources in order, the victim (also a top "source") only once.
        Assert.Equal(new[] { "10.0.0.5", "192.0.2.1", "198.51.100.7" }, root.Path("related.ip").Strings());
        Assert.Equal("SYN flood against 10.0.0.5:80", root.Path("message").GetString());

        var p = root.Path("idshalfopen");
        Assert.Equal("update", p.Path("phase").GetString());
        Assert.Equal(alert.AttackId, p.Path("attack_id").GetString());
        Assert.Equal(2, p.Path("sequence").GetInt32());
        Assert.Equal(1234, p.Path("embryonic").GetInt64());
        Assert.Equal(2048, p.Path("embryonic_peak").GetInt64());
        Assert.Equal(15000.5, p.Path("syn_rate_peak").GetDouble());
        Assert.Equal(9000.25, p.Path("syn_rate_avg").GetDouble());
        Assert.Equal(0.015, p.Path("completion_ratio").GetDouble());
        Assert.Equal(65000, p.Path("distinct_sources").GetInt64());
        Assert.True(p.Path("distinct_sources_estimated").GetBoolean());
        Assert.Equal(7, p.Path("count").GetInt64());
        var top = p.Path("top_sources").EnumerateArray().ToArray();
        Assert.Equal(3, top.Length);
        Assert.Equal("192.0.2.1", top[0].Path("ip").GetString());
        Assert.Equal(500, top[0].Path("count").GetInt64());
        var ports = p.Path("top_destination_ports").EnumerateArray().ToArray();
        Assert.Equal(2, ports.Length);
        Assert.Equal(JsonValueKind.Number, ports[1].Path("port").ValueKind);
        Assert.Equal(443, ports[1].Path("port").GetInt32());
        Assert.Equal(12, ports[1].Path("count").GetInt64());
        Assert.Equal(0.01, p.Path("spoofing.answered_share").GetDouble());
        Assert.Equal(30, p.Path("spoofing.ttl_min").GetInt32());
        Assert.Equal(250, p.Path("spoofing.ttl_max").GetInt32());
        Assert.Equal(200, p.Path("spoofing.ttl_distinct").GetInt32());
        Assert.True(p.Path("degraded").GetBoolean());
        Assert.Equal(4096, p.Path("evictions").GetInt64());
        Assert.False(p.Has("end_reason"));
    }

    [Fact]
    public void Write_EndAlert_HasEndTotalDurationAndEndReason()
    {
        using var doc = JsonDocument.Parse(WriteDocument(_writer, FloodAlert(AlertPhase.End, 9)));
        var root = doc.RootElement;
        Assert.Equal("2024-05-01T12:00:45.623456790Z", root.Path("event.end").GetString());
        Assert.Equal(45_500_000_001L, root.Path("event.duration").GetInt64());
        Assert.Equal("end", root.Path("idshalfopen.phase").GetString());
        Assert.Equal("quiet", root.Path("idshalfopen.end_reason").GetString());
    }

    [Fact]
    public void Write_SingleSourceIPv6Alert_HasSourceIpAndIPv6Type()
    {
        var alert = FloodAlert() with
        {
            Kind = AlertKind.EmbryonicSource,
            SourceIp = Ip("2001:db8::7"),
            DestinationIp = Ip("2001:db8::1"),
            DestinationPort = null,
            TopSources = [],
            Message = null,
        };
        using var doc = JsonDocument.Parse(WriteDocument(_writer, alert));
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.String, root.Path("source.ip").ValueKind);
        Assert.Equal("2001:db8::7", root.Path("source.ip").GetString());
        Assert.Equal("2001:db8::1", root.Path("destination.ip").GetString());
        Assert.False(root.Has("destination.port"));
        Assert.Equal("ipv6", root.Path("network.type").GetString());
        Assert.Equal(new[] { "2001:db8::7", "2001:db8::1" }, root.Path("related.ip").Strings());
        Assert.Equal("SYN flood against a host: embryonic-source update against 2001:db8::1", root.Path("message").GetString());
    }

    [Fact]
    public void Write_GlobalAlertWithoutAddresses_OmitsAddressFieldsAndNetworkType()
    {
        var alert = FloodAlert() with { Kind = AlertKind.GlobalEmbryonic, DestinationIp = null, DestinationPort = null, TopSources = [], Spoofing = null, CompletionRatio = null };
        using var doc = JsonDocument.Parse(WriteDocument(_writer, alert));
        var root = doc.RootElement;
        Assert.False(root.Has("source"));
        Assert.False(root.Has("destination"));
        Assert.False(root.Has("related"));
        Assert.False(root.Has("network.type"));
        Assert.False(root.Has("idshalfopen.spoofing"));
        Assert.False(root.Has("idshalfopen.completion_ratio"));
        Assert.Equal("T1499.001", root.Path("threat.technique.subtechnique.id").GetString());
    }

    [Fact]
    public void Write_MixedFamilies_OmitsNetworkType()
    {
        var alert = FloodAlert() with { TopSources = [new(Ip("2001:db8::9"), 3)] };
        using var doc = JsonDocument.Parse(WriteDocument(_writer, alert));
        Assert.False(doc.RootElement.Has("network.type"));
    }

    [Fact]
    public void Write_NonFiniteRates_AreOmittedAndDocumentStaysValid()
    {
        var alert = FloodAlert() with { SynRatePeak = double.NaN, SynRateAverage = double.PositiveInfinity, CompletionRatio = double.NaN };
        using var doc = JsonDocument.Parse(WriteDocument(_writer, alert));
        var p = doc.RootElement.Path("idshalfopen");
        Assert.False(p.Has("syn_rate_peak"));
        Assert.False(p.Has("syn_rate_avg"));
        Assert.False(p.Has("completion_ratio"));
        Assert.Equal(1234, p.Path("embryonic").GetInt64());
    }

    [Theory]
    [InlineData(AlertKind.SynFlood, "TA0040", "T1499", "T1499.001")]
    [InlineData(AlertKind.EmbryonicSource, "TA0040", "T1499", "T1499.001")]
    [InlineData(AlertKind.GlobalEmbryonic, "TA0040", "T1499", "T1499.001")]
    [InlineData(AlertKind.Backscatter, "TA0040", "T1499", "T1499.001")]
    [InlineData(AlertKind.PortScan, "TA0007", "T1046", null)]
    [InlineData(AlertKind.HealthMonitor, null, null, null)]
    [InlineData(AlertKind.SensorHealth, null, null, null)]
    [InlineData(AlertKind.HandshakeAnomaly, null, null, null)]
    public void Write_EachKind_MapsToMitreAsDocumented(AlertKind kind, string? tactic, string? technique, string? subtechnique)
    {
        using var doc = JsonDocument.Parse(WriteDocument(_writer, FloodAlert() with { Kind = kind }));
        var root = doc.RootElement;
        Assert.Equal(kind.Name(), root.Path("event.action").GetString());
        Assert.Equal(tactic is not null, root.Has("threat"));
        if (tactic is null) return;
        Assert.Equal("MITRE ATT&CK", root.Path("threat.framework").GetString());
        Assert.Equal(tactic, root.Path("threat.tactic.id").GetString());
        Assert.Equal(technique, root.Path("threat.technique.id").GetString());
        Assert.Equal(subtechnique is not null, root.Has("threat.technique.subtechnique"));
        if (subtechnique is not null) Assert.Equal(subtechnique, root.Path("threat.technique.subtechnique.id").GetString());
    }

    [Fact]
    public void Write_SameAlertTwice_GivesIdenticalBytes()
    {
        var first = WriteDocument(_writer, FloodAlert(AlertPhase.End, 9));
        var second = WriteDocument(new AlertDocumentWriter(Sensor), FloodAlert(AlertPhase.End, 9));
        Assert.Equal(first, second);
        // Relaxed escaping: the ampersand reads as such in files and in Elasticsearch's _source.
        Assert.Contains("\"MITRE ATT&CK\"", Encoding.UTF8.GetString(first), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_FieldOrder_IsFixed()
    {
        using var doc = JsonDocument.Parse(WriteDocument(_writer, FloodAlert(AlertPhase.End, 9) with { SourceIp = Ip("192.0.2.1") }));
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "@timestamp", "event", "observer", "source", "destination", "network", "rule", "threat", "related", "message", "idshalfopen" }, names);
    }

    [Fact]
    public void DocumentId_IsUrlSafeFixedLengthAndDistinguishesEvents()
    {
        var alert = FloodAlert();
        var id = AlertDocumentWriter.DocumentId(alert);
        Assert.Equal(AlertDocumentWriter.DocumentIdLength, id.Length);
        Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not URL-safe"));
        Assert.Equal(id, AlertDocumentWriter.DocumentId(FloodAlert())); // equal content, separate instance
        var variants = new[]
        {
            alert with { Sequence = 3 },
            alert with { Phase = AlertPhase.End },
            alert with { AttackId = alert.AttackId + "x" },
            alert with { TimestampNs = alert.TimestampNs + 1 },
            alert with { StartNs = alert.StartNs - 1 },
            alert with { Kind = AlertKind.EmbryonicSource },
        };
        var ids = variants.Select(AlertDocumentWriter.DocumentId).Append(id).ToHashSet();
        Assert.Equal(variants.Length + 1, ids.Count);
    }

    [Fact]
    public void DocumentId_VeryLongAttackId_StillHashes()
    {
        var alert = FloodAlert() with { AttackId = new string('é', 5000) };
        Assert.Equal(AlertDocumentWriter.DocumentIdLength, AlertDocumentWriter.DocumentId(alert).Length);
        Assert.NotEqual(AlertDocumentWriter.DocumentId(alert), AlertDocumentWriter.DocumentId(alert with { AttackId = new string('é', 4999) }));
    }

    [Fact]
    public void Write_NoInterfaceAndAwkwardStrings_OmitsIngressAndEscapesProperly()
    {
        var writer = new AlertDocumentWriter(new SensorInfo("host \"q\"", "1.0"));
        var alert = FloodAlert() with { Message = "line1\nline2 \u00e9", Rule = FloodRule with { Name = "a\\b" } };
        var bytes = WriteDocument(writer, alert);
        Assert.DoesNotContain((byte)'\n', bytes);
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        Assert.False(root.Has("observer.ingress"));
        Assert.Equal("host \"q\"", root.Path("observer.hostname").GetString());
        Assert.Equal("line1\nline2 \u00e9", root.Path("message").GetString());
        Assert.Equal("a\\b", root.Path("rule.name").GetString());
    }
}
