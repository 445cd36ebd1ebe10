using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>What <c>GET /</c> says about the cluster.</summary>
/// <param name="Name">The node that answered.</param>
/// <param name="ClusterName">cluster_name.</param>
/// <param name="ClusterUuid">cluster_uuid.</param>
/// <param name="Version">version.number, e.g. "8.15.0".</param>
/// <param name="BuildFlavor">version.build_flavor ("default"; "serverless" on Elastic Cloud Serverless).</param>
/// <param name="Tagline">"You Know, for Search".</param>
public sealed record EsClusterInfo(string Name, string ClusterName, string ClusterUuid, string Version, string BuildFlavor, string Tagline)
{
    /// <summary>Major and minor of <see cref="Version"/>; (0, 0) when it cannot be read.</summary>
    public (int Major, int Minor) VersionNumber
    {
        get
        {
            var parts = Version.Split('.', '-');
            return parts.Length >= 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int major)
                && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int minor)
                ? (major, minor)
                : (0, 0);
        }
    }

    /// <summary>
    /// <c>_bulk?require_data_stream</c> exists from 8.13; older versions reject the unknown parameter. An unreadable
    /// version is taken as new, and serverless (whose version number is nominal) is current.
    /// </summary>
    public bool SupportsRequireDataStream => IsServerless || (VersionNumber is var (major, minor) && (major == 0 || major > 8 || (major == 8 && minor >= 13)));

    /// <summary>Elastic Cloud Serverless: always current, but without index lifecycle management.</summary>
    public bool IsServerless => BuildFlavor == "serverless";
}

internal sealed class EsInfoBody
{
    public string? Name { get; set; }

    public string? ClusterName { get; set; }

    public string? ClusterUuid { get; set; }

    public EsVersionBody? Version { get; set; }

    public string? Tagline { get; set; }
}

internal sealed class EsVersionBody
{
    public string? Number { get; set; }

    public string? BuildFlavor { get; set; }
}

internal sealed class EsAcknowledgedBody
{
    public bool Acknowledged { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EsInfoBody))]
[JsonSerializable(typeof(EsAcknowledgedBody))]
internal sealed partial class EsJsonContext : JsonSerializerContext;

/// <summary>Reads Elasticsearch's error bodies, whose shape varies: an object with type/reason, or a bare string.</summary>
internal static class EsErrorBody
{
    /// <summary>error.type and error.reason (caused_by's reason appended when it says more); nulls when absent.</summary>
    public static (string? Type, string? Reason) Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return (null, null);
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error)) return (null, null);
            if (error.ValueKind == JsonValueKind.String) return (null, error.GetString());
            if (error.ValueKind != JsonValueKind.Object) return (null, null);
            string? type = Text(error, "type");
            string? reason = Text(error, "reason");
            if (error.TryGetProperty("caused_by", out var cause) && cause.ValueKind == JsonValueKind.Object && Text(cause, "reason") is { } inner && inner != reason)
            {
                reason = reason is null ? inner : $"{reason} (caused by {Text(cause, "type")}: {inner})";
            }

            return (type, reason);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
