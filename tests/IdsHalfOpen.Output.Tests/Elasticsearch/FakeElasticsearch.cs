using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>How the fake is set up at start.</summary>
internal sealed record FakeElasticsearchOptions
{
    /// <summary>The accepted <c>encoded</c> API key; with neither key nor user, security is off.</summary>
    public string? ApiKey { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Serve HTTPS with this certificate (it needs its private key).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Reported by <c>GET /</c>; before 8.13 <c>require_data_stream</c> is an unknown parameter.</summary>
    public string Version { get; init; } = "8.15.0";

    /// <summary>Seed of the fault dice.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// A loopback Elasticsearch double over real HTTP (Kestrel on 127.0.0.1) with the wire behaviour of
/// /work/shared/design/elasticsearch.md: the product header, <c>GET /</c>, 401 security_exception, 406 without a
/// Content-Type, the bulk newline rule, acknowledged ILM/component/index template PUTs, data streams created on the first
/// write through a matching <c>data_stream</c> template, <c>create</c>-only writes, 409 on a repeated <c>_id</c>, typed
/// field validation from the installed templates, <c>require_data_stream</c>, and injectable faults. The state lives in a
/// <see cref="FakeStore"/> that outlives a restart on the same port ("Elasticsearch was down, now it is back").
/// </summary>
internal sealed class FakeElasticsearch : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeElasticsearchOptions _options;
    private readonly Random _dice;
    private readonly Lock _diceGate = new();
    private long _requests;
    private long _bulkRequests;
    private long _heldBulks;
    private long? _holdBulksAfter;
    private TaskCompletionSource _release = NewRelease();

    private FakeElasticsearch(WebApplication app, FakeElasticsearchOptions options, FakeStore store, Uri url)
    {
        _app = app;
        _options = options;
        Store = store;
        Url = url;
        _dice = new Random(options.Seed);
    }

    public Uri Url { get; }

    public int Port => Url.Port;

    public FakeStore Store { get; }

    /// <summary>Send <c>X-Elastic-Product: Elasticsearch</c> on every answer (Elasticsearch since 7.14).</summary>
    public bool SendProductHeader { get; set; } = true;

    /// <summary>Abort every connection at once, before reading the request.</summary>
    public bool Down { get; set; }

    /// <summary>Probability that one bulk item answers 429 es_rejected_execution_exception (not stored).</summary>
    public double ItemRejectRate { get; set; }

    /// <summary>Probability that a whole bulk request answers 429.</summary>
    public double RequestRejectRate { get; set; }

    /// <summary>Probability that a whole bulk request answers 503.</summary>
    public double UnavailableRate { get; set; }

    /// <summary>Probability that a bulk request's connection is reset before anything is stored.</summary>
    public double ResetBeforeRate { get; set; }

    /// <summary>Probability that a bulk request is carried out, then its connection reset: the answer is lost.</summary>
    public double ResetAfterRate { get; set; }

    /// <summary>Added before every answer.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>
    /// Once the store holds at least this many documents, a bulk request is read but left unanswered until this is set
    /// back to null (then it is carried out) or its client goes away: delivery provably stopped half-way, e.g. to kill
    /// the client then. Null (the default) holds nothing.
    /// </summary>
    public long? HoldBulksAfter
    {
        get
        {
            lock (_diceGate) return _holdBulksAfter;
        }

        set
        {
            TaskCompletionSource? released = null;
            lock (_diceGate)
            {
                _holdBulksAfter = value;
                if (value is null)
                {
                    released = _release;
                    _release = NewRelease();
                }
            }

            released?.TrySetResult();
        }
    }

    /// <summary>Bulk requests waiting unanswered because of <see cref="HoldBulksAfter"/>.</summary>
    public long HeldBulks => Interlocked.Read(ref _heldBulks);

    public long Requests => Interlocked.Read(ref _requests);

    public long BulkRequests => Interlocked.Read(ref _bulkRequests);

    /// <summary>Most operations and most body bytes seen in one bulk request.</summary>
    public (int Operations, int Bytes) LargestBulk { get; private set; }

    /// <summary>Starts on 127.0.0.1 (<paramref name="port"/> 0 = any free port), sharing <paramref name="store"/> when given.</summary>
    public static async Task<FakeElasticsearch> StartAsync(FakeElasticsearchOptions? options = null, FakeStore? store = null, int port = 0)
    {
        options ??= new FakeElasticsearchOptions();
        store ??= new FakeStore();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = 256L << 20;
            k.Listen(IPAddress.Loopback, port, listen =>
            {
                if (options.Certificate is { } certificate) listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        FakeElasticsearch? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        var url = new UriBuilder(options.Certificate is null ? "http" : "https", "127.0.0.1", bound.Port).Uri;
        fake = new FakeElasticsearch(app, options, store, url);
        return fake;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static TaskCompletionSource NewRelease() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits while <see cref="HoldBulksAfter"/> says so; false when the client went away meanwhile.</summary>
    private async Task<bool> WaitWhileHeldAsync(HttpContext context)
    {
        Task release;
        lock (_diceGate)
        {
            if (_holdBulksAfter is not { } limit || Store.DocumentCount < limit) return true;
            release = _release.Task;
        }

        Interlocked.Increment(ref _heldBulks);
        try
        {
            await release.WaitAsync(context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _heldBulks);
        }
    }

    private bool Roll(double probability)
    {
        if (probability <= 0) return false;
        lock (_diceGate) return _dice.NextDouble() < probability;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (Down)
        {
            context.Abort();
            return;
        }

        if (SendProductHeader) context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        if (Latency > TimeSpan.Zero) await Task.Delay(Latency);

        var request = context.Request;
        string path = request.Path.Value ?? "/";
        if (Authenticate(request, path) is { } refusal)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"security\", charset=\"UTF-8\", ApiKey";
            await Json(context, 401, refusal);
            return;
        }

        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string method = request.Method;
        switch (segments)
        {
            case [] when method is "GET" or "HEAD":
                await Json(context, 200, Info());
                return;
            case ["_bulk"] or [_, "_bulk"] when method is "POST" or "PUT":
                await BulkAsync(context, segments.Length == 2 ? segments[0] : null);
                return;
            case ["_ilm", "policy", var name] when method == "PUT":
                await PutAsync(context, body => Store.PutPolicy(name, body));
                return;
            case ["_ilm", "policy", var name] when method == "GET":
                await Get(context, Store.GetPolicy(name), $"Lifecycle policy not found: {name}", "resource_not_found_exception");
                return;
            case ["_component_template", var name] when method is "PUT" or "POST":
                await PutAsync(context, body => Store.PutComponentTemplate(name, body));
                return;
            case ["_component_template", var name] when method == "GET":
                await Get(context, Store.GetComponentTemplate(name), $"component template matching [{name}] not found", "resource_not_found_exception");
                return;
            case ["_index_template", var name] when method is "PUT" or "POST":
                await PutAsync(context, body => Store.PutIndexTemplate(name, body));
                return;
            case ["_index_template", var name] when method == "GET":
                await Get(context, Store.GetIndexTemplate(name), $"index template matching [{name}] not found", "resource_not_found_exception");
                return;
            case ["_data_stream", var name] when method == "GET":
                await Get(context, Store.GetDataStream(name), $"no such index [{name}]", "index_not_found_exception");
                return;
            case ["_data_stream", var name] when method == "DELETE":
                await Get(context, Store.DeleteDataStream(name) ? """{"acknowledged":true}""" : null, $"no such index [{name}]", "index_not_found_exception");
                return;
            case [var target, "_count"] when method is "GET" or "POST":
                await Get(context, Store.Count(target) is { } n ? $$$"""{"count":{{{n}}},"_shards":{"total":1,"successful":1,"skipped":0,"failed":0}}""" : null, $"no such index [{target}]", "index_not_found_exception");
                return;
            case [_, "_refresh"] when method is "POST" or "GET":
                await Json(context, 200, """{"_shards":{"total":1,"successful":1,"failed":0}}""");
                return;
            default:
                await Json(context, 400, $$"""{"error":"no handler found for uri [{{Escape(path)}}] and method [{{method}}]"}""");
                return;
        }
    }

    /// <summary>Null when the request may pass, else the 401 body.</summary>
    private string? Authenticate(HttpRequest request, string path)
    {
        if (_options.ApiKey is null && _options.Username is null) return null;
        string header = request.Headers.Authorization.ToString();
        string reason;
        if (header.Length == 0)
        {
            reason = $"missing authentication credentials for REST request [{path}]";
        }
        else if (header.StartsWith("ApiKey ", StringComparison.Ordinal))
        {
            if (_options.ApiKey is not null && header[7..] == _options.ApiKey) return null;
            reason = "unable to authenticate with provided credentials and anonymous access is not allowed for this request";
        }
        else if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            string user = "";
            try
            {
                string pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
                int colon = pair.IndexOf(':', StringComparison.Ordinal);
                user = colon < 0 ? pair : pair[..colon];
                if (_options.Username is not null && user == _options.Username && pair[(colon + 1)..] == _options.Password) return null;
            }
            catch (FormatException)
            {
            }

            reason = $"unable to authenticate user [{user}] for REST request [{path}]";
        }
        else
        {
            reason = $"unable to authenticate with provided credentials and anonymous access is not allowed for this request";
        }

        string e = Escape(reason);
        return $$$"""{"error":{"root_cause":[{"type":"security_exception","reason":"{{{e}}}","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}}],"type":"security_exception","reason":"{{{e}}}","header":{"WWW-Authenticate":["Basic realm=\"security\", charset=\"UTF-8\"","ApiKey"]}},"status":401}""";
    }

    private string Info() => $$"""
        {
          "name" : "fake-node-1",
          "cluster_name" : "fake-cluster",
          "cluster_uuid" : "q3cVVGHdS0-fakeClusterUuid",
          "version" : {
            "number" : "{{_options.Version}}",
            "build_flavor" : "default",
            "build_type" : "docker",
            "build_hash" : "0000000000000000000000000000000000000000",
            "build_date" : "2024-08-05T10:05:34.233336849Z",
            "build_snapshot" : false,
            "lucene_version" : "9.11.1",
            "minimum_wire_compatibility_version" : "7.17.0",
            "minimum_index_compatibility_version" : "7.0.0"
          },
          "tagline" : "You Know, for Search"
        }
        """;

    private static async Task PutAsync(HttpContext context, Func<JsonElement, string?> put)
    {
        if (!HasContentType(context.Request))
        {
            await Json(context, 406, """{"error":"Content-Type header is missing","status":406}""");
            return;
        }

        byte[] body = await ReadBodyAsync(context.Request);
        JsonElement json;
        try
        {
            json = JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException e)
        {
            await Json(context, 400, RequestError("x_content_parse_exception", e.Message, 400));
            return;
        }

        string? problem = put(json);
        await Json(context, problem is null ? 200 : 400, problem is null ? """{"acknowledged":true}""" : RequestError("illegal_argument_exception", problem, 400));
    }

    private static async Task Get(HttpContext context, string? body, string missing, string missingType)
    {
        if (body is null) await Json(context, 404, RequestError(missingType, missing, 404));
        else await Json(context, 200, body);
    }

    private async Task BulkAsync(HttpContext context, string? pathTarget)
    {
        Interlocked.Increment(ref _bulkRequests);
        var request = context.Request;
        bool requireDataStream = false;
        foreach (var (key, value) in request.Query)
        {
            if (key == "require_data_stream" && SupportsRequireDataStream())
            {
                requireDataStream = value.ToString() is "" or "true";
            }
            else if (key is not ("refresh" or "filter_path" or "pretty" or "timeout"))
            {
                await Json(context, 400, RequestError("illegal_argument_exception", $"request [{request.Path}] contains unrecognized parameter: [{key}]", 400));
                return;
            }
        }

        if (!HasContentType(request))
        {
            await Json(context, 406, """{"error":"Content-Type header is missing","status":406}""");
            return;
        }

        byte[] body = await ReadBodyAsync(request);
        if (!await WaitWhileHeldAsync(context)) return;
        if (Roll(ResetBeforeRate))
        {
            context.Abort();
            return;
        }

        if (Roll(RequestRejectRate))
        {
            await Json(context, 429, RequestError("es_rejected_execution_exception", "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1, max_coordinating_and_primary_bytes=0]", 429));
            return;
        }

        if (Roll(UnavailableRate))
        {
            await Json(context, 503, RequestError("cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];", 503));
            return;
        }

        if (body.Length == 0)
        {
            await Json(context, 400, RequestError("parse_exception", "request body is required", 400));
            return;
        }

        if (body[^1] != (byte)'\n')
        {
            await Json(context, 400, RequestError("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]", 400));
            return;
        }

        var lines = Split(body);
        var operations = new List<FakeOperation>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Length == 0) continue;
            var operation = ParseAction(lines[i], i + 1, pathTarget);
            if (operation.Problem is { } problem)
            {
                await Json(context, 400, RequestError("illegal_argument_exception", problem, 400));
                return;
            }

            if (operation.Op != "delete")
            {
                if (i + 1 >= lines.Count)
                {
                    await Json(context, 400, RequestError("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]", 400));
                    return;
                }

                operation = operation with { Source = lines[++i] };
            }

            operations.Add(operation);
        }

        lock (_diceGate) LargestBulk = (Math.Max(LargestBulk.Operations, operations.Count), Math.Max(LargestBulk.Bytes, body.Length));

        var items = new List<string>(operations.Count);
        bool errors = false;
        foreach (var operation in operations)
        {
            var result = Roll(ItemRejectRate)
                ? new FakeItemResult(operation.Index ?? "", operation.Id ?? "", 429, new FakeItemError(429, "es_rejected_execution_exception", "rejected execution of primary operation [shard_detail=[" + operation.Index + "][0]] on EsThreadPoolExecutor[name = fake-node-1/write, queue capacity = 10000]"))
                : Store.Write(operation, requireDataStream);
            errors |= result.Error is not null;
            items.Add(ItemJson(operation.Op, result, items.Count % 2 == 0));
        }

        if (Roll(ResetAfterRate))
        {
            context.Abort();
            return;
        }

        // Field order varies between Elasticsearch versions; alternate it so a client cannot depend on one.
        string joined = string.Join(',', items);
        string response = BulkRequests % 2 == 0
            ? $$"""{"errors":{{(errors ? "true" : "false")}},"took":3,"items":[{{joined}}]}"""
            : $$"""{"took":3,"items":[{{joined}}],"errors":{{(errors ? "true" : "false")}}}""";
        await Json(context, 200, response);
    }

