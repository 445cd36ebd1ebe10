using System.Text;
using IdsHalfOpen.Output.Kibana;

namespace IdsHalfOpen.Output.Tests.Kibana;

public class KibanaImportClientTests
{
    internal const string SuccessAnswer =
        """{"successCount":2,"success":true,"warnings":[],"successResults":[{"type":"index-pattern","id":"idshalfopen-alerts","meta":{"title":"logs-idshalfopen.alert-*","icon":"indexPatternApp"},"overwrite":true},{"type":"dashboard","id":"idshalfopen-soc","meta":{"title":"SOC","icon":"dashboardApp"}}]}""";

    internal const string ErrorAnswer =
        """{"success":false,"successCount":1,"successResults":[{"type":"index-pattern","id":"idshalfopen-alerts","meta":{"title":"alerts"}}],"errors":[{"id":"idshalfopen-lens-attacks","type":"lens","meta":{"title":"Attacks","icon":"lensApp"},"error":{"type":"missing_references","references":[{"type":"index-pattern","id":"gone"},{"type":"index-pattern","id":"also-gone"}]}},{"id":"x1","type":"canvas-workpad","title":"Old","error":{"type":"unsupported_type"}},{"id":"x2","type":"search","meta":{"title":"S"},"error":{"type":"unknown","message":"mapping clash","statusCode":400}}]}""";

    private static readonly byte[] s_ndjson = KibanaDashboards.ReadNdjson();

    private static async Task<(KibanaImportResult Result, RecordedRequest Request)> ImportAsync(CannedAnswer answer, KibanaCredentials credentials, string path = "", string? space = null)
    {
        using var server = new LoopbackKibana(answer);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var client = new KibanaImportClient(http, new Uri(server.Url, path), credentials, space);
        var result = await client.ImportAsync(s_ndjson, KibanaDashboards.FileName);
        return (result, Assert.Single(server.Requests));
    }

