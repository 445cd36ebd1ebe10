using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Writes a <see cref="ConnectionRecord"/> as an ECS network event, shaped like Elastic's Zeek connection documents:
/// the originator is <c>source</c>, the responder <c>destination</c>, and <c>network.community_id</c> joins the record
/// with other tools' views of the same flow. <c>@timestamp</c> is the attempt's first packet.
/// </summary>
public sealed class ConnectionDocumentWriter : IDocumentWriter<ConnectionRecord>
{
    public const string Dataset = "idshalfopen.connection";

    /// <summary>Base64url (no padding) of 24 bytes.</summary>
    public const int DocumentIdLength = 32;

    private readonly ObserverBlock _observer;
    private readonly ushort _communityIdSeed;

    // The fast path's constant parts: the observer object as the writer encodes it (name included), and the names of
    // outcomes and end reasons. A document is at most this long plus the observer.
    private const int MaxDocumentWithoutObserver = 1536;
    private readonly byte[] _observerJson;
    private readonly byte[] _scratch;
    private static readonly byte[][] s_outcomeNames = [.. Enum.GetValues<AttemptOutcome>().Select(o => Encoding.ASCII.GetBytes(o.Name()))];
    private static readonly byte[][] s_endReasonNames = [.. Enum.GetValues<EndReason>().Select(r => Encoding.ASCII.GetBytes(r.Name()))];

    public ConnectionDocumentWriter(SensorInfo sensor, ushort communityIdSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(sensor);
        Sensor = sensor;
        _communityIdSeed = communityIdSeed;
        _observer = new ObserverBlock(sensor);
        var observer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(observer, EcsJson.WriterOptions))
        {
            w.WriteStartObject();
            _observer.Write(w);
            w.WriteEndObject();
        }