    private bool SupportsRequireDataStream()
    {
        var parts = _options.Version.Split('.');
        int major = int.Parse(parts[0], CultureInfo.InvariantCulture), minor = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return major > 8 || (major == 8 && minor >= 13);
    }

    private static FakeOperation ParseAction(byte[] line, int number, string? pathTarget)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return new FakeOperation("", null, null, null, $"Malformed action/metadata line [{number}], expected START_OBJECT but found [{root.ValueKind}]");
            var props = root.EnumerateObject().ToList();
            if (props.Count != 1 || props[0].Value.ValueKind != JsonValueKind.Object)
            {
                return new FakeOperation("", null, null, null, $"Malformed action/metadata line [{number}], expected a simple value for field [{props.FirstOrDefault().Name}] but found [START_OBJECT]");
            }

            string op = props[0].Name;
            if (op is not ("create" or "index" or "update" or "delete")) return new FakeOperation("", null, null, null, $"Malformed action/metadata line [{number}], expected field [create], [delete], [index] or [update] but found [{op}]");
            string? index = pathTarget, id = null;
            foreach (var meta in props[0].Value.EnumerateObject())
            {
                switch (meta.Name)
                {
                    case "_index": index = meta.Value.GetString(); break;
                    case "_id": id = meta.Value.GetString(); break;
                    case "routing" or "pipeline" or "require_alias" or "dynamic_templates" or "require_data_stream" or "op_type" or "version" or "version_type" or "if_seq_no" or "if_primary_term":
                        break;
                    default:
                        return new FakeOperation("", null, null, null, $"Action/metadata line [{number}] contains an unknown parameter [{meta.Name}]");
                }
            }