    [Fact]
    public async Task ImportAsync_BasicCredentials_SendsTheMultipartImportRequest()
    {
        var (result, request) = await ImportAsync(new CannedAnswer(200, SuccessAnswer), KibanaCredentials.Basic("elastic", "pa:ss wörd"));

        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/saved_objects/_import?overwrite=true", request.PathAndQuery);
        Assert.Equal("true", request.Header("kbn-xsrf"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:pa:ss wörd")), request.Header("Authorization"));

        string contentType = request.Header("Content-Type")!;
        Assert.StartsWith("multipart/form-data;", contentType, StringComparison.Ordinal);
        string boundary = Multipart.Boundary(contentType)!;
        Assert.False(string.IsNullOrEmpty(boundary));
        Assert.DoesNotContain('"', contentType); // plain token, as curl sends it
        Assert.Equal(request.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Header("Content-Length"));

        var part = Assert.Single(Multipart.Parse(request.Body, boundary));
        string disposition = part.Headers["Content-Disposition"];
        Assert.StartsWith("form-data", disposition, StringComparison.Ordinal);
        Assert.Equal("file", Multipart.DispositionParameter(disposition, "name"));
        string fileName = Multipart.DispositionParameter(disposition, "filename")!;
        Assert.EndsWith(".ndjson", fileName, StringComparison.Ordinal);
        Assert.Equal(KibanaDashboards.FileName, fileName);
        Assert.Equal(s_ndjson, part.Content);

        Assert.True(result.IsComplete);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(2, result.SuccessCount);
        Assert.Equal(["index-pattern", "dashboard"], result.Imported.Select(o => o.Type));
        Assert.Equal("logs-idshalfopen.alert-*", result.Imported[0].Title);
        Assert.True(result.Imported[0].Overwrite);
        Assert.False(result.Imported[1].Overwrite);
    }

    [Fact]
    public async Task ImportAsync_ApiKey_SendsApiKeyAuthorization()
    {
        var (_, request) = await ImportAsync(new CannedAnswer(200, SuccessAnswer), KibanaCredentials.ApiKey("VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="));

        Assert.Equal("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", request.Header("Authorization"));
    }

    [Fact]
    public async Task ImportAsync_NoCredentials_SendsNoAuthorization()
    {
        var (_, request) = await ImportAsync(new CannedAnswer(200, SuccessAnswer), KibanaCredentials.None);

        Assert.Null(request.Header("Authorization"));
        Assert.Equal("true", request.Header("kbn-xsrf"));
    }

    [Theory]
    [InlineData("kibana", null, "/kibana/api/saved_objects/_import?overwrite=true")]
    [InlineData("kibana/", "soc-team", "/kibana/s/soc-team/api/saved_objects/_import?overwrite=true")]
    [InlineData("", "default", "/api/saved_objects/_import?overwrite=true")]
    public async Task ImportAsync_BasePathAndSpace_ArePartOfThePath(string basePath, string? space, string expected)
    {
        var (_, request) = await ImportAsync(new CannedAnswer(200, SuccessAnswer), KibanaCredentials.None, basePath, space);

        Assert.Equal(expected, request.PathAndQuery);
    }

    [Fact]
    public async Task ImportAsync_PerObjectErrors_AreEachReported()
    {
        var (result, _) = await ImportAsync(new CannedAnswer(200, ErrorAnswer), KibanaCredentials.None);

        Assert.Null(result.Failure);
        Assert.False(result.Success);
        Assert.False(result.IsComplete);
        Assert.Equal(1, result.SuccessCount);
        Assert.Equal(3, result.Errors.Count);
        Assert.Equal(new KibanaImportError("lens", "idshalfopen-lens-attacks", "Attacks", "missing_references", "missing references: index-pattern:gone, index-pattern:also-gone"), result.Errors[0]);
        Assert.Equal(("canvas-workpad", "Old", "unsupported_type"), (result.Errors[1].Type, result.Errors[1].Title, result.Errors[1].ErrorType));
        Assert.Equal("mapping clash", result.Errors[2].Detail);
        Assert.Equal("lens idshalfopen-lens-attacks (\"Attacks\"): missing_references: missing references: index-pattern:gone, index-pattern:also-gone", result.Errors[0].ToString());
    }

    [Fact]
    public async Task ImportAsync_HttpErrorStatus_ReportsStatusAndKibanaMessage()
    {
        var (result, _) = await ImportAsync(new CannedAnswer(401, """{"statusCode":401,"error":"Unauthorized","message":"[security_exception]: unable to authenticate user [elastic]"}"""), KibanaCredentials.Basic("elastic", "wrong"));

        Assert.False(result.IsComplete);
        Assert.Equal(401, result.StatusCode);
        Assert.Equal("HTTP 401 Unauthorized: [security_exception]: unable to authenticate user [elastic]", result.Failure);
    }

    [Fact]
    public async Task ImportAsync_PlainTextAnswer_ReportsItsFirstLine()
    {
        var (result, _) = await ImportAsync(new CannedAnswer(503, "Kibana server is not ready yet\nsecond line", "text/plain"), KibanaCredentials.None);

        Assert.Equal("HTTP 503: Kibana server is not ready yet", result.Failure);
    }

    [Fact]
    public async Task ImportAsync_SuccessStatusWithoutImportAnswer_IsAFailure()
    {
        var (result, _) = await ImportAsync(new CannedAnswer(200, """{"hello":"world"}"""), KibanaCredentials.None);

        Assert.NotNull(result.Failure);
        Assert.Contains("not an import answer", result.Failure, StringComparison.Ordinal);
        Assert.False(result.IsComplete);
    }

    [Fact]
    public async Task ImportAsync_NothingListening_ReportsUnreachable()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var client = new KibanaImportClient(http, new Uri($"http://127.0.0.1:{LoopbackKibana.FreePort()}/"), KibanaCredentials.None);

        var result = await client.ImportAsync(s_ndjson, KibanaDashboards.FileName);

        Assert.Equal(0, result.StatusCode);
        Assert.StartsWith("cannot reach Kibana at http://127.0.0.1:", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportAsync_NoAnswerInTime_ReportsTheTimeout()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, SuccessAnswer, Delay: TimeSpan.FromSeconds(3)));
        using var http = new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) };
        var client = new KibanaImportClient(http, server.Url, KibanaCredentials.None);

        var result = await client.ImportAsync(s_ndjson, KibanaDashboards.FileName);

        Assert.Equal("no answer from Kibana at " + server.Url + " within 0.3 s", result.Failure);
    }

    [Fact]
    public async Task ImportAsync_FileNameWithoutNdjson_IsRejectedBeforeSending()
    {
        using var http = new HttpClient();
        var client = new KibanaImportClient(http, new Uri("http://127.0.0.1:9/"), KibanaCredentials.None);

        await Assert.ThrowsAsync<ArgumentException>(() => client.ImportAsync(s_ndjson, "objects.json"));
    }

    [Theory]
    [InlineData("http://kibana:5601", "http://kibana:5601/")]
    [InlineData("https://siem.example/kibana", "https://siem.example/kibana/")]
    [InlineData(" http://127.0.0.1:5601/ ", "http://127.0.0.1:5601/")]
    public void TryParseBaseUrl_GoodUrl_EndsInSlash(string text, string expected)
    {
        Assert.True(KibanaImportClient.TryParseBaseUrl(text, out var url, out _));
        Assert.Equal(expected, url.ToString());
    }

    [Theory]
    [InlineData("kibana:5601")]
    [InlineData("ftp://kibana/")]
    [InlineData("/relative")]
    [InlineData("")]
    [InlineData("http://kibana:5601/?x=1")]
    [InlineData("http://elastic:hunter2@kibana:5601/")]
    public void TryParseBaseUrl_BadUrl_ExplainsWithoutEchoingIt(string text)
    {
        Assert.False(KibanaImportClient.TryParseBaseUrl(text, out _, out var error));
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
        Assert.Contains("URL", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("soc_team-2", true)]
    [InlineData("SOC", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void IsValidSpaceId_Cases(string space, bool valid) => Assert.Equal(valid, KibanaImportClient.IsValidSpaceId(space));

    [Fact]
    public void Credentials_ToString_NeverShowsTheSecret()
    {
        Assert.Equal("basic authentication as elastic", KibanaCredentials.Basic("elastic", "hunter2").ToString());
        Assert.Equal("API key", KibanaCredentials.ApiKey("c2VjcmV0OmtleQ==").ToString());
        Assert.Equal("no authentication", KibanaCredentials.None.ToString());
    }
}
