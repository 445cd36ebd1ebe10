using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// Explicit field types for every field our documents carry (AlertDocumentWriter, ConnectionDocumentWriter, plus the
/// data_stream.* block the shipper appends). Nothing is left to dynamic mapping: a wrong guess (a port as text, an
/// address as keyword) would break Kibana's range and CIDR queries for the life of the backing index.
/// <para>
/// Times are <c>date_nanos</c>: packet times have nanosecond precision, and flood alerts and connection records often
/// share a millisecond, so <c>date</c> would lose their order. Kibana reads both types side by side with ECS data from
/// other sources. The price, no dates before 1970, never applies to captured traffic.
/// </para>
/// <para>
/// Mappings are <c>dynamic: false</c>: a field a newer sensor adds stays in <c>_source</c> (unsearchable until the
/// template is updated and the stream rolls over) instead of failing every document as <c>strict</c> would, or guessing
/// a type as <c>true</c> would.
/// </para>
/// </summary>
public static class EsMappings
{
    public const string Keyword = "keyword";
    public const string ConstantKeyword = "constant_keyword";
    public const string Ip = "ip";
    public const string Long = "long";
    public const string Double = "double";
    public const string Boolean = "boolean";
    public const string DateNanos = "date_nanos";
    public const string MatchOnlyText = "match_only_text";

    /// <summary>ECS fields both documents share.</summary>
    public static IReadOnlyList<EsField> Common { get; } =
    [
        new("@timestamp", DateNanos),
        new("message", MatchOnlyText),
        new("event.kind", Keyword),
        new("event.category", Keyword),
        new("event.type", Keyword),
        new("event.action", Keyword),
        new("event.id", Keyword),
        new("event.start", DateNanos),
        new("event.end", DateNanos),
        new("event.duration", Long),
        new("event.severity", Long),
        new("event.dataset", Keyword),
        new("event.module", Keyword),
        new("observer.type", Keyword),
        new("observer.product", Keyword),
        new("observer.vendor", Keyword),
        new("observer.version", Keyword),
        new("observer.hostname", Keyword),
        new("observer.ingress.interface.name", Keyword),
        new("source.ip", Ip),
        new("source.port", Long),
        new("destination.ip", Ip),
        new("destination.port", Long),
        new("network.transport", Keyword),
        new("network.type", Keyword),
        new("network.iana_number", Keyword),
        new("network.community_id", Keyword),
        new("network.vlan.id", Keyword),
        new("related.ip", Ip),
    ];

    /// <summary>Alert-only fields: rule, threat and the detector's figures.</summary>
    public static IReadOnlyList<EsField> Alert { get; } =
    [
        new("rule.id", Keyword),
        new("rule.name", Keyword),
        new("rule.version", Keyword),
        new("rule.ruleset", Keyword),
        new("rule.category", Keyword),
        new("threat.framework", Keyword),
        new("threat.tactic.id", Keyword),
        new("threat.tactic.name", Keyword),
        new("threat.tactic.reference", Keyword),
        new("threat.technique.id", Keyword),
        new("threat.technique.name", Keyword),
        new("threat.technique.reference", Keyword),
        new("threat.technique.subtechnique.id", Keyword),
        new("threat.technique.subtechnique.name", Keyword),
        new("threat.technique.subtechnique.reference", Keyword),
        new("idshalfopen.phase", Keyword),
        new("idshalfopen.attack_id", Keyword),
        new("idshalfopen.sequence", Long),
        new("idshalfopen.embryonic", Long),
        new("idshalfopen.embryonic_peak", Long),
        new("idshalfopen.syn_rate_peak", Double),
        new("idshalfopen.syn_rate_avg", Double),
        new("idshalfopen.completion_ratio", Double),
        new("idshalfopen.distinct_sources", Long),
        new("idshalfopen.distinct_sources_estimated", Boolean),
        new("idshalfopen.count", Long),
        new("idshalfopen.top_sources.ip", Ip),
        new("idshalfopen.top_sources.count", Long),
        new("idshalfopen.top_destination_ports.port", Long),
        new("idshalfopen.top_destination_ports.count", Long),
        new("idshalfopen.spoofing.answered_share", Double),
        new("idshalfopen.spoofing.ttl_min", Long),
        new("idshalfopen.spoofing.ttl_max", Long),
        new("idshalfopen.spoofing.ttl_distinct", Long),
        new("idshalfopen.degraded", Boolean),
        new("idshalfopen.evictions", Long),
        new("idshalfopen.end_reason", Keyword),
    ];

    /// <summary>Connection-record-only fields.</summary>
    public static IReadOnlyList<EsField> Connection { get; } =
    [
        new("idshalfopen.outcome", Keyword),
        new("idshalfopen.history", Keyword),
        new("idshalfopen.end_reason", Keyword),
        new("idshalfopen.client_isn", Long),
        new("idshalfopen.server_isn", Long),
        new("idshalfopen.syn_retransmits", Long),
        new("idshalfopen.synack_retransmits", Long),
        new("idshalfopen.client_ttl", Long),
        new("idshalfopen.vlan", Long),
    ];

    /// <summary>
    /// The data_stream.* block of a dataset's stream. Type and dataset are fixed by the template, so a document that
    /// names another fails instead of landing in the wrong stream; the namespace is fixed by each stream's first document.
    /// </summary>
    public static IReadOnlyList<EsField> DataStream(string dataset) =>
    [
        new("data_stream.type", ConstantKeyword, EsOptions.StreamType),
        new("data_stream.dataset", ConstantKeyword, dataset),
        new("data_stream.namespace", ConstantKeyword),
    ];

    /// <summary>The fields specific to <paramref name="dataset"/> (its component template): data_stream.* and its own.</summary>
    public static IReadOnlyList<EsField> Specific(string dataset) => dataset switch
    {
        AlertDocumentWriter.Dataset => [.. DataStream(dataset), .. Alert],
        ConnectionDocumentWriter.Dataset => [.. DataStream(dataset), .. Connection],
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "not one of our datasets"),
    };

    /// <summary>Every field of the stream for <paramref name="dataset"/>.</summary>
    public static IReadOnlyList<EsField> For(string dataset) => [.. Common, .. Specific(dataset)];
}

/// <summary>One mapped field: its dotted path, Elasticsearch type, and for constant_keyword the fixed value.</summary>
public readonly record struct EsField(string Path, string Type, string? Value = null);