            return index is null
                ? new FakeOperation(op, null, id, null, "Validation Failed: 1: index is missing;")
                : new FakeOperation(op, index, id, null, null);
        }
        catch (JsonException e)
        {
            return new FakeOperation("", null, null, null, $"Malformed action/metadata line [{number}], expected START_OBJECT or END_OBJECT but found [{e.Message}]");
        }
    }

    private static string ItemJson(string op, FakeItemResult r, bool statusFirst)
    {
        var sb = new StringBuilder();
        sb.Append("{\"").Append(op).Append("\":{");
        if (statusFirst) sb.Append("\"status\":").Append(r.Status).Append(',');
        sb.Append("\"_index\":\"").Append(Escape(r.Index)).Append("\",\"_id\":\"").Append(Escape(r.Id)).Append('"');
        if (r.Error is { } e)
        {
            sb.Append(",\"error\":{\"type\":\"").Append(e.Type).Append("\",\"reason\":\"").Append(Escape(e.Reason)).Append('"');
            if (e.CauseType is not null) sb.Append(",\"caused_by\":{\"type\":\"").Append(e.CauseType).Append("\",\"reason\":\"").Append(Escape(e.CauseReason ?? "")).Append("\"}");
            sb.Append('}');
        }
        else
        {
            sb.Append(",\"_version\":1,\"result\":\"created\",\"_shards\":{\"total\":2,\"successful\":1,\"failed\":0},\"_seq_no\":").Append(r.SeqNo).Append(",\"_primary_term\":1");
        }

        if (!statusFirst) sb.Append(",\"status\":").Append(r.Status);
        sb.Append("}}");
        return sb.ToString();
    }

    private static bool HasContentType(HttpRequest request) => !string.IsNullOrEmpty(request.ContentType);

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static List<byte[]> Split(byte[] body)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)'\n') continue;
            lines.Add(body[start..i]);
            start = i + 1;
        }

        return lines;
    }

    internal static string RequestError(string type, string reason, int status)
    {
        string e = Escape(reason);
        return $$"""{"error":{"root_cause":[{"type":"{{type}}","reason":"{{e}}"}],"type":"{{type}}","reason":"{{e}}"},"status":{{status}}}""";
    }

    internal static string Escape(string text) => JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    private static async Task Json(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (context.Request.Method == "HEAD") return;
        await context.Response.WriteAsync(body);
    }
}

