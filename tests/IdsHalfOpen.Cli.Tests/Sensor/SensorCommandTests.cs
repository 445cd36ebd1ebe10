using System.Net;
using System.Net.Sockets;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Cli.Sensor;
using IdsHalfOpen.Output.Metrics;
using IdsHalfOpen.TestKit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace IdsHalfOpen.Cli.Tests.Sensor;

public sealed class SensorCommandTests : IDisposable
{
    private readonly CliFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private static Task<int> Run(FileInfo? config, params (string Key, string Value)[] overrides)
    {
        var d = overrides.ToDictionary(o => "Sensor:" + o.Key, o => (string?)o.Value);
        return SensorCommand.RunAsync(config, d, TextWriter.Null, CancellationToken.None);
    }

    [Fact]
    public async Task RunAsync_NoInterface_UsageError()
    {
        var stderr = new StringWriter();
        int exit = await SensorCommand.RunAsync(null, new Dictionary<string, string?>(), stderr, CancellationToken.None);
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("no capture interface", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingRulesPath_UsageErrorNamingIt()
    {
        var stderr = new StringWriter();
        int exit = await SensorCommand.RunAsync(null, new Dictionary<string, string?> { ["Sensor:Interface"] = "lo", ["Sensor:Rules"] = "/nonexistent/rules" }, stderr, CancellationToken.None);
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("/nonexistent/rules", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_WrongTypeInConfigFile_UsageError()
    {
        string json = _fx.Path_("appsettings.json");
        File.WriteAllText(json, """{ "Sensor": { "Interface": "lo", "Shards": "many" } }""");
        var stderr = new StringWriter();
        int exit = await SensorCommand.RunAsync(new FileInfo(json), new Dictionary<string, string?>(), stderr, CancellationToken.None);
        Assert.Equal(ExitCodes.UsageError, exit);
        Assert.Contains("configuration", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingConfigFile_UsageError()
    {
        int exit = await Run(new FileInfo(_fx.Path_("nope.json")), ("Interface", "lo"));
        Assert.Equal(ExitCodes.UsageError, exit);
    }

    [Fact]
    public async Task RunAsync_BrokenRuleFile_UsageErrorBeforeCapture()
    {
        string rules = _fx.Path_("bad.yaml");
        File.WriteAllText(rules, "version: 1\nrules:\n  - id: A\n    kind: nonsense\n");
        int exit = await Run(null, ("Interface", "no-such-if0"), ("Rules", rules));
        Assert.Equal(ExitCodes.UsageError, exit); // not InputError: the rules are checked before the interface
    }

    [RequiresToolsFact("lib:libpcap.so.0.8")]
    public async Task RunAsync_UnknownInterface_InputError()
    {
        int exit = await Run(null, ("Interface", "no-such-if0"), ("Alerts", _fx.Path_("a.jsonl")));
        Assert.Equal(ExitCodes.InputError, exit);
    }

    [Fact]
    public void BuildConfiguration_FileEnvironmentCommandLine_EachOverTheOneBefore()
    {
        string json = _fx.Path_("appsettings.json");
        File.WriteAllText(json, """{ "Sensor": { "Interface": "from-file", "Filter": "tcp", "Shards": 3, "StatsInterval": 5 } }""");
        string key = SensorCommand.EnvironmentPrefix + "Sensor__Filter";
        Environment.SetEnvironmentVariable(key, "tcp or icmp");
        try
        {
            var config = SensorCommand.BuildConfiguration(new FileInfo(json), new Dictionary<string, string?> { ["Sensor:Shards"] = "2" });
            var s = new SensorSettings();
            config.GetSection(SensorSettings.Section).Bind(s);
            Assert.Equal("from-file", s.Interface);
            Assert.Equal("tcp or icmp", s.Filter);
            Assert.Equal(2, s.Shards);
            Assert.Equal(5, s.StatsInterval);
        }
        finally
        {
            Environment.SetEnvironmentVariable(key, null);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:9108", "127.0.0.1", 9108)]
    [InlineData("9108", "127.0.0.1", 9108)]
    [InlineData("[::1]:9200", "::1", 9200)]
    [InlineData("0.0.0.0:80", "0.0.0.0", 80)]
    public void TryParseEndpoint_Valid_Parsed(string text, string address, int port)
    {
        Assert.True(SensorSettings.TryParseEndpoint(text, out var e));
        Assert.Equal(IPAddress.Parse(address), e.Address);
        Assert.Equal(port, e.Port);
    }

    [Theory]
    [InlineData("localhost:9108")]
    [InlineData("127.0.0.1")]
    [InlineData("70000")]
    [InlineData("127.0.0.1:0")]
    [InlineData("")]
    public void TryParseEndpoint_Invalid_Rejected(string text) => Assert.False(SensorSettings.TryParseEndpoint(text, out _));

    [Fact]
    public async Task MetricsEndpoint_Get_ServesSnapshotAsPrometheusText()
    {
        int port = FreePort();
        var snapshot = new SensorMetricsSnapshot
        {
            PacketsReceived = 42,
            CaptureDropped = 3,
            GlobalEmbryonic = 7,
            TopDestinations = [new DestinationGauge("10.0.0.10:80", 7)],
            StageDropped = new Dictionary<string, long> { ["tracker"] = 0 },
        };
        await using var endpoint = MetricsEndpoint.Start(new IPEndPoint(IPAddress.Loopback, port), () => snapshot, NullLogger.Instance);
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\nidshalfopen_packets_total 42\n", body, StringComparison.Ordinal);
        Assert.Contains("\nidshalfopen_capture_dropped_packets_total 3\n", body, StringComparison.Ordinal);
        Assert.Contains("\nidshalfopen_embryonic_connections 7\n", body, StringComparison.Ordinal);
        Assert.Contains("\nidshalfopen_embryonic_connections{destination=\"10.0.0.10:80\"} 7\n", body, StringComparison.Ordinal);

        // "localhost" is the same loopback endpoint.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"http://localhost:{port}/metrics"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/other"))).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await http.PostAsync(new Uri($"http://127.0.0.1:{port}/metrics"), new StringContent("x"))).StatusCode);
    }

    [Fact]
    public void MetricsEndpoint_PortTaken_IOExceptionNamingEndpoint()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var e = Assert.ThrowsAny<IOException>(() => MetricsEndpoint.Start(new IPEndPoint(IPAddress.Loopback, port), () => SensorMetricsSnapshot.Empty, NullLogger.Instance));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
