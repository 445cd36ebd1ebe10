using System.Buffers;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// Documents Elasticsearch refused for good, one JSON line each:
/// <c>{"@timestamp","status","error":{"type","reason"},"_index","_id","document":{...}}</c>. The document is kept
/// whole (as <c>document_text</c> when it is not JSON), so it can be fixed and sent again by hand. Appends; created on
/// the first refusal. Rare by nature, so this path may allocate.
/// </summary>
internal sealed class DeadLetterFile : IDisposable
{
    private readonly ArrayBufferWriter<byte> _line = new(4096);
    private readonly Utf8JsonWriter _json;
    private FileStream? _stream;

    public DeadLetterFile(string path)
    {
        Path = path;
        _json = new Utf8JsonWriter(_line, EcsJson.WriterOptions);
    }

    public string Path { get; }

    /// <summary>Appends one refused document, given as its bulk payload (action line, source line).</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Write(ReadOnlySpan<byte> payload, int status, string? errorType, string? reason)
    {
        int newline = payload.IndexOf((byte)'\n');
        var action = newline < 0 ? payload : payload[..newline];
        var document = newline < 0 ? default : payload[(newline + 1)..].TrimEnd((byte)'\n');
        ReadAction(action, out string? index, out string? id);

        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        _json.WriteString("@timestamp"u8, DateTime.UtcNow);
        _json.WriteNumber("status"u8, status);
        _json.WriteStartObject("error"u8);
        if (errorType is not null) _json.WriteString("type"u8, errorType);
        if (reason is not null) _json.WriteString("reason"u8, reason);
        _json.WriteEndObject();
        if (index is not null) _json.WriteString("_index"u8, index);
        if (id is not null) _json.WriteString("_id"u8, id);
        if (Parse(document) is { } parsed)
        {
            using (parsed)
            {
                // Re-written rather than copied: valid JSON may still hold line breaks, which would tear the line.
                _json.WritePropertyName("document"u8);
                parsed.WriteTo(_json);
            }
        }
        else
        {
            // Not JSON (nor perhaps UTF-8): kept as text, invalid bytes replaced.
            _json.WriteString("document_text"u8, System.Text.Encoding.UTF8.GetString(document));
        }

        _json.WriteEndObject();
        _json.Flush();
        _line.GetSpan(1)[0] = (byte)'\n';
        _line.Advance(1);

        _stream ??= new FileStream(Path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });
        _stream.Write(_line.WrittenSpan);
    }

    /// <summary>To disk before the queue forgets the documents.</summary>
    public void Flush() => _stream?.Flush(flushToDisk: true);

    public void Dispose()
    {
        _json.Dispose();
        _stream?.Dispose();
    }

    private static JsonDocument? Parse(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty) return null;
        try
        {
            var reader = new Utf8JsonReader(text);
            return JsonDocument.ParseValue(ref reader) is var document && reader.BytesConsumed == text.Length ? document : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ReadAction(ReadOnlySpan<byte> action, out string? index, out string? id)
    {
        index = id = null;
        try
        {
            var reader = new Utf8JsonReader(action);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName) return;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isIndex = reader.ValueTextEquals("_index"u8), isId = reader.ValueTextEquals("_id"u8);
                reader.Read();
                if (isIndex && reader.TokenType == JsonTokenType.String) index = reader.GetString();
                else if (isId && reader.TokenType == JsonTokenType.String) id = reader.GetString();
                else reader.Skip();
            }
        }
        catch (JsonException)
        {
            // An unreadable action line still leaves the document and the error worth keeping.
        }
    }
}
