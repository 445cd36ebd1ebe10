using System.Text.Json;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>The outcome of one bulk item: its status and, when it failed, error.type and error.reason.</summary>
internal readonly record struct BulkItemResult(int Status, string? ErrorType, string? ErrorReason);

/// <summary>
/// Reads a <c>_bulk</c> answer with a forward-only reader: field order varies between versions and is not relied on,
/// unknown fields are skipped, and only failed items cost allocations (their error texts).
/// </summary>
internal static class BulkResponse
{
    /// <summary>Appends one result per item, in request order; false when the body is not a bulk answer.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, List<BulkItemResult> into)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            bool sawItems = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("items"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray) return false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        // {"create": {...}}: one property named after the operation.
                        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return false;
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartObject) return false;
                        into.Add(ReadItem(ref reader));
                        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject) return false;
                    }

                    sawItems = true;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return sawItems;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static BulkItemResult ReadItem(ref Utf8JsonReader reader)
    {
        int status = 0;
        string? type = null, reason = null, cause = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number) reader.TryGetInt32(out status);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isType = reader.ValueTextEquals("type"u8), isReason = reader.ValueTextEquals("reason"u8), isCause = reader.ValueTextEquals("caused_by"u8);
                        reader.Read();
                        if (isType && reader.TokenType == JsonTokenType.String) type = reader.GetString();
                        else if (isReason && reader.TokenType == JsonTokenType.String) reason = reader.GetString();
                        else if (isCause && reader.TokenType == JsonTokenType.StartObject) cause = ReadCause(ref reader);
                        else reader.Skip();
                    }
                }
                else
                {
                    reason = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // The cause often names the real problem ("'10.0.0' is not an IP string literal."): keep it with the reason.
        if (cause is not null && cause != reason) reason = reason is null ? cause : $"{reason} (caused by {cause})";
        return new BulkItemResult(status, type, reason);
    }

    /// <summary>"type: reason" of a caused_by object; the reader ends on its closing brace.</summary>
    private static string? ReadCause(ref Utf8JsonReader reader)
    {
        string? type = null, reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8), isReason = reader.ValueTextEquals("reason"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String) type = reader.GetString();
            else if (isReason && reader.TokenType == JsonTokenType.String) reason = reader.GetString();
            else reader.Skip();
        }

        return reason is null ? null : type is null ? reason : $"{type}: {reason}";
    }
}
