using System.Text;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

public sealed class EsShipperTests
{
    private const string AlertStream = "logs-idshalfopen.alert-default";
    private const string ConnectionStream = "logs-idshalfopen.connection-default";

    private static async Task<(FakeElasticsearch Fake, EsConnection Connection)> StartAsync(FakeElasticsearchOptions? fakeOptions = null, Func<EsOptions, EsOptions>? tune = null)
    {
        var fake = await FakeElasticsearch.StartAsync(fakeOptions);
        var options = EsTestSupport.Options(fake.Url);
        var connection = new EsConnection(tune is null ? options : tune(options));
        await EsSetup.InstallAsync(connection);
        return (fake, connection);
    }

    /// <summary>Polls (the machine may be busy) until <paramref name="condition"/> holds or 10 s pass.</summary>
    private static async Task Eventually(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
    }

    private static HashSet<string> AlertIds(IEnumerable<Detection.AlertEvent> alerts) => alerts.Select(AlertDocumentWriter.DocumentId).ToHashSet();

    [Fact]
    public async Task Ship_AlertsAndConnections_DeliveredExactlyOnceAsWritten()
    {
        var (fake, connection) = await StartAsync();
        await using var _ = fake;
        using var __ = connection;
        using var queue = new MemoryDeliveryQueue();
        var alerts = EsTestSupport.Alerts(600);
        var records = EsTestSupport.Connections(400);
        using (var shipper = EsTestSupport.Shipper(connection, queue))
        {
            foreach (var alert in alerts) shipper.Write(alert);
            foreach (var record in records) shipper.Write(record);
            Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
            Assert.Equal((1000L, 1000L, 0L, 0L, 0L, 0L), (shipper.Accepted, shipper.Delivered, shipper.Duplicates, shipper.DeadLettered, shipper.Pending, shipper.Retries));
        }

        var stored = fake.Store.Documents(AlertStream);
        Assert.Equal(AlertIds(alerts), stored.Keys.ToHashSet());
        var connectionWriter = new ConnectionDocumentWriter(TestData.Sensor);
        Assert.Equal(records.Select(connectionWriter.DocumentId).ToHashSet(), fake.Store.Documents(ConnectionStream).Keys.ToHashSet());
        Assert.Empty(fake.Store.Index(AlertStream)!.UnmappedFields);
        Assert.Empty(fake.Store.Index(ConnectionStream)!.UnmappedFields);
        Assert.True(fake.LargestBulk.Operations <= 50, $"a bulk of {fake.LargestBulk.Operations} documents exceeds the batch size");

        // What arrives is the writer's document plus the data_stream block naming its own stream.
        var writer = new AlertDocumentWriter(TestData.Sensor);
        foreach (var alert in alerts.Take(20))
        {
            var document = stored[AlertDocumentWriter.DocumentId(alert)];
            var dataStream = document.GetProperty("data_stream");
            Assert.Equal(("logs", "idshalfopen.alert", "default"), (dataStream.GetProperty("type").GetString(), dataStream.GetProperty("dataset").GetString(), dataStream.GetProperty("namespace").GetString()));
            string expected = Encoding.UTF8.GetString(TestData.WriteDocument(writer, alert));
            Assert.Equal(expected[..^1] + ",\"data_stream\":" + dataStream.GetRawText() + "}", document.GetRawText());
        }
    }

