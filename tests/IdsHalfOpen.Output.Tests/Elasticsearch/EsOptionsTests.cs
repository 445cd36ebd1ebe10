using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

public sealed class EsOptionsTests
{
    private const string Key = "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==";

    [Fact]
    public void FromEnvironment_AllVariables_Read()
    {
        var env = new Dictionary<string, string>
        {
            ["IDS_ES_URL"] = "https://es.example:9200",
            ["IDS_ES_API_KEY"] = Key,
            ["IDS_ES_CA_FILE"] = "/etc/ca.pem",
            ["IDS_ES_CA_FINGERPRINT"] = "AB:CD",
            ["IDS_ES_NAMESPACE"] = "prod",
        };
        var o = EsOptions.FromEnvironment(env.GetValueOrDefault);
        Assert.Equal("https://es.example:9200", o.Url);
        Assert.Equal(Key, o.ApiKey);
        Assert.Equal("/etc/ca.pem", o.CaFile);
        Assert.Equal("AB:CD", o.CaFingerprint);
        Assert.Equal("prod", o.Namespace);
        Assert.Equal("logs-idshalfopen.alert-prod", o.AlertDataStream);
        Assert.Equal("logs-idshalfopen.connection-prod", o.ConnectionDataStream);

        var basic = EsOptions.FromEnvironment(new Dictionary<string, string> { ["IDS_ES_USERNAME"] = "elastic", ["IDS_ES_PASSWORD"] = "pw" }.GetValueOrDefault);
        Assert.Equal(("elastic", "pw"), (basic.Username, basic.Password));
        Assert.Equal("default", basic.Namespace);
        Assert.Null(basic.Url);
    }

    [Fact]
    public void ToString_Secrets_NeverShown()
    {
        var o = new EsOptions { Url = "https://elastic:urlsecret@es.example:9200/", ApiKey = null, CaFingerprint = "aa" };
        var k = new EsOptions { Url = "https://es.example:9200", ApiKey = Key };
        var p = new EsOptions { Url = "https://es.example:9200", Username = "elastic", Password = "hunter2-password" };
        foreach (var (options, secret) in new[] { (o, "urlsecret"), (k, Key), (p, "hunter2-password") })
        {
            Assert.DoesNotContain(secret, options.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(secret, options.RedactedUrl, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, string.Join(" ", options.Validate()), StringComparison.Ordinal);
            Assert.Contains("es.example:9200", options.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal("https://es.example:9200/", o.RedactedUrl);
        Assert.Equal(("elastic", "urlsecret"), o.BasicCredentials());
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("prod_eu.1", true)]
    [InlineData("Prod", false)]
    [InlineData("a-b", false)]
    [InlineData("a b", false)]
    [InlineData("a*b", false)]
    [InlineData("", false)]
    public void ValidateNamespace_Rules_Applied(string ns, bool valid)
    {
        Assert.Equal(valid, EsOptions.ValidateNamespace(ns) is null);
        Assert.Equal(valid, new EsOptions { Url = "http://localhost:9200", Namespace = ns }.Validate().Count == 0);
    }

    [Fact]
    public void ValidateNamespace_Length_AtMost100()
    {
        Assert.Null(EsOptions.ValidateNamespace(new string('a', 100)));
        Assert.NotNull(EsOptions.ValidateNamespace(new string('a', 101)));
    }

    [Fact]
    public void Validate_BadCombinations_Reported()
    {
        Assert.Contains(new EsOptions().Validate(), p => p.Contains("IDS_ES_URL", StringComparison.Ordinal));
        Assert.NotEmpty(new EsOptions { Url = "ftp://x" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", ApiKey = Key, Username = "u", Password = "p" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", Username = "u" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", ApiKey = "id:key" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", CaFile = "/nonexistent/ca.pem" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", CaFingerprint = "abcd" }.Validate());
        Assert.NotEmpty(new EsOptions { Url = "http://x:9200", BatchSize = 0 }.Validate());
        Assert.Empty(new EsOptions { Url = "http://x:9200", CaFingerprint = string.Join(':', Enumerable.Repeat("Ab", 32)) }.Validate());
        Assert.Empty(new EsOptions { Url = "http://x:9200", CaFingerprint = new string('f', 64) }.Validate());
    }

    [Fact]
    public void Constructor_InvalidOptions_ConfigurationError()
    {
        var e = Assert.Throws<ElasticsearchException>(() => new EsConnection(new EsOptions { Url = "http://x:9200", Namespace = "Bad-Name" }));
        Assert.Equal(EsErrorKind.Configuration, e.Kind);
        Assert.Contains("Bad-Name", e.Message, StringComparison.Ordinal);
    }
}
