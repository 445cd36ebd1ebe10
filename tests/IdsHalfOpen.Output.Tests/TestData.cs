using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.Tests;

internal static class TestData
{
    public static readonly SensorInfo Sensor = new("sensor-1", "1.2.3", "eth0", "ACME");

    /// <summary>2024-05-01T12:00:00Z plus 123456789 ns.</summary>
    public const long T0 = 1_714_564_800_123_456_789;

    public static readonly RuleInfo FloodRule = new("syn-flood-victim", 3, "SYN flood against a host", Severity.High, "default");

    /// <summary>The pipeline's address form: IPv4 as IPv4-mapped IPv6, most significant byte first.</summary>
    public static UInt128 Ip(string text)
    {
        var address = IPAddress.Parse(text);
        if (address.AddressFamily == AddressFamily.InterNetwork) address = address.MapToIPv6();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static AlertEvent FloodAlert(AlertPhase phase = AlertPhase.Update, int sequence = 2) => new()
    {
        AttackId = "syn-flood-victim/10.0.0.5:80/1714564800123456789",
        Kind = AlertKind.SynFlood,
        Phase = phase,
        Sequence = sequence,
        TimestampNs = T0 + 30_000_000_000,
        StartNs = T0,
        EndNs = phase == AlertPhase.End ? T0 + 45_500_000_001 : null,
        EndReason = phase == AlertPhase.End ? "quiet" : null,
        Rule = FloodRule,
        Severity = Severity.Critical,
        DestinationIp = Ip("10.0.0.5"),
        DestinationPort = 80,
        Embryonic = 1234,
        EmbryonicPeak = 2048,
        SynRatePeak = 15000.5,
        SynRateAverage = 9000.25,
        CompletionRatio = 0.015,
        DistinctSources = 65000,
        DistinctSourcesEstimated = true,
        Count = 7,
        TopSources = [new(Ip("192.0.2.1"), 500), new(Ip("198.51.100.7"), 300), new(Ip("10.0.0.5"), 2)],
        TopDestinationPorts = [new((ushort)80, 90000), new((ushort)443, 12)],
        Spoofing = new SpoofingProfile { AnsweredShare = 0.01, TtlMin = 30, TtlMax = 250, TtlDistinct = 200 },
        Degraded = true,
        Evictions = 4096,
        Message = "SYN flood against 10.0.0.5:80",
    };

    public static ConnectionRecord Connection(AttemptOutcome outcome) => new()
    {
        StartNs = T0,
        EndNs = T0 + 1_500_000_000,
        Client = Ip("192.0.2.10"),
        ClientPort = 51000,
        Server = Ip("10.0.0.5"),
        ServerPort = 443,
        IpVersion = 4,
        Outcome = outcome,
        EndReason = EndReason.Closed,
        History = "ShR",
        ClientIsn = 4_000_000_000,
        ServerIsn = 12345,
        SynRetransmits = 1,
        SynAckRetransmits = 2,
        Vlan = 100,
        ClientTtl = 63,
    };

    public static byte[] WriteDocument<T>(IDocumentWriter<T> documents, T value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, EcsJson.WriterOptions))
        {
            documents.Write(writer, value);
        }

        return stream.ToArray();
    }

    public static JsonElement Path(this JsonElement element, string dotted)
    {
        foreach (var part in dotted.Split('.'))
        {
            Assert.True(element.TryGetProperty(part, out element), $"missing {dotted} (at {part})");
        }

        return element;
    }

    public static bool Has(this JsonElement element, string dotted)
    {
        foreach (var part in dotted.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return false;
        }

        return true;
    }

    public static string[] Strings(this JsonElement array)
    {
        Assert.Equal(JsonValueKind.Array, array.ValueKind);
        var result = new string[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            Assert.Equal(JsonValueKind.String, item.ValueKind);
            result[i++] = item.GetString()!;
        }

        return result;
    }
}