    [Fact]
    public async Task Ship_ElasticsearchDownThenUp_EveryAlertExactlyOnce()
    {
        var store = new FakeStore();
        int port;
        await using (var first = await FakeElasticsearch.StartAsync(store: store))
        {
            port = first.Port;
            using var setup = new EsConnection(EsTestSupport.Options(first.Url));
            await EsSetup.InstallAsync(setup);
        }

        using var connection = new EsConnection(EsTestSupport.Options(new Uri($"http://127.0.0.1:{port}")));
        using var queue = new MemoryDeliveryQueue();
        var log = new List<string>();
        using var shipper = EsTestSupport.Shipper(connection, queue, log);
        var alerts = EsTestSupport.Alerts(300);
        foreach (var alert in alerts) shipper.Write(alert);
        await Eventually(() => shipper.FailedRequests >= 3);
        Assert.False(await shipper.FlushAsync(TimeSpan.FromMilliseconds(100)));
        Assert.True(shipper.FailedRequests >= 3, $"only {shipper.FailedRequests} failed attempts while down");
        Assert.Equal(300, shipper.Pending);
        Assert.Contains("cannot reach Elasticsearch", shipper.LastError, StringComparison.Ordinal);

        await using var second = await FakeElasticsearch.StartAsync(store: store, port: port);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal(AlertIds(alerts), store.Documents(AlertStream).Keys.ToHashSet());
        Assert.Equal((300L, 0L, 0L), (shipper.Delivered, shipper.Duplicates, shipper.Pending));
        lock (log)
        {
            Assert.Contains(log, l => l.StartsWith("Warning: cannot reach Elasticsearch", StringComparison.Ordinal));
            Assert.Contains(log, l => l.StartsWith("Information: delivery to", StringComparison.Ordinal) && l.Contains("resumed", StringComparison.Ordinal));
        }
    }

    /// <summary>Per-item 429s, whole-request 429/503 and resets before and after the work, with fixed seeds.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Ship_RandomFaults_ExactlyOnce(int seed)
    {
        var (fake, connection) = await StartAsync(new FakeElasticsearchOptions { Seed = seed });
        await using var _ = fake;
        using var __ = connection;
        fake.ItemRejectRate = 0.2;
        fake.RequestRejectRate = 0.1;
        fake.UnavailableRate = 0.1;
        fake.ResetBeforeRate = 0.1;
        fake.ResetAfterRate = 0.15;
        using var queue = new MemoryDeliveryQueue();
        using var shipper = EsTestSupport.Shipper(connection, queue);
        var alerts = EsTestSupport.Alerts(400, seed);
        var records = EsTestSupport.Connections(100);
        foreach (var alert in alerts) shipper.Write(alert);
        foreach (var record in records) shipper.Write(record);
        Assert.True(await shipper.FlushAsync(TimeSpan.FromSeconds(60)), $"still pending: {shipper.Pending}, last error {shipper.LastError}");

        Assert.Equal(AlertIds(alerts), fake.Store.Documents(AlertStream).Keys.ToHashSet());
        Assert.Equal(100, fake.Store.Count(ConnectionStream));
        Assert.Equal(500, shipper.Delivered + shipper.Duplicates);
        Assert.Equal(0, shipper.DeadLettered);
        Assert.True(shipper.Retries > 0 && shipper.FailedRequests > 0);
        Assert.True(shipper.Duplicates > 0, "a reset after the work loses answers: their documents must come back as duplicates");
    }