        _observerJson = observer.WrittenSpan[1..^1].ToArray(); // without the enclosing braces
        _scratch = new byte[MaxDocumentWithoutObserver + _observerJson.Length];
    }

    public SensorInfo Sensor { get; }

    public ushort CommunityIdSeed => _communityIdSeed;

    /// <summary>The deterministic document id (also <c>event.id</c>): 32 URL-safe characters.</summary>
    public string DocumentId(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Span<byte> digest = stackalloc byte[CommunityId.DigestLength];
        ComputeCommunityDigest(record, digest);
        Span<byte> id = stackalloc byte[DocumentIdLength];
        FormatDocumentId(record, digest, id);
        return Encoding.ASCII.GetString(id);
    }

    public void Write(Utf8JsonWriter writer, ConnectionRecord value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);

        // Every string of a record is plain ASCII unless its history holds something unexpected: then the writer escapes.
        if (RawJsonLine.IsPlain(value.History) && (int)value.Outcome < s_outcomeNames.Length && (int)value.EndReason < s_endReasonNames.Length)
        {
            var line = new RawJsonLine(_scratch);
            WriteRaw(ref line, value);
            writer.WriteRawValue(line.Written, skipInputValidation: true);
            return;
        }

        WriteChecked(writer, value);
    }

    /// <summary>
    /// The document byte for byte as <see cref="WriteChecked"/> makes it, without the writer's per-call checks, which
    /// were most of the cost of a connection log (40 calls a record, each validating and scanning for escapes).
    /// </summary>
    private void WriteRaw(ref RawJsonLine j, ConnectionRecord record)
    {
        Span<byte> digest = stackalloc byte[CommunityId.DigestLength];
        ComputeCommunityDigest(record, digest);

        j.Raw("{\"@timestamp\":"u8);
        j.Timestamp(record.StartNs);
        j.Raw(",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],\"type\":["u8);
        var types = EventTypes(record.Outcome);
        for (int i = 0; i < types.Length; i++)
        {
            if (i > 0) j.Byte((byte)',');
            j.Quoted(types[i]);
        }

        j.Raw("],\"action\":"u8);
        j.Quoted(s_outcomeNames[(int)record.Outcome]);
        Span<byte> id = stackalloc byte[DocumentIdLength];
        FormatDocumentId(record, digest, id);
        j.Raw(",\"id\":"u8);
        j.Quoted(id);
        j.Raw(",\"start\":"u8);
        j.Timestamp(record.StartNs);
        j.Raw(",\"end\":"u8);
        j.Timestamp(record.EndNs);
        j.Raw(",\"duration\":"u8);
        j.Number(Math.Max(0, record.EndNs - record.StartNs));
        j.Raw(",\"dataset\":\"idshalfopen.connection\",\"module\":\"idshalfopen\"},"u8);
        j.Raw(_observerJson);
        j.Raw(",\"source\":{\"ip\":"u8);
        j.Ip(record.Client);
        j.Raw(",\"port\":"u8);
        j.Number(record.ClientPort);
        j.Raw("},\"destination\":{\"ip\":"u8);
        j.Ip(record.Server);
        j.Raw(",\"port\":"u8);
        j.Number(record.ServerPort);
        j.Raw("},\"network\":{\"transport\":\"tcp\",\"type\":"u8);
        j.Quoted(NetworkType(record));
        j.Raw(",\"iana_number\":\"6\",\"community_id\":"u8);
        Span<byte> communityId = stackalloc byte[CommunityId.Length];
        CommunityId.TryFormatDigestUtf8(digest, communityId, out int communityIdLength);
        j.Quoted(communityId[..communityIdLength]);
        if (record.Vlan != 0)
        {
            j.Raw(",\"vlan\":{\"id\":\""u8);
            j.Number(record.Vlan);
            j.Raw("\"}"u8);
        }

        j.Raw("},\"related\":{\"ip\":["u8);
        j.Ip(record.Client);
        if (record.Server != record.Client)
        {
            j.Byte((byte)',');
            j.Ip(record.Server);
        }

        j.Raw("]},\"idshalfopen\":{\"outcome\":"u8);
        j.Quoted(s_outcomeNames[(int)record.Outcome]);
        j.Raw(",\"history\":"u8);
        j.Quoted(record.History);
        j.Raw(",\"end_reason\":"u8);
        j.Quoted(s_endReasonNames[(int)record.EndReason]);
        j.Raw(",\"client_isn\":"u8);
        j.Number(record.ClientIsn);
        if (record.ServerIsn is { } serverIsn)
        {
            j.Raw(",\"server_isn\":"u8);
            j.Number(serverIsn);
        }

        j.Raw(",\"syn_retransmits\":"u8);
        j.Number(record.SynRetransmits);
        j.Raw(",\"synack_retransmits\":"u8);
        j.Number(record.SynAckRetransmits);
        j.Raw(",\"client_ttl\":"u8);
        j.Number(record.ClientTtl);
        if (record.Vlan != 0)
        {
            j.Raw(",\"vlan\":"u8);
            j.Number(record.Vlan);
        }

        j.Raw("}}"u8);
    }

    /// <summary>The document through the writer's checked calls: the reference the fast path matches, and its fallback.</summary>
    internal void WriteChecked(Utf8JsonWriter writer, ConnectionRecord record)
    {

        // One SHA-1 serves both the community id and the document id.
        Span<byte> digest = stackalloc byte[CommunityId.DigestLength];
        ComputeCommunityDigest(record, digest);

        writer.WriteStartObject();
        writer.WriteTimestamp("@timestamp"u8, record.StartNs);

        writer.WriteStartObject("event"u8);
        writer.WriteString("kind"u8, "event"u8);
        writer.WriteStartArray("category"u8);
        writer.WriteStringValue("network"u8);
        writer.WriteEndArray();
        WriteEventType(writer, record.Outcome);
        writer.WriteString("action"u8, record.Outcome.Name());
        Span<byte> id = stackalloc byte[DocumentIdLength];
        FormatDocumentId(record, digest, id);
        writer.WriteString("id"u8, id);
        writer.WriteTimestamp("start"u8, record.StartNs);
        writer.WriteTimestamp("end"u8, record.EndNs);
        writer.WriteNumber("duration"u8, Math.Max(0, record.EndNs - record.StartNs));
        writer.WriteString("dataset"u8, Dataset);
        writer.WriteString("module"u8, EcsJson.ModuleName);
        writer.WriteEndObject();

        _observer.Write(writer);

        writer.WriteStartObject("source"u8);
        writer.WriteIp("ip"u8, record.Client);
        writer.WriteNumber("port"u8, record.ClientPort);
        writer.WriteEndObject();

        writer.WriteStartObject("destination"u8);
        writer.WriteIp("ip"u8, record.Server);
        writer.WriteNumber("port"u8, record.ServerPort);
        writer.WriteEndObject();

        writer.WriteStartObject("network"u8);
        writer.WriteString("transport"u8, "tcp"u8);
        writer.WriteString("type"u8, NetworkType(record));
        writer.WriteString("iana_number"u8, "6"u8);
        Span<byte> communityId = stackalloc byte[CommunityId.Length];
        CommunityId.TryFormatDigestUtf8(digest, communityId, out int communityIdLength);
        writer.WriteString("community_id"u8, communityId[..communityIdLength]);
        if (record.Vlan != 0)
        {
            writer.WriteStartObject("vlan"u8);
            Span<byte> vlan = stackalloc byte[5];
            record.Vlan.TryFormat(vlan, out int n, default, System.Globalization.CultureInfo.InvariantCulture);
            writer.WriteString("id"u8, vlan[..n]); // ECS network.vlan.id is a keyword
            writer.WriteEndObject();
        }

        writer.WriteEndObject();

        writer.WriteStartObject("related"u8);
        writer.WriteStartArray("ip"u8);
        writer.WriteIpValue(record.Client);
        if (record.Server != record.Client) writer.WriteIpValue(record.Server);
        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartObject("idshalfopen"u8);
        writer.WriteString("outcome"u8, record.Outcome.Name());
        writer.WriteString("history"u8, record.History);
        writer.WriteString("end_reason"u8, record.EndReason.Name());
        writer.WriteNumber("client_isn"u8, record.ClientIsn);
        if (record.ServerIsn is { } serverIsn) writer.WriteNumber("server_isn"u8, serverIsn);
        writer.WriteNumber("syn_retransmits"u8, record.SynRetransmits);
        writer.WriteNumber("synack_retransmits"u8, record.SynAckRetransmits);
        writer.WriteNumber("client_ttl"u8, record.ClientTtl);
        if (record.Vlan != 0) writer.WriteNumber("vlan"u8, record.Vlan);
        writer.WriteEndObject();

        writer.WriteEndObject();
    }

    /// <summary>
    /// event.type by outcome, after Elastic's Zeek mapping (S0 → connection,start; REJ → connection,start,denied;
    /// RSTO/RSTOS0 → connection,start,end; OTH → connection):
    /// <list type="bullet">
    /// <item>unanswered, embryonic, completed: [connection, start]. The attempt began and its end is not (yet) known;
    /// completed only says the handshake finished, the connection lives on.</item>
    /// <item>rejected: [connection, start, denied].</item>
    /// <item>embryonic-timeout, aborted-by-client, reset-before-reply: [connection, start, end]. The record covers the
    /// whole attempt, first SYN to its end, so it keeps "start" as Zeek's RSTO/RSTOS0 documents do.</item>
    /// <item>backscatter, invalid: [connection]. No proper opening was seen, so no start is claimed.</item>
    /// </list>
    /// </summary>
    private static void WriteEventType(Utf8JsonWriter writer, AttemptOutcome outcome)
    {
        writer.WriteStartArray("type"u8);
        foreach (var type in EventTypes(outcome)) writer.WriteStringValue(type);
        writer.WriteEndArray();
    }

    private static readonly string[] s_start = ["connection", "start"];
    private static readonly string[] s_startDenied = ["connection", "start", "denied"];
    private static readonly string[] s_startEnd = ["connection", "start", "end"];
    private static readonly string[] s_connection = ["connection"];

    /// <summary>event.type of an outcome (see <see cref="WriteEventType"/>), for both the checked and the raw writer.</summary>
    private static string[] EventTypes(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Unanswered or AttemptOutcome.Embryonic or AttemptOutcome.Completed => s_start,
        AttemptOutcome.Rejected => s_startDenied,
        AttemptOutcome.EmbryonicTimeout or AttemptOutcome.AbortedByClient or AttemptOutcome.ResetBeforeReply => s_startEnd,
        _ => s_connection,
    };

    private static ReadOnlySpan<byte> NetworkType(ConnectionRecord record) => record.IpVersion switch
    {
        4 => "ipv4"u8,
        6 => "ipv6"u8,
        _ => EcsJson.NetworkType(record.Client),
    };

    private void ComputeCommunityDigest(ConnectionRecord record, Span<byte> digest) =>
        CommunityId.ComputeDigest(record.Client, record.ClientPort, record.Server, record.ServerPort, digest, CommunityId.Tcp, _communityIdSeed);

    // The flow's community digest (which already names the 5-tuple) plus the attempt's start time and client ISN, which
    // tell apart attempts that reuse a tuple. No second hash is needed.
    private static void FormatDocumentId(ConnectionRecord record, ReadOnlySpan<byte> communityDigest, Span<byte> destination)
    {
        Span<byte> raw = stackalloc byte[24];
        communityDigest[..12].CopyTo(raw);
        BinaryPrimitives.WriteInt64BigEndian(raw[12..], record.StartNs);
        BinaryPrimitives.WriteUInt32BigEndian(raw[20..], record.ClientIsn);
        Base64Url.EncodeToUtf8(raw, destination, out _, out _);
    }
}