/// <summary>One parsed bulk operation.</summary>
internal sealed record FakeOperation(string Op, string? Index, string? Id, byte[]? Source, string? Problem);

/// <summary>One bulk item's outcome.</summary>
internal sealed record FakeItemResult(string Index, string Id, int Status, FakeItemError? Error, long SeqNo = 0);

/// <summary>A stream or index and its documents.</summary>
internal sealed class FakeIndex(string name, string backingIndex, bool isDataStream, FakeMapping mapping, string? template)
{
    public string Name { get; } = name;

    public string BackingIndex { get; } = backingIndex;

    public bool IsDataStream { get; } = isDataStream;

    public FakeMapping Mapping { get; } = mapping;

    public string? Template { get; } = template;

    /// <summary>_id → source, in arrival order.</summary>
    public Dictionary<string, byte[]> Documents { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Constants { get; } = new(StringComparer.Ordinal);

    public HashSet<string> UnmappedFields { get; } = new(StringComparer.Ordinal);
}

/// <summary>The fake's state; thread-safe; survives a server restart.</summary>
internal sealed class FakeStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _components = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _templates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeIndex> _indices = new(StringComparer.Ordinal);
    private long _seqNo;
    private long _conflicts;

    /// <summary>Documents stored, in all indices together.</summary>
    public long DocumentCount
    {
        get
        {
            lock (_gate) return _indices.Values.Sum(i => i.Documents.Count);
        }
    }

