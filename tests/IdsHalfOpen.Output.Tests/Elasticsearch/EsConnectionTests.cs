using System.Security.Cryptography;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

public sealed class EsConnectionTests
{
    private const string ApiKey = "c2VjcmV0LWlkOnNlY3JldC1rZXktZG8tbm90LWxlYWs=";

    [Fact]
    public async Task GetInfo_Elasticsearch_ClusterAndVersion()
    {
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Version = "8.12.2" });
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        var info = await connection.GetInfoAsync();
        Assert.Equal("fake-cluster", info.ClusterName);
        Assert.Equal("8.12.2", info.Version);
        Assert.Equal((8, 12), info.VersionNumber);
        Assert.False(info.SupportsRequireDataStream);
        Assert.True((info with { Version = "9.0.0-SNAPSHOT" }).SupportsRequireDataStream);
        Assert.True((info with { Version = "8.11.0", BuildFlavor = "serverless" }).SupportsRequireDataStream);
        Assert.Same(info, connection.ClusterInfo);
    }

    [Fact]
    public async Task GetInfo_NoProductHeader_RefusedWithClearMessageAndStaysRefused()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        fake.SendProductHeader = false;
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => connection.GetInfoAsync());
        Assert.Equal(EsErrorKind.UnknownProduct, e.Kind);
        Assert.Contains("is not Elasticsearch", e.Message, StringComparison.Ordinal);
        Assert.Contains("X-Elastic-Product: Elasticsearch", e.Message, StringComparison.Ordinal);

        // Like Elastic's clients: once refused, every later request is refused without asking the server again.
        fake.SendProductHeader = true;
        long before = fake.Requests;
        var again = await Assert.ThrowsAsync<ElasticsearchException>(() => EsSetup.InstallAsync(connection));
        Assert.Equal(EsErrorKind.UnknownProduct, again.Kind);
        Assert.Equal(before, fake.Requests);
    }

    [Fact]
    public async Task GetInfo_ProductHeaderOnlyOnFirstAnswer_Accepted()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        await connection.GetInfoAsync();
        fake.SendProductHeader = false;
        await connection.GetInfoAsync();
    }

    [Fact]
    public async Task GetInfo_NoCredentials_ClearUnauthorizedMessage()
    {
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { ApiKey = ApiKey });
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => connection.GetInfoAsync());
        Assert.Equal(EsErrorKind.Unauthorized, e.Kind);
        Assert.Equal(401, e.StatusCode);
        Assert.Equal("security_exception", e.ErrorType);
        Assert.Contains("requires credentials", e.Message, StringComparison.Ordinal);
        Assert.Contains("IDS_ES_API_KEY", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetInfo_WrongSecrets_ClearMessageWithoutTheSecret()
    {
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { ApiKey = ApiKey, Username = "elastic", Password = "right-password" });
        string wrongKey = Convert.ToBase64String("secret-id:wrong-key-material"u8);
        foreach (var (options, secret) in new[]
        {
            (new EsOptions { Url = fake.Url.ToString(), ApiKey = wrongKey }, wrongKey),
            (new EsOptions { Url = fake.Url.ToString(), Username = "elastic", Password = "wrong-password" }, "wrong-password"),
            (new EsOptions { Url = new UriBuilder(fake.Url) { UserName = "elastic", Password = "url-password" }.Uri.ToString() }, "url-password"),
        })
        {
            using var connection = new EsConnection(options);
            var e = await Assert.ThrowsAsync<ElasticsearchException>(() => connection.GetInfoAsync());
            Assert.Equal(EsErrorKind.Unauthorized, e.Kind);
            Assert.Contains("rejected the credentials", e.Message, StringComparison.Ordinal);
            Assert.Contains("security_exception", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        }

        using var good = new EsConnection(new EsOptions { Url = fake.Url.ToString(), ApiKey = ApiKey });
        Assert.Equal("fake-cluster", (await good.GetInfoAsync()).ClusterName);
        using var basic = new EsConnection(new EsOptions { Url = fake.Url.ToString(), Username = "elastic", Password = "right-password" });
        Assert.Equal("fake-cluster", (await basic.GetInfoAsync()).ClusterName);
    }

    [Fact]
    public async Task GetInfo_NothingListening_Unreachable()
    {
        int port;
        await using (var fake = await FakeElasticsearch.StartAsync()) port = fake.Port;
        using var connection = new EsConnection(new EsOptions { Url = $"http://127.0.0.1:{port}", RequestTimeout = TimeSpan.FromSeconds(3) });
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => connection.GetInfoAsync());
        Assert.Equal(EsErrorKind.Unreachable, e.Kind);
        Assert.True(e.IsTransient);
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_Fingerprint_RightAcceptedWrongRefused()
    {
        using var certificate = EsTestSupport.SelfSignedCertificate();
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Certificate = certificate });
        Assert.Equal("https", fake.Url.Scheme);
        string hex = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        string colons = string.Join(':', Enumerable.Range(0, 32).Select(i => hex.Substring(i * 2, 2)));

        foreach (var pin in new[] { hex, hex.ToLowerInvariant(), colons })
        {
            using var trusted = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFingerprint = pin });
            Assert.Equal("fake-cluster", (await trusted.GetInfoAsync()).ClusterName);
        }

        string wrong = Convert.ToHexString(SHA256.HashData("another certificate"u8));
        using var pinnedWrong = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFingerprint = wrong });
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => pinnedWrong.GetInfoAsync());
        Assert.Equal(EsErrorKind.Tls, e.Kind);
        Assert.Contains("not trusted", e.Message, StringComparison.Ordinal);
        Assert.Contains("IDS_ES_CA_FINGERPRINT", e.Message, StringComparison.Ordinal);

        // No trust configured: the system store does not know a self-signed certificate.
        using var untrusted = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        Assert.Equal(EsErrorKind.Tls, (await Assert.ThrowsAsync<ElasticsearchException>(() => untrusted.GetInfoAsync())).Kind);
    }

    [Fact]
    public async Task Tls_CaFile_OwnCaAcceptedOtherRefused()
    {
        using var certificate = EsTestSupport.SelfSignedCertificate();
        using var other = EsTestSupport.SelfSignedCertificate("CN=someone-else");
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Certificate = certificate });
        string ca = EsTestSupport.TempPath("ca.pem"), otherCa = EsTestSupport.TempPath("other.pem"), der = EsTestSupport.TempPath("ca.der");
        try
        {
            await File.WriteAllTextAsync(ca, other.ExportCertificatePem() + "\n" + certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(otherCa, other.ExportCertificatePem());
            await File.WriteAllBytesAsync(der, certificate.RawData);
            foreach (var file in new[] { ca, der })
            {
                using var trusted = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFile = file });
                Assert.Equal("fake-cluster", (await trusted.GetInfoAsync()).ClusterName);
            }

            using var wrong = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFile = otherCa });
            Assert.Equal(EsErrorKind.Tls, (await Assert.ThrowsAsync<ElasticsearchException>(() => wrong.GetInfoAsync())).Kind);

            var byName = new UriBuilder(fake.Url) { Host = "localhost" }.Uri.ToString();
            using var named = new EsConnection(new EsOptions { Url = byName, CaFile = ca });
            Assert.Equal("fake-cluster", (await named.GetInfoAsync()).ClusterName);
        }
        finally
        {
            File.Delete(ca);
            File.Delete(otherCa);
            File.Delete(der);
        }
    }

    [Fact]
    public async Task Tls_CaFileButNameMismatch_RefusedWhilePinAccepted()
    {
        using var certificate = EsTestSupport.SelfSignedCertificate(loopbackNames: false);
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Certificate = certificate });
        string ca = EsTestSupport.TempPath("ca.pem");
        try
        {
            await File.WriteAllTextAsync(ca, certificate.ExportCertificatePem());
            using var byCa = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFile = ca });
            Assert.Equal(EsErrorKind.Tls, (await Assert.ThrowsAsync<ElasticsearchException>(() => byCa.GetInfoAsync())).Kind);
            using var pinned = new EsConnection(new EsOptions { Url = fake.Url.ToString(), CaFingerprint = Convert.ToHexString(SHA256.HashData(certificate.RawData)) });
            Assert.Equal("fake-cluster", (await pinned.GetInfoAsync()).ClusterName);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Constructor_UnreadableCaFile_ConfigurationError()
    {
        string path = EsTestSupport.TempPath("garbage.pem");
        File.WriteAllText(path, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
        try
        {
            var e = Assert.Throws<ElasticsearchException>(() => new EsConnection(new EsOptions { Url = "https://127.0.0.1:9", CaFile = path }));
            Assert.Equal(EsErrorKind.Configuration, e.Kind);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
