using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>A per-item failure the fake reports: status, error.type, error.reason and an optional caused_by.</summary>
internal sealed record FakeItemError(int Status, string Type, string Reason, string? CauseType = null, string? CauseReason = null);

/// <summary>
/// The merged mapping of one index, flattened to dotted paths, and the typed validation Elasticsearch applies when a
/// document is indexed: the subset of field types our templates use, with Elasticsearch's wording of the failures.
/// </summary>
internal sealed partial class FakeMapping
{
    public Dictionary<string, (string Type, string? Value)> Fields { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Objects { get; } = new(StringComparer.Ordinal) { "" };

    /// <summary>dynamic per object path ("" = root): "true", "false" or "strict".</summary>
    public Dictionary<string, string> Dynamic { get; } = new(StringComparer.Ordinal);

    public bool IgnoreMalformed { get; set; }

    /// <summary>Adds a <c>mappings</c> object; later calls override earlier definitions of the same path.</summary>
    public void Merge(JsonElement mappings)
    {
        if (mappings.ValueKind != JsonValueKind.Object) return;
        if (mappings.TryGetProperty("dynamic", out var d)) Dynamic[""] = DynamicText(d);
        if (mappings.TryGetProperty("properties", out var properties)) Flatten(properties, "");
    }

    private void Flatten(JsonElement properties, string prefix)
    {
        foreach (var property in properties.EnumerateObject())
        {
            string path = prefix + property.Name;
            var spec = property.Value;
            string? type = spec.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (spec.TryGetProperty("properties", out var children) || type is "object" or "nested")
            {
                Objects.Add(path);
                if (spec.TryGetProperty("dynamic", out var dyn)) Dynamic[path] = DynamicText(dyn);
                if (children.ValueKind == JsonValueKind.Object) Flatten(children, path + ".");
            }
            else
            {
                Fields[path] = (type ?? "object", spec.TryGetProperty("value", out var v) ? v.GetString() : null);
            }
        }
    }

    private static string DynamicText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => value.GetString() ?? "true",
    };

    /// <summary>
    /// Validates a source line; null when Elasticsearch would index it. <paramref name="constants"/> holds the values
    /// constant_keyword fields without a mapped value took from the index's first document; <paramref name="unmapped"/>
    /// collects fields no mapping covers.
    /// </summary>
    public FakeItemError? Validate(byte[] source, string id, bool dataStream, Dictionary<string, string> constants, HashSet<string> unmapped)
    {
        var pendingConstants = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawTimestamp = false;
        try
        {
            var reader = new Utf8JsonReader(source);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new FakeItemError(400, "document_parsing_exception", $"[1:{Column(reader)}] failed to parse: the document must be an object");
            }

            var error = ValidateObject(ref reader, "", id, constants, pendingConstants, unmapped, ref sawTimestamp);
            if (error is not null) return error;
            if (reader.Read()) return new FakeItemError(400, "document_parsing_exception", $"[1:{Column(reader)}] failed to parse: content after the document");
        }
        catch (JsonException e)
        {
            return new FakeItemError(400, "document_parsing_exception", $"[1:{(e.BytePositionInLine ?? 0) + 1}] failed to parse: {e.Message}", "json_parse_exception", e.Message);
        }

        if (dataStream && !sawTimestamp)
        {
            return new FakeItemError(400, "document_parsing_exception", "data stream timestamp field [@timestamp] is missing");
        }