    /// <summary>create operations answered 409 because their _id was already stored.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    public IReadOnlyDictionary<string, string> Policies
    {
        get
        {
            lock (_gate) return new Dictionary<string, string>(_policies);
        }
    }

    public IReadOnlyDictionary<string, string> ComponentTemplates
    {
        get
        {
            lock (_gate) return new Dictionary<string, string>(_components);
        }
    }

    public IReadOnlyDictionary<string, string> IndexTemplates
    {
        get
        {
            lock (_gate) return new Dictionary<string, string>(_templates);
        }
    }

    public FakeIndex? Index(string name)
    {
        lock (_gate) return _indices.GetValueOrDefault(name);
    }

    public IReadOnlyList<string> IndexNames
    {
        get
        {
            lock (_gate) return [.. _indices.Keys];
        }
    }

    /// <summary>Documents of a stream or index: _id → parsed source.</summary>
    public Dictionary<string, JsonElement> Documents(string name)
    {
        lock (_gate)
        {
            var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            if (_indices.TryGetValue(name, out var index))
            {
                foreach (var (id, source) in index.Documents) result[id] = JsonDocument.Parse(source).RootElement.Clone();
            }

            return result;
        }
    }

    public long? Count(string name)
    {
        lock (_gate) return _indices.TryGetValue(name, out var index) ? index.Documents.Count : null;
    }

