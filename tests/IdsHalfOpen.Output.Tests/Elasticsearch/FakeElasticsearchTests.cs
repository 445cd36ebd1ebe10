using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>The fake's wire behaviour against the design note, over plain HttpClient: the double must be right before it can judge the client.</summary>
public sealed class FakeElasticsearchTests : IAsyncLifetime
{
    private FakeElasticsearch _fake = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(new EsOptions { Url = _fake.Url.ToString() });
        await EsSetup.InstallAsync(connection);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, string? body = null, string? contentType = "application/x-ndjson")
    {
        using var request = new HttpRequestMessage(method, new Uri(_fake.Url, path));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var response = await _http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static string Alert(string id, string extra = "") =>
        $$$"""{"create":{"_index":"logs-idshalfopen.alert-default","_id":"{{{id}}}"}}""" + "\n" +
        $$$"""{"@timestamp":"2024-05-01T12:00:00.123456789Z","source":{"ip":"192.0.2.1"},"idshalfopen":{"sequence":3}{{{extra}}},"data_stream":{"type":"logs","dataset":"idshalfopen.alert","namespace":"default"}}""" + "\n";

    [Fact]
    public async Task Info_Get_ProductHeaderAndBody()
    {
        var (status, body, response) = await Send(HttpMethod.Get, "/");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Elasticsearch", Assert.Single(response.Headers.GetValues("X-Elastic-Product")));
        Assert.Equal("You Know, for Search", body.GetProperty("tagline").GetString());
        Assert.Equal("default", body.GetProperty("version").GetProperty("build_flavor").GetString());
        _fake.SendProductHeader = false;
        (_, _, response) = await Send(HttpMethod.Get, "/");
        Assert.False(response.Headers.Contains("X-Elastic-Product"));
    }

    [Fact]
    public async Task Bulk_NoContentType_406()
    {
        var (status, body, _) = await Send(HttpMethod.Post, "/_bulk", Alert("a"), contentType: null);
        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        Assert.Equal("Content-Type header is missing", body.GetProperty("error").GetString());
        Assert.Equal(406, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Bulk_NoFinalNewline_400()
    {
        var (status, body, _) = await Send(HttpMethod.Post, "/_bulk", Alert("a").TrimEnd('\n'));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("The bulk request must be terminated by a newline [\\n]", body.GetProperty("error").GetProperty("reason").GetString());
        Assert.Equal(0, _fake.Store.Count("logs-idshalfopen.alert-default") ?? 0);
    }

    [Fact]
    public async Task Bulk_CreateTwice_201Then409AndOneDocument()
    {
        var (_, first, _) = await Send(HttpMethod.Post, "/_bulk?require_data_stream=true", Alert("a") + Alert("b"));
        Assert.False(first.GetProperty("errors").GetBoolean());
        Assert.All(first.GetProperty("items").EnumerateArray(), i => Assert.Equal(201, i.GetProperty("create").GetProperty("status").GetInt32()));
        Assert.StartsWith(".ds-logs-idshalfopen.alert-default-", first.GetProperty("items")[0].GetProperty("create").GetProperty("_index").GetString(), StringComparison.Ordinal);
        var (_, second, _) = await Send(HttpMethod.Post, "/_bulk?require_data_stream=true", Alert("a"));
        Assert.True(second.GetProperty("errors").GetBoolean());
        var item = second.GetProperty("items")[0].GetProperty("create");
        Assert.Equal(409, item.GetProperty("status").GetInt32());
        Assert.Equal("version_conflict_engine_exception", item.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(2, _fake.Store.Count("logs-idshalfopen.alert-default"));
        Assert.NotNull(_fake.Store.GetDataStream("logs-idshalfopen.alert-default"));
    }

    [Fact]
    public async Task Bulk_HoldBulksAfterReached_UnansweredUntilReleased()
    {
        _fake.HoldBulksAfter = 1;
        var (status, _, _) = await Send(HttpMethod.Post, "/_bulk", Alert("a"));
        Assert.Equal(HttpStatusCode.OK, status);
        var held = Send(HttpMethod.Post, "/_bulk", Alert("b") + Alert("a"));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (_fake.HeldBulks == 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
        Assert.Equal(1, _fake.HeldBulks);
        Assert.False(held.IsCompleted);
        Assert.Equal(1, _fake.Store.DocumentCount);

        _fake.HoldBulksAfter = null;
        var (_, answer, _) = await held.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([201, 409], answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("create").GetProperty("status").GetInt32()));
        Assert.Equal((2L, 1L, 0L), (_fake.Store.DocumentCount, _fake.Store.Conflicts, _fake.HeldBulks));
    }

    [Fact]
    public async Task Bulk_IndexAction_PerItem400WithExactReason()
    {
        string body = Alert("a").Replace("{\"create\":", "{\"index\":", StringComparison.Ordinal);
        var (status, answer, _) = await Send(HttpMethod.Post, "/_bulk", body);
        Assert.Equal(HttpStatusCode.OK, status);
        var item = answer.GetProperty("items")[0].GetProperty("index");
        Assert.Equal(400, item.GetProperty("status").GetInt32());
        Assert.Equal("illegal_argument_exception", item.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("only write ops with an op_type of create are allowed in data streams", item.GetProperty("error").GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData(",\"destination\":{\"port\":\"eighty\"}", "destination.port", "long")]
    [InlineData(",\"related\":{\"ip\":[\"10.0.0.1\",\"10.0.0\"]}", "related.ip", "ip")]
    [InlineData(",\"event\":{\"start\":\"yesterday\"}", "event.start", "date_nanos")]
    [InlineData(",\"event\":{\"severity\":\"high\"},\"observer\":{\"hostname\":\"h\"}", "event.severity", "long")]
    public async Task Bulk_WrongTypeForMapping_DocumentParsingException(string extra, string field, string type)
    {
        var (_, answer, _) = await Send(HttpMethod.Post, "/_bulk", Alert("bad", extra));
        var error = answer.GetProperty("items")[0].GetProperty("create");
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        Assert.Equal("document_parsing_exception", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains($"failed to parse field [{field}] of type [{type}] in document with id 'bad'", error.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _fake.Store.Count("logs-idshalfopen.alert-default") ?? 0);
    }

    [Fact]
    public async Task Bulk_WrongConstantKeyword_Rejected()
    {
        string body = Alert("a").Replace("\"dataset\":\"idshalfopen.alert\"", "\"dataset\":\"other\"", StringComparison.Ordinal);
        var (_, answer, _) = await Send(HttpMethod.Post, "/_bulk", body);
        var error = answer.GetProperty("items")[0].GetProperty("create").GetProperty("error");
        Assert.Contains("[constant_keyword] field [data_stream.dataset] only accepts values that are equal to the value defined in the mappings [idshalfopen.alert], but got [other]", error.GetProperty("caused_by").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_RequireDataStreamWithoutTemplate_404AndNoIndex()
    {
        string body = "{\"create\":{\"_index\":\"other-stream\",\"_id\":\"1\"}}\n{\"@timestamp\":\"2024-01-01T00:00:00Z\"}\n";
        var (_, answer, _) = await Send(HttpMethod.Post, "/_bulk?require_data_stream=true", body);
        var item = answer.GetProperty("items")[0].GetProperty("create");
        Assert.Equal(404, item.GetProperty("status").GetInt32());
        Assert.Equal("index_not_found_exception", item.GetProperty("error").GetProperty("type").GetString());
        Assert.Null(_fake.Store.Index("other-stream"));
        await Send(HttpMethod.Post, "/_bulk", body);
        Assert.False(_fake.Store.Index("other-stream")!.IsDataStream);
    }

    [Fact]
    public async Task Templates_Put_AcknowledgedAndStored()
    {
        Assert.Equal(7, _fake.Store.Policies.Count + _fake.Store.ComponentTemplates.Count + _fake.Store.IndexTemplates.Count);
        var (status, body, _) = await Send(HttpMethod.Put, "/_index_template/broken", """{"index_patterns":["x-*"],"composed_of":["missing@c"]}""", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("specifies component templates [missing@c] that do not exist", body.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        var (ok, ack, _) = await Send(HttpMethod.Put, "/_ilm/policy/p", """{"policy":{"phases":{}}}""", "application/json");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(ack.GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task Security_NoOrWrongCredentials_401SecurityException()
    {
        await using var secured = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Username = "elastic", Password = "right" });
        using var request = new HttpRequestMessage(HttpMethod.Get, secured.Url);
        var response = await _http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("security_exception", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("missing authentication credentials for REST request [/]", body.GetProperty("error").GetProperty("reason").GetString());
        Assert.Equal(401, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Faults_Reset_ConnectionAborted()
    {
        _fake.ResetBeforeRate = 1;
        await Assert.ThrowsAsync<HttpRequestException>(() => Send(HttpMethod.Post, "/_bulk", Alert("a")));
        _fake.ResetBeforeRate = 0;
        _fake.RequestRejectRate = 1;
        var (status, _, _) = await Send(HttpMethod.Post, "/_bulk", Alert("a"));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
    }
}
