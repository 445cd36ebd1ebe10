using System.Globalization;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>
/// Runs only against a real cluster named by IDS_ES_URL (credentials and trust from the other IDS_ES_* variables);
/// skipped otherwise, CI included, since no cluster is part of the build.
/// </summary>
public sealed class RealElasticsearchFactAttribute : FactAttribute
{
    public RealElasticsearchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EsOptions.UrlVariable)))
        {
            Skip = $"opt-in: set {EsOptions.UrlVariable} (and IDS_ES_API_KEY or IDS_ES_USERNAME/IDS_ES_PASSWORD, IDS_ES_CA_FILE or IDS_ES_CA_FINGERPRINT) to run against a real Elasticsearch";
        }
    }
}

/// <summary>The delivery scenarios of the fake-based tests, against a real cluster, in a namespace of their own that is removed afterwards.</summary>
public sealed class EsRealClusterTests : IAsyncLifetime
{
    private EsConnection _connection = null!;
    private string _namespace = "";

    public async Task InitializeAsync()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EsOptions.UrlVariable))) return;
        _namespace = "idstest" + Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        _connection = new EsConnection(EsOptions.FromEnvironment() with
        {
            Namespace = _namespace,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            BackoffInitial = TimeSpan.FromMilliseconds(100),
            BackoffMax = TimeSpan.FromSeconds(2),
        });
        await EsSetup.InstallAsync(_connection);
    }

    public async Task DisposeAsync()
    {
        if (_connection is null) return;
        await _connection.RequestAsync(HttpMethod.Delete, "_data_stream/" + _connection.Options.AlertDataStream);
        await _connection.RequestAsync(HttpMethod.Delete, "_data_stream/" + _connection.Options.ConnectionDataStream);
        _connection.Dispose();
    }

    private async Task<long> CountAsync(string stream)
    {
        await _connection.RequestAsync(HttpMethod.Post, stream + "/_refresh");
        var response = await _connection.RequestAsync(HttpMethod.Get, stream + "/_count");
        Assert.True(response.IsSuccess, $"count of {stream}: {response.Status}");
        return JsonDocument.Parse(response.Body).RootElement.GetProperty("count").GetInt64();
    }

    [RealElasticsearchFact]
    public async Task Real_SetupTwice_Acknowledged()
    {
        var result = await EsSetup.InstallAsync(_connection);
        Assert.Equal(EsSetup.Plan(_connection.Options).Count, result.Installed.Count);
        var template = await _connection.RequestAsync(HttpMethod.Get, "_index_template/logs-idshalfopen.alert");
        Assert.True(template.IsSuccess);
        var body = JsonDocument.Parse(template.Body).RootElement.GetProperty("index_templates")[0].GetProperty("index_template");
        Assert.Equal(EsSetup.Priority, body.GetProperty("priority").GetInt32());
    }

    [RealElasticsearchFact]
    public async Task Real_ShipTwice_ExactlyOnce()
    {
        var alerts = EsTestSupport.Alerts(200);
        var records = EsTestSupport.Connections(100);
        for (int run = 0; run < 2; run++)
        {
            using var queue = new MemoryDeliveryQueue();
            using var shipper = EsTestSupport.Shipper(_connection, queue);
            foreach (var alert in alerts) shipper.Write(alert);
            foreach (var record in records) shipper.Write(record);
            Assert.True(await shipper.FlushAsync(TimeSpan.FromSeconds(60)), shipper.LastError);
            Assert.Equal(run == 0 ? (300L, 0L, 0L) : (0L, 300L, 0L), (shipper.Delivered, shipper.Duplicates, shipper.DeadLettered));
        }

        Assert.Equal(200, await CountAsync(_connection.Options.AlertDataStream));
        Assert.Equal(100, await CountAsync(_connection.Options.ConnectionDataStream));
    }

    [RealElasticsearchFact]
    public async Task Real_RejectedDocument_DeadLettered()
    {
        string path = EsTestSupport.TempPath("dead.ndjson");
        try
        {
            using var connection = new EsConnection(_connection.Options with { DeadLetterPath = path });
            using var queue = new MemoryDeliveryQueue();
            using var shipper = EsTestSupport.Shipper(connection, queue);
            shipper.Write(EsTestSupport.Alerts(1)[0]);
            shipper.WriteRaw(AlertDocumentWriter.Dataset, "bad-port", """{"@timestamp":"2024-05-01T12:00:00Z","destination":{"port":"eighty"}}"""u8);
            Assert.True(await shipper.FlushAsync(TimeSpan.FromSeconds(60)), shipper.LastError);
            Assert.Equal((1L, 1L), (shipper.Delivered, shipper.DeadLettered));
            var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(path))).RootElement;
            Assert.Equal(400, line.GetProperty("status").GetInt32());
            Assert.Contains("destination.port", line.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
