using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>
/// The sensor's way of setting up: it starts while the cluster may be down, and the shipper installs the templates
/// before its first document, so nothing lands in a data stream without its mappings.
/// </summary>
public sealed class EsShipperPrepareTests
{
    private const string AlertStream = "logs-idshalfopen.alert-default";

    [Fact]
    public async Task Prepare_ClusterDownAtStart_TemplatesInstalledBeforeFirstDocument()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        fake.Down = true;
        using var connection = new EsConnection(EsTestSupport.Options(fake.Url));
        using var queue = new MemoryDeliveryQueue();
        int prepared = 0;
        var alerts = EsTestSupport.Alerts(120);
        using (var shipper = new EsShipper(connection, queue, new AlertDocumentWriter(TestData.Sensor), prepare: async token =>
        {
            await EsSetup.InstallAsync(connection, token);
            Interlocked.Increment(ref prepared);
        }))
        {
            foreach (var alert in alerts) shipper.Write(alert);

            // While the cluster is down nothing is installed or stored, and nothing is lost.
            Assert.False(await shipper.FlushAsync(TimeSpan.FromMilliseconds(500)));
            Assert.Empty(fake.Store.IndexTemplates);
            Assert.Equal(120, shipper.Pending);

            fake.Down = false;
            Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
            Assert.Equal(120, shipper.Delivered);
        }

        Assert.Equal(1, prepared);
        Assert.NotEmpty(fake.Store.IndexTemplates);
        var index = fake.Store.Index(AlertStream);
        Assert.NotNull(index);
        Assert.True(index.IsDataStream);
        Assert.NotNull(index.Template);
        Assert.Empty(index.UnmappedFields);
        Assert.Equal(120, fake.Store.Documents(AlertStream).Count);
    }

    [Fact]
    public async Task Prepare_Throws_NothingSentAndRetried()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(EsTestSupport.Options(fake.Url) with { BackoffInitial = TimeSpan.FromMilliseconds(10), BackoffMax = TimeSpan.FromMilliseconds(50) });
        using var queue = new MemoryDeliveryQueue();
        int calls = 0;
        using var shipper = new EsShipper(connection, queue, new AlertDocumentWriter(TestData.Sensor), prepare: async token =>
        {
            // Fails three times as a busy cluster would, then installs.
            if (Interlocked.Increment(ref calls) <= 3) throw new ElasticsearchException(EsErrorKind.Busy, "test", "cluster busy", 503);
            await EsSetup.InstallAsync(connection, token);
        });
        foreach (var alert in EsTestSupport.Alerts(10)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal(4, calls);
        Assert.Equal(10, fake.Store.Documents(AlertStream).Count);
        Assert.Empty(fake.Store.Index(AlertStream)!.UnmappedFields);
    }
}
