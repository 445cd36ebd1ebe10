using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

public sealed class EsSetupTests
{
    [Fact]
    public async Task Install_FakeCluster_EveryStepAcknowledgedAndStored()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        var result = await EsSetup.InstallAsync(connection);
        Assert.Equal("fake-cluster", result.Cluster.ClusterName);
        Assert.Equal(EsSetup.Plan(connection.Options).Select(s => s.Path), result.Installed);
        Assert.Equal(["idshalfopen"], fake.Store.Policies.Keys);
        Assert.Equal(["idshalfopen@mappings", "idshalfopen@settings", "logs-idshalfopen.alert@mappings", "logs-idshalfopen.connection@mappings"], fake.Store.ComponentTemplates.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["logs-idshalfopen.alert", "logs-idshalfopen.connection"], fake.Store.IndexTemplates.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Install_Twice_SameState()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString() });
        await EsSetup.InstallAsync(connection);
        var first = Snapshot(fake.Store);
        await EsSetup.InstallAsync(connection);
        Assert.Equal(first, Snapshot(fake.Store));

        static string Snapshot(FakeStore store) => string.Join('\n',
            store.Policies.Concat(store.ComponentTemplates).Concat(store.IndexTemplates).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
    }

    [Fact]
    public async Task Install_Unauthorized_ClearErrorAndNothingInstalled()
    {
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { Username = "elastic", Password = "pw" });
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString(), Username = "elastic", Password = "not-pw" });
        var e = await Assert.ThrowsAsync<ElasticsearchException>(() => EsSetup.InstallAsync(connection));
        Assert.Equal(EsErrorKind.Unauthorized, e.Kind);
        Assert.Empty(fake.Store.IndexTemplates);
    }

    [Fact]
    public async Task Install_OtherNamespace_TemplatesCoverEveryNamespace()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(new EsOptions { Url = fake.Url.ToString(), Namespace = "lab2" });
        await EsSetup.InstallAsync(connection);
        using var shipper = EsTestSupport.Shipper(connection, new MemoryDeliveryQueue());
        foreach (var alert in EsTestSupport.Alerts(3)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        var stream = fake.Store.Index("logs-idshalfopen.alert-lab2")!;
        Assert.True(stream.IsDataStream);
        Assert.Equal("logs-idshalfopen.alert", stream.Template);
        Assert.Equal("lab2", stream.Constants["data_stream.namespace"]);
    }
}
