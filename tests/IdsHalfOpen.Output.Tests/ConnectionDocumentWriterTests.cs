using System.Text.Json;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Tracking;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests;

public class ConnectionDocumentWriterTests
{
    private readonly ConnectionDocumentWriter _writer = new(Sensor);

    [Theory]
    [InlineData(AttemptOutcome.Unanswered, new[] { "connection", "start" })]
    [InlineData(AttemptOutcome.Embryonic, new[] { "connection", "start" })]
    [InlineData(AttemptOutcome.Completed, new[] { "connection", "start" })]
    [InlineData(AttemptOutcome.Rejected, new[] { "connection", "start", "denied" })]
    [InlineData(AttemptOutcome.EmbryonicTimeout, new[] { "connection", "start", "end" })]
    [InlineData(AttemptOutcome.AbortedByClient, new[] { "connection", "start", "end" })]
    [InlineData(AttemptOutcome.ResetBeforeReply, new[] { "connection", "start", "end" })]
    [InlineData(AttemptOutcome.Backscatter, new[] { "connection" })]
    [InlineData(AttemptOutcome.Invalid, new[] { "connection" })]
    public void Write_EachOutcome_HasZeekStyleEventTypeAndCommonFields(AttemptOutcome outcome, string[] expectedTypes)
    {
        var record = Connection(outcome);
        using var doc = JsonDocument.Parse(WriteDocument(_writer, record));
        var root = doc.RootElement;

        Assert.Equal(expectedTypes, root.Path("event.type").Strings());
        Assert.Equal("event", root.Path("event.kind").GetString());
        Assert.Equal(new[] { "network" }, root.Path("event.category").Strings());
        Assert.Equal(outcome.Name(), root.Path("event.action").GetString());
        Assert.Equal(outcome.Name(), root.Path("idshalfopen.outcome").GetString());
        Assert.Equal(root.Path("event.start").GetString(), root.Path("@timestamp").GetString());
        Assert.Equal("2024-05-01T12:00:01.623456789Z", root.Path("event.end").GetString());
        Assert.Equal(1_500_000_000L, root.Path("event.duration").GetInt64());
        Assert.Equal("idshalfopen.connection", root.Path("event.dataset").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Write_RandomRecords_SameBytesAsTheCheckedWriter(int seed)
    {
        // The fast path must write exactly what the writer's checked calls write, for every shape a record can take:
        // both IP versions, VLAN or not, server ISN or not, every outcome and end reason, odd sensor names.
        var random = new Random(seed);
        var sensors = new[] { Sensor, new SensorInfo("host \"quoted\" \\ ünïcode", "9.9.9-beta+1", null), new SensorInfo("h", "1", "eth0.100", "Vendor & Co <x>") };
        var outcomes = Enum.GetValues<AttemptOutcome>();
        var reasons = Enum.GetValues<EndReason>();
        string[] histories = ["", "S", "Sh", "ShA", "ShR", "^hSA", "ShADadFf", "r", "SI", "h\"x", "S\u00e9"];
        foreach (var sensor in sensors)
        {
            var writer = new ConnectionDocumentWriter(sensor, communityIdSeed: (ushort)random.Next(3));
            for (int i = 0; i < 2000; i++)
            {
                bool v6 = random.Next(3) == 0;
                UInt128 Address() => v6
                    ? ((UInt128)(ulong)random.NextInt64() << 64) | (ulong)random.NextInt64()
                    : 0xFFFF_0000_0000UL | (uint)random.Next();
                var client = Address();
                var record = new ConnectionRecord
                {
                    StartNs = random.NextInt64(0, 4_000_000_000_000_000_000L),
                    Client = client,
                    ClientPort = (ushort)random.Next(65536),
                    Server = random.Next(20) == 0 ? client : Address(),
                    ServerPort = (ushort)random.Next(65536),
                    IpVersion = (byte)(random.Next(10) == 0 ? 0 : v6 ? 6 : 4),
                    Outcome = outcomes[random.Next(outcomes.Length)],
                    EndReason = reasons[random.Next(reasons.Length)],
                    History = histories[random.Next(histories.Length)],
                    ClientIsn = (uint)random.NextInt64(0, 1L << 32),
                    ServerIsn = random.Next(2) == 0 ? null : (uint)random.NextInt64(0, 1L << 32),
                    SynRetransmits = random.Next(70000),
                    SynAckRetransmits = random.Next(3),
                    Vlan = (ushort)(random.Next(2) == 0 ? 0 : random.Next(1, 4095)),
                    ClientTtl = (byte)random.Next(256),
                };
                record = record with { EndNs = record.StartNs + random.NextInt64(-5, 100_000_000_000L) };

                var fast = new System.Buffers.ArrayBufferWriter<byte>();
                using (var json = new Utf8JsonWriter(fast, EcsJson.WriterOptions)) writer.Write(json, record);
                var reference = new System.Buffers.ArrayBufferWriter<byte>();
                using (var json = new Utf8JsonWriter(reference, EcsJson.WriterOptions)) writer.WriteChecked(json, record);
                Assert.Equal(System.Text.Encoding.UTF8.GetString(reference.WrittenSpan), System.Text.Encoding.UTF8.GetString(fast.WrittenSpan));
            }
        }
    }

    [Fact]
    public void Write_Record_HasEndpointsNetworkAndProductFields()
    {
        var record = Connection(AttemptOutcome.AbortedByClient);
        using var doc = JsonDocument.Parse(WriteDocument(_writer, record));
        var root = doc.RootElement;

        Assert.Equal(_writer.DocumentId(record), root.Path("event.id").GetString());
        Assert.Equal("192.0.2.10", root.Path("source.ip").GetString());
        Assert.Equal(JsonValueKind.Number, root.Path("source.port").ValueKind);
        Assert.Equal(51000, root.Path("source.port").GetInt32());
        Assert.Equal("10.0.0.5", root.Path("destination.ip").GetString());
        Assert.Equal(443, root.Path("destination.port").GetInt32());
        Assert.Equal("tcp", root.Path("network.transport").GetString());
        Assert.Equal("ipv4", root.Path("network.type").GetString());
        Assert.Equal("6", root.Path("network.iana_number").GetString());
        Assert.Equal(CommunityId.Compute(record.Client, record.ClientPort, record.Server, record.ServerPort), root.Path("network.community_id").GetString());
        Assert.Equal("100", root.Path("network.vlan.id").GetString());
        Assert.Equal(new[] { "192.0.2.10", "10.0.0.5" }, root.Path("related.ip").Strings());
        Assert.Equal("sensor-1", root.Path("observer.hostname").GetString());

        var p = root.Path("idshalfopen");
        Assert.Equal("ShR", p.Path("history").GetString());
        Assert.Equal("closed", p.Path("end_reason").GetString());
        Assert.Equal(4_000_000_000L, p.Path("client_isn").GetInt64());
        Assert.Equal(12345L, p.Path("server_isn").GetInt64());
        Assert.Equal(1, p.Path("syn_retransmits").GetInt32());
        Assert.Equal(2, p.Path("synack_retransmits").GetInt32());
        Assert.Equal(63, p.Path("client_ttl").GetInt32());
        Assert.Equal(100, p.Path("vlan").GetInt32());
    }

    [Fact]
    public void Write_UnansweredIPv6WithoutVlan_OmitsServerIsnAndVlan()
    {
        var record = Connection(AttemptOutcome.Unanswered) with
        {
            Client = Ip("2001:db8::10"), Server = Ip("2001:db8::5"), IpVersion = 6, ServerIsn = null, Vlan = 0, History = "S",
        };
        using var doc = JsonDocument.Parse(WriteDocument(_writer, record));
        var root = doc.RootElement;
        Assert.Equal("ipv6", root.Path("network.type").GetString());
        Assert.Equal("2001:db8::10", root.Path("source.ip").GetString());
        Assert.False(root.Has("idshalfopen.server_isn"));
        Assert.False(root.Has("idshalfopen.vlan"));
        Assert.False(root.Has("network.vlan"));
    }

    [Fact]
    public void Write_CommunityIdSeed_ChangesCommunityId()
    {
        var record = Connection(AttemptOutcome.Completed);
        using var seeded = JsonDocument.Parse(WriteDocument(new ConnectionDocumentWriter(Sensor, communityIdSeed: 1), record));
        Assert.Equal(CommunityId.Compute(record.Client, record.ClientPort, record.Server, record.ServerPort, seed: 1), seeded.RootElement.Path("network.community_id").GetString());
    }

    [Fact]
    public void DocumentId_DistinguishesAttemptsOnOneTupleAndIsStable()
    {
        var record = Connection(AttemptOutcome.Completed);
        var id = _writer.DocumentId(record);
        Assert.Equal(ConnectionDocumentWriter.DocumentIdLength, id.Length);
        Assert.All(id, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        Assert.Equal(id, _writer.DocumentId(Connection(AttemptOutcome.Completed)));
        Assert.NotEqual(id, _writer.DocumentId(record with { ClientIsn = record.ClientIsn + 1 }));
        Assert.NotEqual(id, _writer.DocumentId(record with { StartNs = record.StartNs + 1 }));
        Assert.NotEqual(id, _writer.DocumentId(record with { ClientPort = 51001 }));
    }

    [Fact]
    public void Write_SameRecordTwice_GivesIdenticalBytes()
    {
        Assert.Equal(WriteDocument(_writer, Connection(AttemptOutcome.Rejected)), WriteDocument(new ConnectionDocumentWriter(Sensor), Connection(AttemptOutcome.Rejected)));
    }
}