    public string? PutPolicy(string name, JsonElement body)
    {
        if (!body.TryGetProperty("policy", out var policy) || !policy.TryGetProperty("phases", out _)) return "[put_lifecycle_request] policy must have phases";
        lock (_gate) _policies[name] = body.GetRawText();
        return null;
    }

    public string? GetPolicy(string name)
    {
        lock (_gate) return _policies.TryGetValue(name, out var body) ? $$$"""{"{{{name}}}":{"version":1,"policy":{{{JsonDocument.Parse(body).RootElement.GetProperty("policy").GetRawText()}}}}}""" : null;
    }

    public string? PutComponentTemplate(string name, JsonElement body)
    {
        if (!body.TryGetProperty("template", out var template) || template.ValueKind != JsonValueKind.Object) return "[component_template] template is required";
        lock (_gate) _components[name] = body.GetRawText();
        return null;
    }

    public string? GetComponentTemplate(string name)
    {
        lock (_gate) return _components.TryGetValue(name, out var body) ? $$"""{"component_templates":[{"name":"{{name}}","component_template":{{body}}}]}""" : null;
    }

    public string? PutIndexTemplate(string name, JsonElement body)
    {
        if (!body.TryGetProperty("index_patterns", out var patterns)) return $"index_template [{name}] invalid, cause [index patterns are missing]";
        lock (_gate)
        {
            if (body.TryGetProperty("composed_of", out var composed))
            {
                var missing = composed.EnumerateArray().Select(c => c.GetString()!).Where(c => !_components.ContainsKey(c)).ToList();
                if (missing.Count > 0) return $"index_template [{name}] invalid, cause [index template [{name}] specifies component templates [{string.Join(", ", missing)}] that do not exist]";
            }

            _ = patterns;
            _templates[name] = body.GetRawText();
        }

        return null;
    }

    public string? GetIndexTemplate(string name)
    {
        lock (_gate) return _templates.TryGetValue(name, out var body) ? $$"""{"index_templates":[{"name":"{{name}}","index_template":{{body}}}]}""" : null;
    }

    public string? GetDataStream(string name)
    {
        lock (_gate)
        {
            if (!_indices.TryGetValue(name, out var index) || !index.IsDataStream) return null;
            return $$"""{"data_streams":[{"name":"{{name}}","timestamp_field":{"name":"@timestamp"},"indices":[{"index_name":"{{index.BackingIndex}}"}],"generation":1,"status":"GREEN","template":"{{index.Template}}","ilm_policy":"idshalfopen","hidden":false,"system":false}]}""";
        }
    }

    public bool DeleteDataStream(string name)
    {
        lock (_gate) return _indices.TryGetValue(name, out var index) && index.IsDataStream && _indices.Remove(name);
    }