        foreach (var (k, v) in pendingConstants) constants.TryAdd(k, v);
        return null;
    }

    private FakeItemError? ValidateObject(ref Utf8JsonReader reader, string prefix, string id, Dictionary<string, string> constants, Dictionary<string, string> pending, HashSet<string> unmapped, ref bool sawTimestamp)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            string path = prefix.Length == 0 ? name : prefix + "." + name;
            reader.Read();
            if (path == "@timestamp") sawTimestamp = true;
            var error = ValidateValue(ref reader, path, prefix, name, id, constants, pending, unmapped, ref sawTimestamp);
            if (error is not null) return error;
        }

        return null;
    }

    private FakeItemError? ValidateValue(ref Utf8JsonReader reader, string path, string parent, string name, string id, Dictionary<string, string> constants, Dictionary<string, string> pending, HashSet<string> unmapped, ref bool sawTimestamp)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var error = ValidateValue(ref reader, path, parent, name, id, constants, pending, unmapped, ref sawTimestamp);
                if (error is not null) return error;
            }

            return null;
        }

        if (reader.TokenType == JsonTokenType.Null) return null;

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            if (Fields.TryGetValue(path, out var leaf))
            {
                return Malformed(path, leaf.Type, id, "{...}", reader, "illegal_argument_exception", $"Can't parse [{leaf.Type}] from an object");
            }

            if (!Objects.Contains(path))
            {
                if (Unmapped(path, parent, name, reader, unmapped) is { } strict) return strict;
                reader.Skip();
                return null;
            }

            return ValidateObject(ref reader, path, id, constants, pending, unmapped, ref sawTimestamp);
        }

        // A scalar.
        if (!Fields.TryGetValue(path, out var field))
        {
            if (Objects.Contains(path))
            {
                return new FakeItemError(400, "document_parsing_exception", $"[1:{Column(reader)}] object mapping for [{path}] tried to parse field [{name}] as object, but found a concrete value");
            }

            return Unmapped(path, parent, name, reader, unmapped);
        }

        string text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString()!,
            JsonTokenType.True => "true",
            JsonTokenType.False => "false",
            _ => Encoding.UTF8.GetString(reader.ValueSpan),
        };

        switch (field.Type)
        {
            case "keyword" or "match_only_text" or "text" or "wildcard":
                return null;
            case "constant_keyword":
            {
                string? expected = field.Value ?? (constants.TryGetValue(path, out var learnt) ? learnt : pending.GetValueOrDefault(path));
                if (expected is null)
                {
                    pending[path] = text;
                    return null;
                }

                return expected == text
                    ? null
                    : new FakeItemError(400, "document_parsing_exception",
                        $"[1:{Column(reader)}] failed to parse field [{path}] of type [constant_keyword] in document with id '{id}'. Preview of field's value: '{text}'",
                        "illegal_argument_exception",
                        $"[constant_keyword] field [{path}] only accepts values that are equal to the value defined in the mappings [{expected}], but got [{text}]");
            }

            case "long" or "integer" or "short" or "byte":
                if (reader.TokenType == JsonTokenType.Number ? reader.TryGetDouble(out double d) && Math.Abs(d) < 9.2e18
                    : reader.TokenType == JsonTokenType.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && Math.Abs(d) < 9.2e18)
                {
                    return null;
                }

                return Malformed(path, field.Type, id, text, reader, "illegal_argument_exception", $"For input string: \"{text}\"");
            case "double" or "float" or "scaled_float" or "half_float":
                if (reader.TokenType == JsonTokenType.Number || (reader.TokenType == JsonTokenType.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    return null;
                }

                return Malformed(path, field.Type, id, text, reader, "number_format_exception", $"For input string: \"{text}\"");
            case "boolean":
                if (reader.TokenType is JsonTokenType.True or JsonTokenType.False || (reader.TokenType == JsonTokenType.String && text is "true" or "false" or ""))
                {
                    return null;
                }

                return Malformed(path, field.Type, id, text, reader, "illegal_argument_exception", $"Failed to parse value [{text}] as only [true] or [false] are allowed.");
            case "ip":
                return reader.TokenType == JsonTokenType.String && IsIp(text)
                    ? null
                    : Malformed(path, field.Type, id, text, reader, "illegal_argument_exception", $"'{text}' is not an IP string literal.");
            case "date" or "date_nanos":
                bool nanos = field.Type == "date_nanos";
                bool ok = reader.TokenType == JsonTokenType.Number
                    ? reader.TryGetInt64(out long millis) && (!nanos || millis >= 0)
                    : reader.TokenType == JsonTokenType.String && ParseDate(text) is { } when && (!nanos || (when.Year >= 1970 && when.Year <= 2262));
                string format = nanos ? "strict_date_optional_time_nanos||epoch_millis" : "strict_date_optional_time||epoch_millis";
                return ok ? null : Malformed(path, field.Type, id, text, reader, "illegal_argument_exception", $"failed to parse date field [{text}] with format [{format}]");
            default:
                return null;
        }
    }

    private FakeItemError? Malformed(string path, string type, string id, string preview, Utf8JsonReader reader, string causeType, string causeReason) =>
        IgnoreMalformed && type is not ("keyword" or "constant_keyword")
            ? null
            : new FakeItemError(400, "document_parsing_exception",
                $"[1:{Column(reader)}] failed to parse field [{path}] of type [{type}] in document with id '{id}'. Preview of field's value: '{preview}'",
                causeType,
                causeReason);

    private FakeItemError? Unmapped(string path, string parent, string name, Utf8JsonReader reader, HashSet<string> unmapped)
    {
        if (EffectiveDynamic(parent) == "strict")
        {
            return new FakeItemError(400, "strict_dynamic_mapping_exception", $"[1:{Column(reader)}] mapping set to strict, dynamic introduction of [{name}] within [{(parent.Length == 0 ? "_doc" : parent)}] is not allowed");
        }

        unmapped.Add(path);
        return null;
    }

    private string EffectiveDynamic(string path)
    {
        while (true)
        {
            if (Dynamic.TryGetValue(path, out var value)) return value;
            if (path.Length == 0) return "true";
            int dot = path.LastIndexOf('.');
            path = dot < 0 ? "" : path[..dot];
        }
    }

    private static long Column(Utf8JsonReader reader) => reader.TokenStartIndex + 1;

    /// <summary>Elasticsearch's strict literal: dotted quad with four parts, or an IPv6 text form.</summary>
    internal static bool IsIp(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal)) return IPAddress.TryParse(text, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || int.Parse(part, CultureInfo.InvariantCulture) > 255) return false;
        }

        return true;
    }

    /// <summary>strict_date_optional_time with up to nine fraction digits; null when it does not parse.</summary>
    internal static DateTime? ParseDate(string text)
    {
        var m = DateRegex().Match(text);
        if (!m.Success) return null;
        int Part(string group, int fallback) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : fallback;
        try
        {
            var when = new DateTime(Part("y", 0), Part("mo", 1), Part("d", 1), Part("h", 0), Part("mi", 0), Part("s", 0), DateTimeKind.Utc);
            if (m.Groups["oh"].Success)
            {
                var offset = new TimeSpan(Part("oh", 0), Part("om", 0), 0);
                when = m.Groups["sign"].Value == "+" ? when - offset : when + offset;
            }

            return when;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(?<y>\d{4})(-(?<mo>\d{2})(-(?<d>\d{2})(T(?<h>\d{2})(:(?<mi>\d{2})(:(?<s>\d{2})(\.\d{1,9})?)?)?(Z|(?<sign>[+-])(?<oh>\d{2}):?(?<om>\d{2}))?)?)?)?$")]
    private static partial Regex DateRegex();
}
