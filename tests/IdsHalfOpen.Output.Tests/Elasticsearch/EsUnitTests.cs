using System.Text;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

/// <summary>The pieces of the shipper that need no server.</summary>
public sealed class EsUnitTests
{
    [Fact]
    public void BulkResponseTryParse_AnyFieldOrder_ItemsInRequestOrder()
    {
        string body = """
            {"took":5,"items":[
              {"create":{"_index":".ds-a","_id":"1","_version":1,"result":"created","_shards":{"total":2},"status":201,"_seq_no":0}},
              {"create":{"status":409,"_id":"2","error":{"index":"x","type":"version_conflict_engine_exception","caused_by":{"type":"x","reason":"y"},"reason":"[2]: version conflict"},"_index":".ds-a"}},
              {"index":{"error":"plain text","status":400}},
              {"create":{"_index":".ds-a","status":429,"error":{"reason":"rejected","type":"es_rejected_execution_exception"}}}
            ],"errors":true,"ingest_took":0}
            """;
        var items = new List<BulkItemResult>();
        Assert.True(BulkResponse.TryParse(Encoding.UTF8.GetBytes(body), items));
        Assert.Equal(
            [new(201, null, null), new(409, "version_conflict_engine_exception", "[2]: version conflict (caused by x: y)"), new(400, null, "plain text"), new(429, "es_rejected_execution_exception", "rejected")],
            items);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"errors\":false}")]
    [InlineData("{\"items\":[{\"create\":5}]}")]
    [InlineData("{\"items\":[{\"create\":{\"status\":201}")]
    public void BulkResponseTryParse_NotABulkAnswer_False(string body) =>
        Assert.False(BulkResponse.TryParse(Encoding.UTF8.GetBytes(body), []));

    [Fact]
    public void Backoff_ManyCases_CappedExponentialWithHalfJitter()
    {
        var random = new Random(11);
        var initial = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromSeconds(60);
        for (int i = 0; i < 2000; i++)
        {
            int failures = random.Next(1, 80);
            double jitter = random.NextDouble();
            double step = Math.Min(100 * Math.Pow(2, failures - 1), 60_000);
            var delay = EsShipper.Backoff(failures, initial, max, jitter);
            Assert.InRange(delay.TotalMilliseconds, (step / 2) - 0.001, step + 0.001);
            Assert.True(EsShipper.Backoff(failures, initial, max, 1) >= EsShipper.Backoff(Math.Max(1, failures - 1), initial, max, 1));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(50), EsShipper.Backoff(1, initial, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(60), EsShipper.Backoff(1000, initial, max, 1));
    }

    /// <summary>Random appends, peeks and acknowledgements against a list model of the queue.</summary>
    [Fact]
    public void MemoryDeliveryQueue_RandomOperations_MatchListModel()
    {
        var random = new Random(5);
        for (int round = 0; round < 40; round++)
        {
            long maxBytes = random.Next(200, 5000);
            using var queue = new MemoryDeliveryQueue(maxBytes, segmentBytes: random.Next(16, 700));
            var model = new List<(long Sequence, byte[] Payload)>();
            long rejected = 0, lastSequence = 0;
            for (int op = 0; op < 400; op++)
            {
                switch (random.Next(3))
                {
                    case 0:
                        var payload = new byte[random.Next(0, 300)];
                        random.NextBytes(payload);
                        long sequence = queue.Append(payload);
                        if (model.Sum(m => (long)m.Payload.Length) + payload.Length > maxBytes)
                        {
                            Assert.Equal(-1, sequence);
                            rejected++;
                        }
                        else
                        {
                            Assert.True(sequence > lastSequence);
                            lastSequence = sequence;
                            model.Add((sequence, payload));
                        }

                        break;
                    case 1:
                        int max = random.Next(0, 10);
                        var peeked = new List<QueuedRecord>();
                        Assert.Equal(Math.Min(max, model.Count), queue.Peek(max, peeked));
                        for (int i = 0; i < peeked.Count; i++)
                        {
                            Assert.Equal(model[i].Sequence, peeked[i].Sequence);
                            Assert.Equal(model[i].Payload, peeked[i].Payload.ToArray());
                        }

                        break;
                    default:
                        if (model.Count == 0) break;
                        long through = model[random.Next(model.Count)].Sequence;
                        queue.Acknowledge(through);
                        model.RemoveAll(m => m.Sequence <= through);
                        break;
                }

                Assert.Equal(model.Count, queue.PendingRecords);
                Assert.Equal(model.Sum(m => (long)m.Payload.Length), queue.PendingBytes);
                Assert.Equal(rejected, queue.Rejected);
            }
        }
    }

    [Fact]
    public void TryFindEventId_OurDocuments_IsTheDocumentId()
    {
        var alerts = new AlertDocumentWriter(TestData.Sensor);
        foreach (var alert in EsTestSupport.Alerts(30))
        {
            byte[] doc = TestData.WriteDocument(alerts, alert);
            Assert.True(EsShipper.TryFindEventId(doc, out int offset, out int length));
            Assert.Equal(AlertDocumentWriter.DocumentId(alert), Encoding.ASCII.GetString(doc, offset, length));
        }

        var connections = new ConnectionDocumentWriter(TestData.Sensor);
        foreach (var record in EsTestSupport.Connections(30))
        {
            byte[] doc = TestData.WriteDocument(connections, record);
            Assert.True(EsShipper.TryFindEventId(doc, out int offset, out int length));
            Assert.Equal(connections.DocumentId(record), Encoding.ASCII.GetString(doc, offset, length));
        }

        Assert.False(EsShipper.TryFindEventId("{\"event\":{\"kind\":\"x\"},\"id\":\"y\"}"u8, out _, out _));
        Assert.False(EsShipper.TryFindEventId("{\"a\":{\"event\":{\"id\":\"y\"}}}"u8, out _, out _));
        Assert.True(EsShipper.TryFindEventId("{\"a\":[1,{\"b\":2}],\"event\":{\"x\":{\"id\":\"no\"},\"id\":\"yes\"}}"u8, out int o, out int n));
        Assert.Equal(3, n);
        Assert.Equal('y', (char)"{\"a\":[1,{\"b\":2}],\"event\":{\"x\":{\"id\":\"no\"},\"id\":\"yes\"}}"[o]);
    }

    /// <summary>Every leaf of the richest alert and connection documents has an explicit mapping.</summary>
    [Fact]
    public void Mappings_EveryFieldOfOurDocuments_Mapped()
    {
        var alert = TestData.FloodAlert() with { SourceIp = TestData.Ip("192.0.2.9") };
        var alertDoc = TestData.WriteDocument(new AlertDocumentWriter(TestData.Sensor), alert);
        AssertMapped(alertDoc, AlertDocumentWriter.Dataset);
        var record = TestData.Connection(AttemptOutcome.Completed);
        var connectionDoc = TestData.WriteDocument(new ConnectionDocumentWriter(TestData.Sensor), record);
        AssertMapped(connectionDoc, ConnectionDocumentWriter.Dataset);

        static void AssertMapped(byte[] document, string dataset)
        {
            var mapped = EsMappings.For(dataset).Select(f => f.Path).ToHashSet();
            var leaves = new List<string>();
            Leaves(JsonDocument.Parse(document).RootElement, "", leaves);
            Assert.NotEmpty(leaves);
            Assert.All(leaves, path => Assert.True(mapped.Contains(path), $"{dataset}: {path} has no explicit mapping"));
            Assert.Contains("data_stream.dataset", mapped);
        }

        static void Leaves(JsonElement e, string path, List<string> into)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) Leaves(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, into);
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Leaves(item, path, into);
                    break;
                default:
                    into.Add(path);
                    break;
            }
        }
    }

    [Fact]
    public void Plan_Templates_DataStreamPriorityAndComponents()
    {
        var steps = EsSetup.Plan(new EsOptions { Url = "http://x:9200", RetentionDays = 30 });
        Assert.Equal(
            ["_ilm/policy/idshalfopen", "_component_template/idshalfopen@settings", "_component_template/idshalfopen@mappings",
             "_component_template/logs-idshalfopen.alert@mappings", "_component_template/logs-idshalfopen.connection@mappings",
             "_index_template/logs-idshalfopen.alert", "_index_template/logs-idshalfopen.connection"],
            steps.Select(s => s.Path));
        var alertTemplate = JsonDocument.Parse(steps[5].Body).RootElement;
        Assert.Equal("logs-idshalfopen.alert-*", alertTemplate.GetProperty("index_patterns")[0].GetString());
        Assert.Equal(JsonValueKind.Object, alertTemplate.GetProperty("data_stream").ValueKind);
        Assert.Equal(501, alertTemplate.GetProperty("priority").GetInt32());
        Assert.Equal(["idshalfopen@settings", "idshalfopen@mappings", "logs-idshalfopen.alert@mappings"], alertTemplate.GetProperty("composed_of").EnumerateArray().Select(c => c.GetString()));
        var policy = JsonDocument.Parse(steps[0].Body).RootElement.GetProperty("policy").GetProperty("phases");
        Assert.Equal("30d", policy.GetProperty("delete").GetProperty("min_age").GetString());
        Assert.True(policy.GetProperty("hot").GetProperty("actions").GetProperty("rollover").TryGetProperty("max_primary_shard_size", out _));
        var alertFields = JsonDocument.Parse(steps[3].Body).RootElement.GetProperty("template").GetProperty("mappings");
        Assert.False(alertFields.GetProperty("dynamic").GetBoolean());
        var ds = alertFields.GetProperty("properties").GetProperty("data_stream").GetProperty("properties");
        Assert.Equal("constant_keyword", ds.GetProperty("dataset").GetProperty("type").GetString());
        Assert.Equal("idshalfopen.alert", ds.GetProperty("dataset").GetProperty("value").GetString());
        Assert.Equal("logs", ds.GetProperty("type").GetProperty("value").GetString());
        var common = JsonDocument.Parse(steps[2].Body).RootElement.GetProperty("template").GetProperty("mappings").GetProperty("properties");
        Assert.Equal("ip", common.GetProperty("related").GetProperty("properties").GetProperty("ip").GetProperty("type").GetString());
        Assert.Equal("date_nanos", common.GetProperty("@timestamp").GetProperty("type").GetString());
    }
}
