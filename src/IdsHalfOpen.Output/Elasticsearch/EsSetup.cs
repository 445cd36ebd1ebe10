using System.Buffers;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>One PUT of the setup: the path below the base URL and its JSON body.</summary>
public sealed record EsSetupStep(string Path, byte[] Body);

/// <summary>What a setup run found and installed.</summary>
public sealed record EsSetupResult(EsClusterInfo Cluster, IReadOnlyList<string> Installed);

/// <summary>
/// Installs what our data streams need, idempotently (PUT replaces with the same content): the lifecycle policy, the
/// component templates with explicit ECS mappings (<see cref="EsMappings"/>), and one index template per stream with
/// <c>data_stream: {}</c> and priority 501, above Elastic's built-in <c>logs-*-*</c> (priority 100), whose
/// <c>ignore_malformed: true</c> would make bad values vanish silently instead of failing.
/// </summary>
public static class EsSetup
{
    public const string PolicyName = "idshalfopen";

    /// <summary>Bumped whenever a body below changes, so a cluster shows which sensor version set it up.</summary>
    public const int Version = 1;

    public const int Priority = 501;

    public const string SettingsComponent = "idshalfopen@settings";

    public const string MappingsComponent = "idshalfopen@mappings";

    /// <summary>The datasets we install streams for.</summary>
    public static IReadOnlyList<string> Datasets { get; } = [AlertDocumentWriter.Dataset, ConnectionDocumentWriter.Dataset];

    /// <summary><c>logs-{dataset}</c>: the index template name of a dataset.</summary>
    public static string IndexTemplateName(string dataset) => $"{EsOptions.StreamType}-{dataset}";

    /// <summary><c>logs-{dataset}@mappings</c>: the dataset's own component template.</summary>
    public static string DatasetComponent(string dataset) => $"{EsOptions.StreamType}-{dataset}@mappings";

    /// <summary>Every PUT, in the order it must run (a template can only name components that exist).</summary>
    public static IReadOnlyList<EsSetupStep> Plan(EsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var steps = new List<EsSetupStep>
        {
            new($"_ilm/policy/{PolicyName}", Json(w => WritePolicy(w, options.RetentionDays))),
            new($"_component_template/{SettingsComponent}", Json(WriteSettingsComponent)),
            new($"_component_template/{MappingsComponent}", Json(w => WriteMappingsComponent(w, EsMappings.Common, "ECS fields of IdsHalfOpen documents"))),
        };
        foreach (var dataset in Datasets)
        {
            steps.Add(new($"_component_template/{DatasetComponent(dataset)}", Json(w => WriteMappingsComponent(w, EsMappings.Specific(dataset), $"fields of {dataset} documents"))));
        }

        foreach (var dataset in Datasets)
        {
            steps.Add(new($"_index_template/{IndexTemplateName(dataset)}", Json(w => WriteIndexTemplate(w, dataset))));
        }

        return steps;
    }

    /// <summary>Checks the cluster (<c>GET /</c>), then runs every step of <see cref="Plan"/>.</summary>
    /// <exception cref="ElasticsearchException">Unreachable, refused credentials, not Elasticsearch, or a step not acknowledged.</exception>
    public static async Task<EsSetupResult> InstallAsync(EsConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var cluster = await connection.GetInfoAsync(cancellationToken).ConfigureAwait(false);
        if (cluster.IsServerless)
        {
            throw new ElasticsearchException(EsErrorKind.Configuration, connection.Target,
                $"{connection.Target} is an Elastic Cloud Serverless project, which has no index lifecycle policies; install the templates without the policy by hand, then ship with setup turned off");
        }

        var installed = new List<string>();
        foreach (var step in Plan(connection.Options))
        {
            await connection.PutAcknowledgedAsync(step.Path, step.Body, cancellationToken).ConfigureAwait(false);
            installed.Add(step.Path);
        }

        return new EsSetupResult(cluster, installed);
    }

