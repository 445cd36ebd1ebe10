using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Output.Tests.Elasticsearch;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// Shipping rate to Elasticsearch: N alert documents through the real <see cref="EsShipper"/> (with the durable spool,
/// and with the memory queue) into the loopback fake of the tests, beside peers posting the very same bulk bodies to
/// the same fake: a bare HttpClient, and curl (<c>--data-binary</c>, one process, one kept-alive connection). The
/// fake parses and validates every document, so it bounds all of them; the ratio to the peers is the shipper's own
/// cost (serialising, spooling, acknowledging, reading the answers). A fresh fake per run, so every run creates
/// every document (no run meets the previous run's 409s).
/// </summary>
internal static class EsShipBenchmark
{
    private const long T0 = 1_714_564_800_123_456_789;

    public static int Run(string[] args)
    {
        int documents = GetInt(args, "--documents", 50_000);
        int rounds = GetInt(args, "--rounds", 3);
        var options = new EsOptions();
        var sensor = new SensorInfo("bench-sensor", SensorInfo.ProductVersion, "eth0");
        string? curl = TestEnvironment.FindTool("curl");
        string work = Path.Combine(Path.GetTempPath(), "idshalfopen-es-ship-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var warm = Dataset.Make(Math.Min(documents, 2_000), sensor, options, Path.Combine(work, "warm"));
            var data = Dataset.Make(documents, sensor, options, Path.Combine(work, "measured"));
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"{documents:N0} alert documents, {data.Bytes / 1e6:F1} MB of bulk bodies in {data.Bodies.Count} requests of up to {options.BatchSize} documents (the shipper's defaults)"));

            const string Peer = "HttpClient, pre-built bodies";
            var contenders = new List<(string Name, Func<FakeElasticsearch, Dataset, Task> Ship)>
            {
                ("EsShipper + durable spool", (fake, d) => ShipAsync(fake, options, sensor, d.Alerts, spoolDirectory: Path.Combine(work, "spool"))),
                ("EsShipper + memory queue", (fake, d) => ShipAsync(fake, options, sensor, d.Alerts, spoolDirectory: null)),
                (Peer, (fake, d) => PostAsync(fake, d.Bodies)),
            };
            if (curl is not null) contenders.Add(("curl --data-binary, pre-built bodies", (fake, d) => CurlAsync(curl, fake, d.BodyFiles)));
            else Console.WriteLine("curl not installed: its line is left out (apt-get install curl)");

