using System.Text.Encodings.Web;
using System.Text.Json;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>Shared JSON settings and field helpers for the ECS document writers.</summary>
public static class EcsJson
{
    /// <summary>
    /// The encoder for documents: relaxed, because these lines go to files and Elasticsearch, never into HTML, and
    /// "MITRE ATT&amp;CK" should read as such rather than as ATT\u0026CK. Quotes, backslashes and controls are still escaped.
    /// </summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Options for a <see cref="Utf8JsonWriter"/> that writes documents: compact, validated, relaxed encoder.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Indented = false, Encoder = Encoder, SkipValidation = false };

    public const string ModuleName = "idshalfopen";

    internal static void WriteTimestamp(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, long unixNanoseconds)
    {
        Span<byte> text = stackalloc byte[Rfc3339.Length];
        Rfc3339.TryFormatUtf8(unixNanoseconds, text, out int n);
        writer.WriteString(name, text[..n]);
    }

    internal static void WriteIp(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, UInt128 address)
    {
        Span<byte> text = stackalloc byte[IpText.MaxLength];
        int n = IpText.Format(address, text);
        writer.WriteString(name, text[..n]);
    }

    internal static void WriteIpValue(this Utf8JsonWriter writer, UInt128 address)
    {
        Span<byte> text = stackalloc byte[IpText.MaxLength];
        int n = IpText.Format(address, text);
        writer.WriteStringValue(text[..n]);
    }

    /// <summary>JSON has no NaN or infinity (the writer would throw): such a figure is left out rather than faked.</summary>
    internal static void WriteFiniteNumber(this Utf8JsonWriter writer, ReadOnlySpan<byte> name, double value)
    {
        if (double.IsFinite(value)) writer.WriteNumber(name, value);
    }

    internal static ReadOnlySpan<byte> NetworkType(UInt128 address) => IpText.IsIPv4Mapped(address) ? "ipv4"u8 : "ipv6"u8;
}

/// <summary>The observer object, encoded once per writer so each document only copies bytes.</summary>
internal sealed class ObserverBlock(SensorInfo sensor)
{
    private readonly JsonEncodedText _vendor = JsonEncodedText.Encode(sensor.Vendor, EcsJson.Encoder);
    private readonly JsonEncodedText _version = JsonEncodedText.Encode(sensor.Version, EcsJson.Encoder);
    private readonly JsonEncodedText _hostname = JsonEncodedText.Encode(sensor.Hostname, EcsJson.Encoder);
    private readonly JsonEncodedText? _interface = sensor.InterfaceName is null ? null : JsonEncodedText.Encode(sensor.InterfaceName, EcsJson.Encoder);

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("observer"u8);
        writer.WriteString("type"u8, "ids"u8);
        writer.WriteString("product"u8, "IdsHalfOpen"u8);
        writer.WriteString("vendor"u8, _vendor);
        writer.WriteString("version"u8, _version);
        writer.WriteString("hostname"u8, _hostname);
        if (_interface is { } name)
        {
            writer.WriteStartObject("ingress"u8);
            writer.WriteStartObject("interface"u8);
            writer.WriteString("name"u8, name);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
