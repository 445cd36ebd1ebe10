using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IdsHalfOpen.Output.Kibana;

/// <summary>
/// What Kibana answered to <c>POST /api/saved_objects/_import</c>. A request that got no usable answer (no connection,
/// time-out, an HTTP error status, a body that is not the import answer) has <see cref="Failure"/> set; otherwise the
/// fields mirror Kibana's <c>{"success","successCount","successResults","errors"}</c>.
/// </summary>
public sealed class KibanaImportResult
{
    private KibanaImportResult(int statusCode, bool success, int successCount, IReadOnlyList<KibanaImportedObject> imported, IReadOnlyList<KibanaImportError> errors, string? failure)
    {
        StatusCode = statusCode;
        Success = success;
        SuccessCount = successCount;
        Imported = imported;
        Errors = errors;
        Failure = failure;
    }

    /// <summary>The HTTP status, or 0 when no answer arrived.</summary>
    public int StatusCode { get; }

    /// <summary>Kibana's <c>success</c>: true only when every object was imported.</summary>
    public bool Success { get; }

    public int SuccessCount { get; }

    public IReadOnlyList<KibanaImportedObject> Imported { get; }

    /// <summary>Per-object errors (missing references, conflicts, unsupported types, ...).</summary>
    public IReadOnlyList<KibanaImportError> Errors { get; }

    /// <summary>Why the request as a whole failed; null when Kibana answered the import.</summary>
    public string? Failure { get; }

    /// <summary>True when the request was answered, Kibana reported success and listed no error.</summary>
    public bool IsComplete => Failure is null && Success && Errors.Count == 0;

    public static KibanaImportResult Failed(int statusCode, string failure) => new(statusCode, false, 0, [], [], failure);

    /// <summary>Reads an answer body: the import result for a 2xx status, Kibana's error shape otherwise.</summary>
    public static KibanaImportResult Parse(int statusCode, ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            return Failed(statusCode, $"HTTP {statusCode}: {Excerpt(body)}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (statusCode is < 200 or > 299) return Failed(statusCode, DescribeHttpError(statusCode, root, body));
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("success", out var success) || success.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Failed(statusCode, $"HTTP {statusCode} but not an import answer (no boolean \"success\"): {Excerpt(body)}");
            }

            int successCount = root.TryGetProperty("successCount", out var c) && c.TryGetInt32(out int n) ? n : 0;
            var imported = new List<KibanaImportedObject>();
            if (root.TryGetProperty("successResults", out var results) && results.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in results.EnumerateArray())
                {
                    imported.Add(new KibanaImportedObject(Text(item, "type"), Text(item, "id"), Title(item), item.TryGetProperty("overwrite", out var o) && o.ValueKind == JsonValueKind.True));
                }
            }

            var errors = new List<KibanaImportError>();
            if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray()) errors.Add(ReadError(item));
            }

            return new KibanaImportResult(statusCode, success.GetBoolean(), successCount, imported, errors, null);
        }
    }

    private static KibanaImportError ReadError(JsonElement item)
    {
        string errorType = "unknown";
        string detail = "";
        if (item.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            errorType = Text(error, "type");
            detail = errorType switch
            {
                "missing_references" => "missing references: " + ReferenceList(error, "references"),
                "conflict" => "an object with this id exists and was not overwritten",
                "ambiguous_conflict" => "several existing objects match: " + ReferenceList(error, "destinations"),
                "unsupported_type" => "this Kibana does not know the type",
                _ => error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : error.GetRawText(),
            };
        }

        return new KibanaImportError(Text(item, "type"), Text(item, "id"), Title(item), errorType, detail);
    }

    private static string ReferenceList(JsonElement error, string name)
    {
        if (!error.TryGetProperty(name, out var refs) || refs.ValueKind != JsonValueKind.Array) return "(none listed)";
        var text = new StringBuilder();
        foreach (var r in refs.EnumerateArray())
        {
            if (text.Length > 0) text.Append(", ");
            text.Append(Text(r, "type")).Append(':').Append(Text(r, "id"));
        }

        return text.Length == 0 ? "(none listed)" : text.ToString();
    }

    /// <summary>Kibana's HTTP errors look like <c>{"statusCode":401,"error":"Unauthorized","message":"..."}</c>.</summary>
    private static string DescribeHttpError(int statusCode, JsonElement root, ReadOnlySpan<byte> body)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
        {
            string error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? " " + e.GetString() : "";
            return string.Create(CultureInfo.InvariantCulture, $"HTTP {statusCode}{error}: {message.GetString()}");
        }

        return string.Create(CultureInfo.InvariantCulture, $"HTTP {statusCode}: {Excerpt(body)}");
    }

    private static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "?";

    /// <summary>Kibana puts the title in <c>meta.title</c> (8.x) or <c>title</c> (7.x).</summary>
    private static string? Title(JsonElement item)
    {
        if (item.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) return t.GetString();
        return item.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : null;
    }

    /// <summary>The start of a body for an error message: one line, at most 300 characters.</summary>
    internal static string Excerpt(ReadOnlySpan<byte> body)
    {
        const int max = 300;
        string text = Encoding.UTF8.GetString(body.Length > max * 4 ? body[..(max * 4)] : body).Trim();
        int newline = text.IndexOfAny(['\r', '\n']);
        if (newline >= 0) text = text[..newline];
        if (text.Length > max) text = text[..max] + "...";
        return text.Length == 0 ? "(empty body)" : text;
    }
}

/// <summary>One imported object from <c>successResults</c>.</summary>
public sealed record KibanaImportedObject(string Type, string Id, string? Title, bool Overwrite);

/// <summary>One per-object error: the object, Kibana's error type and a readable detail.</summary>
public sealed record KibanaImportError(string Type, string Id, string? Title, string ErrorType, string Detail)
{
    public override string ToString() =>
        Title is null ? $"{Type} {Id}: {ErrorType}: {Detail}" : $"{Type} {Id} (\"{Title}\"): {ErrorType}: {Detail}";
}
