using System.Text.Json;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Tracking;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests.Kibana;

/// <summary>
/// The fields our ECS documents really carry, read back from documents that <see cref="AlertDocumentWriter"/> and
/// <see cref="ConnectionDocumentWriter"/> write, with the JSON kind of each value ("number", "string", "boolean").
/// </summary>
internal static class DocumentFields
{
    public static IReadOnlyDictionary<string, string> Alerts { get; } = Collect(AlertDocuments());

    public static IReadOnlyDictionary<string, string> Connections { get; } = Collect(ConnectionDocuments());

    public static string AlertDataViewTitle => $"logs-{AlertDocumentWriter.Dataset}-*";

    public static string ConnectionDataViewTitle => $"logs-{ConnectionDocumentWriter.Dataset}-*";

    public static IReadOnlyDictionary<string, string>? ForDataViewTitle(string title) =>
        title == AlertDataViewTitle ? Alerts : title == ConnectionDataViewTitle ? Connections : null;

    private static IEnumerable<byte[]> AlertDocuments()
    {
        var writer = new AlertDocumentWriter(Sensor);
        foreach (var phase in new[] { AlertPhase.Start, AlertPhase.Update, AlertPhase.End }) yield return WriteDocument(writer, FloodAlert(phase));
        // Per-source kinds name source.ip instead of a victim.
        yield return WriteDocument(writer, FloodAlert() with { Kind = AlertKind.EmbryonicSource, SourceIp = Ip("192.0.2.77"), DestinationIp = null, DestinationPort = null });
        yield return WriteDocument(writer, FloodAlert() with { Kind = AlertKind.PortScan, SourceIp = Ip("2001:db8::9"), DestinationIp = Ip("2001:db8::1"), DestinationPort = null, TopSources = [] });
    }

    private static IEnumerable<byte[]> ConnectionDocuments()
    {
        var writer = new ConnectionDocumentWriter(Sensor);
        foreach (var outcome in Enum.GetValues<AttemptOutcome>()) yield return WriteDocument(writer, Connection(outcome));
    }

    private static Dictionary<string, string> Collect(IEnumerable<byte[]> documents)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var bytes in documents)
        {
            using var doc = JsonDocument.Parse(bytes);
            Walk(doc.RootElement, "");
        }

        return fields;

        void Walk(JsonElement element, string path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in element.EnumerateObject()) Walk(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name);
                    break;
                case JsonValueKind.Array:
                    // Elasticsearch flattens arrays: an array of objects contributes its members' fields.
                    foreach (var item in element.EnumerateArray()) Walk(item, path);
                    break;
                case JsonValueKind.Null or JsonValueKind.Undefined:
                    break;
                default:
                    string kind = element.ValueKind switch
                    {
                        JsonValueKind.Number => "number",
                        JsonValueKind.String => "string",
                        _ => "boolean",
                    };
                    if (fields.TryGetValue(path, out var seen) && seen != kind) throw new InvalidOperationException($"{path} is both {seen} and {kind}");
                    fields[path] = kind;
                    break;
            }
        }
    }
}