    /// <summary>Carries out one bulk operation as Elasticsearch would.</summary>
    public FakeItemResult Write(FakeOperation operation, bool requireDataStream)
    {
        string name = operation.Index!;
        lock (_gate)
        {
            if (!_indices.TryGetValue(name, out var index))
            {
                var (templateName, template) = MatchTemplate(name);
                bool isDataStream = template is { } t && t.TryGetProperty("data_stream", out _);
                if (!isDataStream && requireDataStream)
                {
                    return new FakeItemResult(name, operation.Id ?? "", 404, new FakeItemError(404, "index_not_found_exception", $"no such index [{name}] and the index creation request requires a data stream"));
                }

                if (isDataStream && operation.Op != "create")
                {
                    return OnlyCreate(operation, name);
                }

                var mapping = Compose(template);
                if (isDataStream && !mapping.Fields.ContainsKey("@timestamp")) mapping.Fields["@timestamp"] = ("date", null);
                string backing = isDataStream ? $".ds-{name}-{DateTime.UtcNow:yyyy.MM.dd}-000001" : name;
                index = new FakeIndex(name, backing, isDataStream, mapping, templateName);
                _indices[name] = index;
            }
            else if (requireDataStream && !index.IsDataStream)
            {
                return new FakeItemResult(name, operation.Id ?? "", 404, new FakeItemError(404, "index_not_found_exception", $"[require_data_stream] request flag is [true] and [{name}] is not a data stream"));
            }

            if (index.IsDataStream && operation.Op != "create") return OnlyCreate(operation, index.BackingIndex);
            string id = operation.Id ?? Guid.NewGuid().ToString("N")[..20];
            if (operation.Op == "create" && index.Documents.ContainsKey(id))
            {
                Interlocked.Increment(ref _conflicts);
                return new FakeItemResult(index.BackingIndex, id, 409, new FakeItemError(409, "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [1])"));
            }

            if (index.Mapping.Validate(operation.Source!, id, index.IsDataStream, index.Constants, index.UnmappedFields) is { } error)
            {
                return new FakeItemResult(index.BackingIndex, id, error.Status, error);
            }

            index.Documents[id] = operation.Source!;
            return new FakeItemResult(index.BackingIndex, id, 201, null, _seqNo++);
        }
    }

    private static FakeItemResult OnlyCreate(FakeOperation operation, string index) =>
        new(index, operation.Id ?? "", 400, new FakeItemError(400, "illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams"));

    /// <summary>The highest-priority index template whose pattern matches.</summary>
    private (string? Name, JsonElement? Body) MatchTemplate(string index)
    {
        string? best = null;
        JsonElement? bestBody = null;
        long bestPriority = long.MinValue;
        foreach (var (name, text) in _templates)
        {
            var body = JsonDocument.Parse(text).RootElement.Clone();
            var patterns = body.GetProperty("index_patterns");
            var list = patterns.ValueKind == JsonValueKind.Array ? patterns.EnumerateArray().Select(p => p.GetString()!).ToList() : [patterns.GetString()!];
            if (!list.Any(p => Glob(p, index))) continue;
            long priority = body.TryGetProperty("priority", out var pr) ? pr.GetInt64() : 0;
            if (priority > bestPriority)
            {
                bestPriority = priority;
                best = name;
                bestBody = body;
            }
        }

        return (best, bestBody);
    }

    private FakeMapping Compose(JsonElement? template)
    {
        var mapping = new FakeMapping();
        if (template is not { } t) return mapping;
        if (t.TryGetProperty("composed_of", out var composed))
        {
            foreach (var component in composed.EnumerateArray())
            {
                var body = JsonDocument.Parse(_components[component.GetString()!]).RootElement;
                Apply(mapping, body.GetProperty("template"));
            }
        }

        if (t.TryGetProperty("template", out var own)) Apply(mapping, own);
        return mapping;

        static void Apply(FakeMapping mapping, JsonElement template)
        {
            if (template.TryGetProperty("mappings", out var mappings)) mapping.Merge(mappings);
            if (template.TryGetProperty("settings", out var settings) && IgnoreMalformed(settings) is { } ignore) mapping.IgnoreMalformed = ignore;
        }

        static bool? IgnoreMalformed(JsonElement settings)
        {
            foreach (var path in new[] { new[] { "index", "mapping", "ignore_malformed" }, ["index.mapping.ignore_malformed"], ["index", "mapping.ignore_malformed"] })
            {
                var e = settings;
                bool found = true;
                foreach (var part in path)
                {
                    if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
                    {
                        found = false;
                        break;
                    }
                }

                if (found) return e.ValueKind == JsonValueKind.True || (e.ValueKind == JsonValueKind.String && e.GetString() == "true");
            }

            return null;
        }
    }

    private static bool Glob(string pattern, string text)
    {
        var parts = pattern.Split('*');
        if (parts.Length == 1) return pattern == text;
        if (!text.StartsWith(parts[0], StringComparison.Ordinal) || !text.EndsWith(parts[^1], StringComparison.Ordinal)) return false;
        int at = parts[0].Length;
        for (int i = 1; i < parts.Length - 1; i++)
        {
            int found = text.IndexOf(parts[i], at, StringComparison.Ordinal);
            if (found < 0) return false;
            at = found + parts[i].Length;
        }

        return at <= text.Length - parts[^1].Length;
    }
}