            // A small unmeasured round first warms the JIT, Kestrel and the fake's mapping code for every contender.
            foreach (var (_, ship) in contenders) MeasureAsync(ship, warm).GetAwaiter().GetResult();
            var seconds = contenders.ToDictionary(r => r.Name, _ => new List<double>());
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (name, ship) in contenders) seconds[name].Add(MeasureAsync(ship, data).GetAwaiter().GetResult());
            }

            Console.WriteLine($"median of {rounds} rounds, contenders interleaved, each into a fresh fake:");
            double peer = Median(seconds[Peer]);
            foreach (var (name, _) in contenders)
            {
                double m = Median(seconds[name]);
                Console.WriteLine(string.Create(c, $"  {name,-38} {documents / m,9:N0} docs/s {data.Bytes / m / 1e6,7:F1} MB/s  {peer / m:F2}x the HttpClient rate  (runs: {string.Join(", ", seconds[name].Select(x => x.ToString("F3", c)))} s)"));
            }

            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Seconds from the first document to the last one stored, in a fresh fake with the templates installed.</summary>
    private static async Task<double> MeasureAsync(Func<FakeElasticsearch, Dataset, Task> ship, Dataset data)
    {
        await using var fake = await FakeElasticsearch.StartAsync().ConfigureAwait(false);
        using (var setup = new EsConnection(new EsOptions { Url = fake.Url.ToString() })) await EsSetup.InstallAsync(setup).ConfigureAwait(false);
        GC.Collect();
        var clock = Stopwatch.StartNew();
        await ship(fake, data).ConfigureAwait(false);
        double elapsed = clock.Elapsed.TotalSeconds;
        long stored = fake.Store.DocumentCount;
        if (stored != data.Alerts.Count) throw new InvalidOperationException($"{stored} documents stored, expected {data.Alerts.Count}");
        return elapsed;
    }

    /// <summary>Writes every alert, then waits until all are delivered (as a replay's end does).</summary>
    private static async Task ShipAsync(FakeElasticsearch fake, EsOptions options, SensorInfo sensor, List<AlertEvent> alerts, string? spoolDirectory)
    {
        using var connection = new EsConnection(options with { Url = fake.Url.ToString() });
        if (spoolDirectory is not null && Directory.Exists(spoolDirectory)) Directory.Delete(spoolDirectory, recursive: true);
        IDeliveryQueue queue = spoolDirectory is null ? new MemoryDeliveryQueue(maxBytes: 4L << 30) : SpoolDeliveryQueue.Open(spoolDirectory, maxBytes: 4L << 30);
        try
        {
            using var shipper = new EsShipper(connection, queue, new AlertDocumentWriter(sensor));
            foreach (var alert in alerts) shipper.Write(alert);
            shipper.Flush();
            if (!await shipper.FlushAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false) || shipper.Delivered != alerts.Count)
            {
                throw new InvalidOperationException($"delivered {shipper.Delivered} of {alerts.Count}: {shipper.LastError}");
            }
        }
        finally
        {
            ((IDisposable)queue).Dispose();
        }
    }

    private static async Task PostAsync(FakeElasticsearch fake, List<byte[]> bodies)
    {
        using var http = new HttpClient();
        var url = new Uri(fake.Url, "_bulk?require_data_stream=true");
        foreach (var body in bodies)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await http.PostAsync(url, content).ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"HttpClient: {response.StatusCode}");
        }
    }

    /// <summary>
    /// One curl for all bodies: <c>--next</c> keeps the connection, as a shipper would; an empty <c>Expect:</c> stops
    /// curl from asking for 100-continue before each large body, a round trip no shipper makes.
    /// </summary>
    private static async Task CurlAsync(string curl, FakeElasticsearch fake, List<string> bodyFiles)
    {
        var psi = new ProcessStartInfo(curl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string url = new Uri(fake.Url, "_bulk?require_data_stream=true").ToString();
        for (int i = 0; i < bodyFiles.Count; i++)
        {
            if (i > 0) psi.ArgumentList.Add("--next");
            foreach (var a in new[] { "-s", "-o", "/dev/null", "-w", "%{http_code}\n", "-H", "Content-Type: application/x-ndjson", "-H", "Expect:", "--data-binary", "@" + bodyFiles[i], url }) psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start curl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        var codes = (await stdout.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || codes.Length != bodyFiles.Count || codes.Any(code => code != "200"))
        {
            throw new InvalidOperationException($"curl exited {process.ExitCode}: {await stderr.ConfigureAwait(false)} (answers: {string.Join(' ', codes.Distinct())})");
        }
    }

    /// <summary>The alerts, the bulk bodies the shipper would post for them, and those bodies in files for curl.</summary>
    private sealed record Dataset(List<AlertEvent> Alerts, List<byte[]> Bodies, List<string> BodyFiles)
    {
        public long Bytes => Bodies.Sum(b => (long)b.Length);

        public static Dataset Make(int documents, SensorInfo sensor, EsOptions options, string directory)
        {
            var alerts = MakeAlerts(documents);
            var bodies = BulkBodies(alerts, sensor, options);
            Directory.CreateDirectory(directory);
            var files = new List<string>();
            for (int i = 0; i < bodies.Count; i++)
            {
                string file = Path.Combine(directory, $"bulk-{i}.ndjson");
                File.WriteAllBytes(file, bodies[i]);
                files.Add(file);
            }

            return new Dataset(alerts, bodies, files);
        }
    }

    /// <summary>
    /// The bytes the shipper would post: its own queue payloads (a shipper pointed at a closed port only queues),
    /// grouped by its batch limits.
    /// </summary>
    private static List<byte[]> BulkBodies(List<AlertEvent> alerts, SensorInfo sensor, EsOptions options)
    {
        using var queue = new MemoryDeliveryQueue(maxBytes: 4L << 30);
        using (var offline = new EsConnection(options with { Url = "http://127.0.0.1:9" }))
        using (var shipper = new EsShipper(offline, queue, new AlertDocumentWriter(sensor)))
        {
            foreach (var alert in alerts) shipper.Write(alert);
        }

        var records = new List<QueuedRecord>();
        queue.Peek(int.MaxValue, records);
        if (records.Count != alerts.Count) throw new InvalidOperationException($"queued {records.Count} of {alerts.Count}");
        var bodies = new List<byte[]>();
        var body = new MemoryStream();
        int inBody = 0;
        foreach (var record in records)
        {
            if (inBody > 0 && (inBody == options.BatchSize || body.Length + record.Payload.Length > options.BatchBytes))
            {
                bodies.Add(body.ToArray());
                body.SetLength(0);
                inBody = 0;
            }

            body.Write(record.Payload.Span);
            inBody++;
        }

        if (inBody > 0) bodies.Add(body.ToArray());
        return bodies;
    }

    /// <summary>Distinct alerts as the detection stage makes them: starts, updates and ends of floods on many victims, both families.</summary>
    private static List<AlertEvent> MakeAlerts(int count)
    {
        var random = new Random(42);
        var rule = new RuleInfo("syn-flood-victim", 3, "SYN flood against a host", Severity.High, "default");
        var alerts = new List<AlertEvent>(count);
        for (int i = 0; i < count; i++)
        {
            var phase = (AlertPhase)(i % 3);
            bool v6 = i % 5 == 0;
            UInt128 victim = v6 ? (UInt128.One << 127) | (uint)i : (UInt128)0xFFFF_0A00_0000u + (uint)(i % 65536);
            long start = T0 + (i * 1_000_000L);
            alerts.Add(new AlertEvent
            {
                AttackId = $"syn-flood-victim/{i}/{start}",
                Kind = AlertKind.SynFlood,
                Phase = phase,
                Sequence = i % 7,
                TimestampNs = start + 30_000_000_000 + random.Next(1000),
                StartNs = start,
                EndNs = phase == AlertPhase.End ? start + 45_500_000_001 : null,
                EndReason = phase == AlertPhase.End ? "quiet" : null,
                Rule = rule,
                Severity = Severity.Critical,
                DestinationIp = victim,
                DestinationPort = 80,
                Embryonic = random.Next(100, 5000),
                EmbryonicPeak = 5000,
                SynRatePeak = 15000.5,
                SynRateAverage = random.Next(1000, 15000),
                CompletionRatio = 0.015,
                DistinctSources = random.Next(1000, 100_000),
                DistinctSourcesEstimated = true,
                Count = 7,
                TopSources = [new((UInt128)0xFFFF_C000_0201u, 500), new((UInt128)0xFFFF_C633_6407u, 300), new(victim, 2)],
                TopDestinationPorts = [new((ushort)80, 90000), new((ushort)443, 12)],
                Spoofing = new SpoofingProfile { AnsweredShare = 0.01, TtlMin = 30, TtlMax = 250, TtlDistinct = 200 },
                Message = "SYN flood " + i.ToString(CultureInfo.InvariantCulture),
            });
        }

        return alerts;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int GetInt(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
