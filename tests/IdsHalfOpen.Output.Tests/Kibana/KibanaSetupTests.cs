using System.Text;
using IdsHalfOpen.Output.Kibana;

namespace IdsHalfOpen.Output.Tests.Kibana;

public sealed class KibanaSetupTests : IDisposable
{
    private const string Secret = "Sup3r-Secret-Pa55";
    private const string Key = "QmFzZTY0S2V5OnNlY3JldC1hcGkta2V5LXZhbHVl";

    private readonly string _dir = Directory.CreateTempSubdirectory("idshalfopen-kibana-").FullName;
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _stdout.Dispose();
        _stderr.Dispose();
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }

    private Task<KibanaSetupOutcome> RunAsync(KibanaSetupArguments arguments, Func<string, string?> environment) =>
        KibanaSetup.RunAsync(arguments, environment, _stdout, _stderr, CancellationToken.None);

    private string Output => _stdout.ToString() + _stderr.ToString();

    private void AssertNoSecretPrinted()
    {
        Assert.DoesNotContain(Secret, Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:" + Secret)), Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EnvironmentOnly_ImportsTheBuiltInObjectsWithBasicAuth()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.SuccessAnswer));

        var outcome = await RunAsync(new KibanaSetupArguments(), Env(
            (KibanaSetup.UrlVariable, server.Url.ToString()), (KibanaSetup.UsernameVariable, "elastic"), (KibanaSetup.PasswordVariable, Secret)));

        Assert.Equal(KibanaSetupOutcome.Imported, outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("elastic:" + Secret)), request.Header("Authorization"));
        var part = Assert.Single(Multipart.Parse(request.Body, Multipart.Boundary(request.Header("Content-Type")!)!));
        Assert.Equal(KibanaDashboards.ReadNdjson(), part.Content);
        Assert.Contains($"kibana: imported 2 objects from {KibanaDashboards.FileName} into {server.Url} (1 dashboard, 1 index-pattern)", _stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains($"kibana: dashboard \"SOC\": {server.Url}app/dashboards#/view/idshalfopen-soc", _stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal("", _stderr.ToString());
        AssertNoSecretPrinted();
    }

    [Fact]
    public async Task RunAsync_OptionsAndEnvironment_OptionsWinValueByValue()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.SuccessAnswer));

        var outcome = await RunAsync(
            new KibanaSetupArguments { Url = server.Url.ToString(), Username = "ids-setup", Space = "soc" },
            Env((KibanaSetup.UrlVariable, "http://127.0.0.1:1/"), (KibanaSetup.UsernameVariable, "elastic"), (KibanaSetup.PasswordVariable, Secret), (KibanaSetup.SpaceVariable, "other")));

        Assert.Equal(KibanaSetupOutcome.Imported, outcome);
        var request = Assert.Single(server.Requests);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("ids-setup:" + Secret)), request.Header("Authorization"));
        Assert.Equal("/s/soc/api/saved_objects/_import?overwrite=true", request.PathAndQuery);
        AssertNoSecretPrinted();
    }

    [Fact]
    public async Task RunAsync_ApiKeyFromEnvironment_SendsApiKey()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.SuccessAnswer));

        var outcome = await RunAsync(new KibanaSetupArguments { Url = server.Url.ToString() }, Env((KibanaSetup.ApiKeyVariable, Key)));

        Assert.Equal(KibanaSetupOutcome.Imported, outcome);
        Assert.Equal("ApiKey " + Key, Assert.Single(server.Requests).Header("Authorization"));
        AssertNoSecretPrinted();
    }

    [Fact]
    public async Task RunAsync_KibanaReportsErrors_FailsAndPrintsEachError()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.ErrorAnswer));

        var outcome = await RunAsync(new KibanaSetupArguments { Url = server.Url.ToString(), Username = "elastic", Password = Secret }, Env());

        Assert.Equal(KibanaSetupOutcome.Failed, outcome);
        string errors = _stderr.ToString();
        Assert.Contains("idshalfopen: Kibana import error: lens idshalfopen-lens-attacks (\"Attacks\"): missing_references: missing references: index-pattern:gone, index-pattern:also-gone", errors, StringComparison.Ordinal);
        Assert.Contains("canvas-workpad x1 (\"Old\"): unsupported_type", errors, StringComparison.Ordinal);
        Assert.Contains("search x2 (\"S\"): unknown: mapping clash", errors, StringComparison.Ordinal);
        Assert.Contains("Kibana reported 3 error(s); 1 object(s) imported", errors, StringComparison.Ordinal);
        AssertNoSecretPrinted();
    }

    [Fact]
    public async Task RunAsync_Unauthorized_FailsNamingTheUserNotThePassword()
    {
        using var server = new LoopbackKibana(new CannedAnswer(401, """{"statusCode":401,"error":"Unauthorized","message":"[security_exception]: unable to authenticate user [elastic]"}"""));

        var outcome = await RunAsync(new KibanaSetupArguments { Url = server.Url.ToString() }, Env((KibanaSetup.UsernameVariable, "elastic"), (KibanaSetup.PasswordVariable, Secret)));

        Assert.Equal(KibanaSetupOutcome.Failed, outcome);
        Assert.Contains("HTTP 401 Unauthorized", _stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("basic authentication as elastic", _stderr.ToString(), StringComparison.Ordinal);
        AssertNoSecretPrinted();
    }

    [Fact]
    public async Task RunAsync_NothingListening_Fails()
    {
        var outcome = await RunAsync(new KibanaSetupArguments { Url = $"http://127.0.0.1:{LoopbackKibana.FreePort()}", TimeoutSeconds = 10 }, Env());

        Assert.Equal(KibanaSetupOutcome.Failed, outcome);
        Assert.Contains("cannot reach Kibana", _stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FileOption_SendsThatFileUnderItsName()
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.SuccessAnswer));
        string path = Path.Combine(_dir, "custom.ndjson");
        byte[] content = Encoding.UTF8.GetBytes("{\"type\":\"index-pattern\",\"id\":\"x\",\"attributes\":{\"title\":\"x-*\"},\"references\":[]}\n");
        await File.WriteAllBytesAsync(path, content);

        var outcome = await RunAsync(new KibanaSetupArguments { Url = server.Url.ToString(), File = path }, Env());

        Assert.Equal(KibanaSetupOutcome.Imported, outcome);
        var request = Assert.Single(server.Requests);
        var part = Assert.Single(Multipart.Parse(request.Body, Multipart.Boundary(request.Header("Content-Type")!)!));
        Assert.Equal(content, part.Content);
        Assert.Equal("custom.ndjson", Multipart.DispositionParameter(part.Headers["Content-Disposition"], "filename"));
    }

    public static TheoryData<string, KibanaSetupArguments, (string, string)[], string> UsageErrors => new()
    {
        { "key and password", new KibanaSetupArguments { ApiKey = Key }, [(KibanaSetup.UsernameVariable, "elastic"), (KibanaSetup.PasswordVariable, Secret)], "not both" },
        { "password without user", new KibanaSetupArguments { Password = Secret }, [], "without a user name" },
        { "user without password", new KibanaSetupArguments { Username = "elastic" }, [], "user elastic has no password" },
        { "credentials in URL", new KibanaSetupArguments { Url = $"http://elastic:{Secret}@127.0.0.1:5601" }, [], "must not contain credentials" },
        { "URL from environment", new KibanaSetupArguments(), [(KibanaSetup.UrlVariable, "kibana:5601")], "absolute http:// or https://" },
        { "space", new KibanaSetupArguments { Space = "Not A Space" }, [], "is not a Kibana space id" },
        { "timeout", new KibanaSetupArguments { TimeoutSeconds = 0 }, [], "--timeout" },
        { "file name", new KibanaSetupArguments { File = "/tmp/objects.json" }, [], "only files named *.ndjson" },
        { "missing file", new KibanaSetupArguments { File = "/nonexistent/objects.ndjson" }, [], "cannot read /nonexistent/objects.ndjson" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task RunAsync_BadArguments_UsageErrorBeforeSendingAnything(string name, KibanaSetupArguments arguments, (string, string)[] variables, string expected)
    {
        using var server = new LoopbackKibana(new CannedAnswer(200, KibanaImportClientTests.SuccessAnswer));
        // Point every case at the live stand-in, unless the case is about the URL itself.
        if (arguments.Url is null && !variables.Any(v => v.Item1 == KibanaSetup.UrlVariable)) arguments = arguments with { Url = server.Url.ToString() };

        var outcome = await RunAsync(arguments, Env(variables));

        Assert.True(outcome == KibanaSetupOutcome.UsageError, name);
        Assert.Contains(expected, _stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        AssertNoSecretPrinted();
    }

    [Fact]
    public void Arguments_ToString_HidesPasswordAndKey()
    {
        string text = new KibanaSetupArguments { Username = "elastic", Password = Secret, ApiKey = Key }.ToString();

        Assert.Contains("elastic", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
    }
}