    [Fact]
    public async Task Ship_DocumentsTheMappingRejects_DeadLetteredWithReason()
    {
        string deadLetters = EsTestSupport.TempPath("dead.ndjson");
        var (fake, connection) = await StartAsync(tune: o => o with { DeadLetterPath = deadLetters });
        await using var _ = fake;
        using var __ = connection;
        try
        {
            using var queue = new MemoryDeliveryQueue();
            var log = new List<string>();
            using var shipper = EsTestSupport.Shipper(connection, queue, log);
            var alerts = EsTestSupport.Alerts(20);
            foreach (var alert in alerts.Take(10)) shipper.Write(alert);
            Assert.True(shipper.WriteRaw(AlertDocumentWriter.Dataset, "bad-port", """{"@timestamp":"2024-05-01T12:00:00Z","destination":{"port":"eighty"}}"""u8));
            Assert.True(shipper.WriteRaw(AlertDocumentWriter.Dataset, "bad-ip", """{"@timestamp":"2024-05-01T12:00:00Z","source":{"ip":"10.0.0"},"message":"x"}"""u8));
            foreach (var alert in alerts.Skip(10)) shipper.Write(alert);
            Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
            Assert.Equal((20L, 2L, 0L), (shipper.Delivered, shipper.DeadLettered, shipper.Pending));
            Assert.Equal(20, fake.Store.Count(AlertStream));

            var lines = File.ReadAllLines(deadLetters).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(l => l.GetProperty("_id").GetString()!);
            Assert.Equal(["bad-ip", "bad-port"], lines.Keys.Order(StringComparer.Ordinal));
            var port = lines["bad-port"];
            Assert.Equal(400, port.GetProperty("status").GetInt32());
            Assert.Equal("document_parsing_exception", port.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("failed to parse field [destination.port] of type [long]", port.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(AlertStream, port.GetProperty("_index").GetString());
            Assert.Equal("eighty", port.GetProperty("document").GetProperty("destination").GetProperty("port").GetString());
            Assert.Equal("idshalfopen.alert", port.GetProperty("document").GetProperty("data_stream").GetProperty("dataset").GetString());
            Assert.Contains("'10.0.0' is not an IP string literal.", lines["bad-ip"].GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
            lock (log) Assert.Contains(log, l => l.StartsWith("Warning: Elasticsearch refused", StringComparison.Ordinal) && l.Contains(deadLetters, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(deadLetters);
        }
    }

    [Fact]
    public async Task Ship_LineThatBreaksTheBulkFraming_IsolatedAndDeadLettered()
    {
        string deadLetters = EsTestSupport.TempPath("dead.ndjson");
        var (fake, connection) = await StartAsync(tune: o => o with { DeadLetterPath = deadLetters });
        await using var _ = fake;
        using var __ = connection;
        try
        {
            using var queue = new MemoryDeliveryQueue();
            using var shipper = EsTestSupport.Shipper(connection, queue);
            var alerts = EsTestSupport.Alerts(12);
            foreach (var alert in alerts.Take(6)) shipper.Write(alert);
            shipper.WriteRaw(AlertDocumentWriter.Dataset, "torn", "{\"@timestamp\":\"2024-05-01T12:00:00Z\",\n\"message\":\"x\"}"u8);
            foreach (var alert in alerts.Skip(6)) shipper.Write(alert);
            Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
            Assert.Equal((12L, 1L), (shipper.Delivered, shipper.DeadLettered));
            Assert.Equal(AlertIds(alerts), fake.Store.Documents(AlertStream).Keys.ToHashSet());
            var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(deadLetters))).RootElement;
            Assert.Equal("torn", line.GetProperty("_id").GetString());
            Assert.Equal(400, line.GetProperty("status").GetInt32());
            Assert.Contains("Malformed action/metadata line", line.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal("x", line.GetProperty("document").GetProperty("message").GetString());
        }
        finally
        {
            File.Delete(deadLetters);
        }
    }

    [Fact]
    public async Task Ship_SameAlertsAgain_DuplicatesNotCopies()
    {
        var (fake, connection) = await StartAsync();
        await using var _ = fake;
        using var __ = connection;
        var alerts = EsTestSupport.Alerts(80);
        for (int run = 0; run < 2; run++)
        {
            // A second run (or a spool that was not acknowledged before a crash) sends the same documents again.
            using var queue = new MemoryDeliveryQueue();
            using var shipper = EsTestSupport.Shipper(connection, queue);
            foreach (var alert in alerts) shipper.Write(alert);
            Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
            Assert.Equal(run == 0 ? (80L, 0L) : (0L, 80L), (shipper.Delivered, shipper.Duplicates));
        }

        Assert.Equal(80, fake.Store.Count(AlertStream));
    }

    [Fact]
    public async Task Ship_DurableSpoolAcrossRestartWhileDown_EveryAlertExactlyOnce()
    {
        var (fake, connection) = await StartAsync();
        await using var _ = fake;
        using var __ = connection;
        string dir = Path.Combine(Path.GetTempPath(), "idshalfopen-spool-" + Guid.NewGuid().ToString("N"));
        try
        {
            var alerts = EsTestSupport.Alerts(80);

            // First run: Elasticsearch unreachable for the whole run; the documents end up on disk.
            using (var offline = new EsConnection(EsTestSupport.Options(new Uri("http://127.0.0.1:9"))))
            using (var spool = SpoolDeliveryQueue.Open(dir))
            using (var first = EsTestSupport.Shipper(offline, spool))
            {
                foreach (var alert in alerts.Take(60)) first.Write(alert);
                first.Flush();
                Assert.False(await first.FlushAsync(TimeSpan.FromMilliseconds(200)));
            }

            // Second run (a new process in real life): the spool is reopened and drained first, in order.
            using var reopened = SpoolDeliveryQueue.Open(dir);
            Assert.Equal(60, reopened.PendingRecords);
            using var second = EsTestSupport.Shipper(connection, reopened);
            foreach (var alert in alerts.Skip(60)) second.Write(alert);
            Assert.True(await second.FlushAsync(EsTestSupport.Patience));
            Assert.Equal(AlertIds(alerts), fake.Store.Documents(AlertStream).Keys.ToHashSet());
            Assert.Equal((80L, 0L, 0L), (second.Delivered, second.Duplicates, reopened.PendingRecords));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Ship_QueueFilledByAnEarlierRun_ShippedFirst()
    {
        var (fake, connection) = await StartAsync();
        await using var _ = fake;
        using var __ = connection;
        using var queue = new MemoryDeliveryQueue();
        var alerts = EsTestSupport.Alerts(30);
        using (var offline = new EsConnection(EsTestSupport.Options(new Uri("http://127.0.0.1:9"))))
        using (var earlier = EsTestSupport.Shipper(offline, queue))
        {
            foreach (var alert in alerts.Take(20)) earlier.Write(alert);
        }

        Assert.Equal(20, queue.PendingRecords);
        using var shipper = EsTestSupport.Shipper(connection, queue);
        foreach (var alert in alerts.Skip(20)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal(AlertIds(alerts), fake.Store.Documents(AlertStream).Keys.ToHashSet());
        Assert.Equal((30L, 10L), (shipper.Delivered, shipper.Accepted));
    }

    [Fact]
    public async Task Ship_NotElasticsearch_RefusedNothingSentQueueKept()
    {
        var (fake, connection) = await StartAsync();
        await using var _ = fake;
        using var __ = connection;
        fake.SendProductHeader = false;
        using var fresh = new EsConnection(connection.Options);
        using var queue = new MemoryDeliveryQueue();
        var log = new List<string>();
        using var shipper = EsTestSupport.Shipper(fresh, queue, log);
        foreach (var alert in EsTestSupport.Alerts(10)) shipper.Write(alert);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(await shipper.FlushAsync(TimeSpan.FromSeconds(20)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "a refused product must end the wait at once");
        Assert.True(shipper.IsFaulted);
        Assert.Contains("is not Elasticsearch", shipper.LastError, StringComparison.Ordinal);
        Assert.Equal(0, fake.BulkRequests);
        Assert.Equal(10, shipper.Pending);
        lock (log) Assert.Contains(log, l => l.StartsWith("Error: the server at", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ship_WrongApiKey_RetriedReportedWithoutSecret()
    {
        const string good = "Z29vZC1pZDpnb29kLWtleQ==";
        string wrong = Convert.ToBase64String("good-id:this-is-the-wrong-key"u8);
        await using var fake = await FakeElasticsearch.StartAsync(new FakeElasticsearchOptions { ApiKey = good });
        using var connection = new EsConnection(EsTestSupport.Options(fake.Url) with { ApiKey = wrong });
        using var queue = new MemoryDeliveryQueue();
        var log = new List<string>();
        using var shipper = EsTestSupport.Shipper(connection, queue, log);
        foreach (var alert in EsTestSupport.Alerts(10)) shipper.Write(alert);
        await Eventually(() => shipper.FailedRequests >= 2);
        Assert.False(await shipper.FlushAsync(TimeSpan.FromMilliseconds(100)));
        Assert.False(shipper.IsFaulted);
        Assert.Contains("rejected the credentials", shipper.LastError, StringComparison.Ordinal);
        Assert.Equal(10, shipper.Pending);
        lock (log)
        {
            Assert.Contains(log, l => l.StartsWith("Error: Elasticsearch at", StringComparison.Ordinal));
            Assert.DoesNotContain(log, l => l.Contains(wrong, StringComparison.Ordinal) || l.Contains(good, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Ship_Before813_NoRequireDataStreamParameter()
    {
        var (fake, connection) = await StartAsync(new FakeElasticsearchOptions { Version = "8.12.2" });
        await using var _ = fake;
        using var __ = connection;
        using var queue = new MemoryDeliveryQueue();
        using var shipper = EsTestSupport.Shipper(connection, queue);
        foreach (var alert in EsTestSupport.Alerts(20)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal((20L, 0L), (shipper.Delivered, shipper.DeadLettered));
        Assert.True(fake.Store.Index(AlertStream)!.IsDataStream);
    }

    [Fact]
    public async Task Ship_WithoutSetup_RequireDataStreamRefusesPlainIndex()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(EsTestSupport.Options(fake.Url));
        using var queue = new MemoryDeliveryQueue();
        using var shipper = EsTestSupport.Shipper(connection, queue);
        foreach (var alert in EsTestSupport.Alerts(3)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal((0L, 3L), (shipper.Delivered, shipper.DeadLettered));
        Assert.Contains("requires a data stream", shipper.LastError, StringComparison.Ordinal);
        Assert.Empty(fake.Store.IndexNames);
    }

    [Fact]
    public async Task Ship_BatchLimits_CountAndBytesRespected()
    {
        var (fake, connection) = await StartAsync(tune: o => o with { BatchSize = 7, BatchBytes = 4096 });
        await using var _ = fake;
        using var __ = connection;
        using var queue = new MemoryDeliveryQueue();
        using var shipper = EsTestSupport.Shipper(connection, queue);
        foreach (var alert in EsTestSupport.Alerts(60)) shipper.Write(alert);
        Assert.True(await shipper.FlushAsync(EsTestSupport.Patience));
        Assert.Equal(60, fake.Store.Count(AlertStream));
        Assert.InRange(fake.LargestBulk.Operations, 1, 7);
        Assert.InRange(fake.LargestBulk.Bytes, 1, 4096);
    }

    [Fact]
    public async Task Ship_NoFlush_SentWhenTheIntervalPasses()
    {
        var (fake, connection) = await StartAsync(tune: o => o with { BatchSize = 1000, FlushInterval = TimeSpan.FromMilliseconds(200) });
        await using var _ = fake;
        using var __ = connection;
        using var queue = new MemoryDeliveryQueue();
        using var shipper = EsTestSupport.Shipper(connection, queue);
        foreach (var alert in EsTestSupport.Alerts(3)) shipper.Write(alert);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((fake.Store.Count(AlertStream) ?? 0) < 3 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(3, fake.Store.Count(AlertStream));
        Assert.Equal(1, fake.BulkRequests);
    }

    [Fact]
    public async Task Write_QueueFull_DroppedCountedAndWarned()
    {
        using var connection = new EsConnection(EsTestSupport.Options(new Uri("http://127.0.0.1:9")));
        using var queue = new MemoryDeliveryQueue(maxBytes: 6000);
        var log = new List<string>();
        using var shipper = EsTestSupport.Shipper(connection, queue, log);
        foreach (var alert in EsTestSupport.Alerts(20)) shipper.Write(alert);
        Assert.True(shipper.Dropped > 0);
        Assert.Equal(20, shipper.Accepted + shipper.Dropped);
        lock (log) Assert.Single(log, l => l.StartsWith("Warning: the delivery queue is full", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_SteadyState_AllocatesNothing()
    {
        using var connection = new EsConnection(EsTestSupport.Options(new Uri("http://127.0.0.1:9")) with { BatchSize = 100_000 });
        using var queue = new MemoryDeliveryQueue(maxBytes: 1L << 30, segmentBytes: 8 << 20);
        using var shipper = EsTestSupport.Shipper(connection, queue);
        var alerts = EsTestSupport.Alerts(2000);
        // The queue's index doubles up to 2048 entries during the warm-up; the measured writes stay below that.
        foreach (var alert in alerts.Take(1500)) shipper.Write(alert);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1500; i < alerts.Count; i++) shipper.Write(alerts[i]);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated for 500 alerts");
    }

    [Fact]
    public async Task Write_Misuse_Refused()
    {
        await using var fake = await FakeElasticsearch.StartAsync();
        using var connection = new EsConnection(EsTestSupport.Options(fake.Url));
        using var queue = new MemoryDeliveryQueue();
        var shipper = new EsShipper(connection, queue, new AlertDocumentWriter(TestData.Sensor));
        Assert.Throws<InvalidOperationException>(() => shipper.Write(TestData.Connection(Tracking.AttemptOutcome.Completed)));
        shipper.Dispose();
        Assert.Throws<ObjectDisposedException>(() => shipper.Write(TestData.FloodAlert()));
        shipper.Dispose();
    }
}