    private static void WritePolicy(Utf8JsonWriter w, int retentionDays)
    {
        w.WriteStartObject();
        w.WriteStartObject("policy");
        WriteMeta(w, "IdsHalfOpen alerts and connection records: roll over monthly or at 50 GB a shard, then delete");
        w.WriteStartObject("phases");
        w.WriteStartObject("hot");
        w.WriteString("min_age", "0ms");
        w.WriteStartObject("actions");
        w.WriteStartObject("rollover");
        w.WriteString("max_age", "30d");
        w.WriteString("max_primary_shard_size", "50gb");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("delete");
        w.WriteString("min_age", $"{retentionDays}d");
        w.WriteStartObject("actions");
        w.WriteStartObject("delete");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSettingsComponent(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteStartObject("template");
        w.WriteStartObject("settings");
        w.WriteStartObject("index");
        w.WriteStartObject("lifecycle");
        w.WriteString("name", PolicyName);
        w.WriteEndObject();
        w.WriteString("codec", "best_compression");
        // One replica where there is a second node; a single-node cluster stays green.
        w.WriteString("auto_expand_replicas", "0-1");
        w.WriteStartObject("mapping");
        // Spelled out, although it is the default: a value the mapping cannot take must fail (and be dead-lettered),
        // never be dropped silently.
        w.WriteBoolean("ignore_malformed", false);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNumber("version", Version);
        WriteMeta(w, "index settings of IdsHalfOpen data streams");
        w.WriteEndObject();
    }

    private static void WriteMappingsComponent(Utf8JsonWriter w, IReadOnlyList<EsField> fields, string description)
    {
        w.WriteStartObject();
        w.WriteStartObject("template");
        w.WriteStartObject("mappings");
        w.WriteBoolean("dynamic", false);
        WriteProperties(w, fields);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNumber("version", Version);
        WriteMeta(w, description);
        w.WriteEndObject();
    }

    private static void WriteIndexTemplate(Utf8JsonWriter w, string dataset)
    {
        w.WriteStartObject();
        w.WriteStartArray("index_patterns");
        w.WriteStringValue($"{EsOptions.StreamType}-{dataset}-*");
        w.WriteEndArray();
        w.WriteStartObject("data_stream");
        w.WriteEndObject();
        w.WriteStartArray("composed_of");
        w.WriteStringValue(SettingsComponent);
        w.WriteStringValue(MappingsComponent);
        w.WriteStringValue(DatasetComponent(dataset));
        w.WriteEndArray();
        w.WriteNumber("priority", Priority);
        w.WriteNumber("version", Version);
        WriteMeta(w, $"{dataset} data streams of IdsHalfOpen");
        w.WriteEndObject();
    }

    private static void WriteMeta(Utf8JsonWriter w, string description)
    {
        w.WriteStartObject("_meta");
        w.WriteString("description", description);
        w.WriteString("managed_by", "idshalfopen");
        w.WriteNumber("version", Version);
        w.WriteEndObject();
    }

    /// <summary>Dotted paths as nested <c>properties</c> objects, in first-appearance order.</summary>
    private static void WriteProperties(Utf8JsonWriter w, IReadOnlyList<EsField> fields)
    {
        var root = new Node();
        foreach (var field in fields)
        {
            var node = root;
            foreach (var part in field.Path.Split('.')) node = node.Child(part);
            if (node.Field is not null || node.Children.Count > 0) throw new InvalidOperationException($"field {field.Path} is mapped twice or under a leaf");
            node.Field = field;
        }

        Write(w, root);

        static void Write(Utf8JsonWriter w, Node node)
        {
            w.WriteStartObject("properties");
            foreach (var (name, child) in node.Children)
            {
                w.WriteStartObject(name);
                if (child.Field is { } f)
                {
                    w.WriteString("type", f.Type);
                    if (f.Value is { } value) w.WriteString("value", value);
                }
                else
                {
                    Write(w, child);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class Node
    {
        public List<(string Name, Node Node)> Children { get; } = [];

        public EsField? Field { get; set; }

        public Node Child(string name)
        {
            foreach (var (n, node) in Children)
            {
                if (n == name) return node;
            }

            var created = new Node();
            Children.Add((name, created));
            return created;
        }
    }
}
