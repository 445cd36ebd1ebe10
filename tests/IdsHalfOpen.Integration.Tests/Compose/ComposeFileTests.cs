using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using IdsHalfOpen.Output.Kibana;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Compose;

public partial class ComposeFileTests
{
    internal static string ComposePath => Path.Combine(RepoPaths.Root, "docker-compose.yml");

    internal static string ComposeText => File.ReadAllText(ComposePath);

    internal static JsonSchemaValidator ComposeSchema { get; } =
        new(JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Shared, "schemas", "compose-spec.json")))!);

    private static JsonObject Compose => YamlJson.Convert(ComposeText)!.AsObject();

    private static JsonObject Service(string name) => Compose["services"]![name]!.AsObject();

    private static Dictionary<string, string> EnvExample() =>
        File.ReadAllLines(Path.Combine(RepoPaths.Root, ".env.example"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>The environment list of a service as NAME → value, whichever form (list or map) it uses.</summary>
    private static Dictionary<string, string> Environment(string service)
    {
        var env = Service(service)["environment"];
        if (env is JsonObject map) return map.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
        return env!.AsArray().Select(e => e!.GetValue<string>().Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }

    [Fact]
    public void ComposeFile_AsShipped_ValidatesAgainstTheComposeSpecification()
    {
        var errors = ComposeSchema.Validate(YamlJson.Convert(ComposeText));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -s --cacert", "    healthchek:\n      test: [\"CMD-SHELL\", \"curl -s --cacert", "'healthchek' is not allowed")]
    [InlineData("\nvolumes:\n  certs:", "\nvolume:\n  certs:", "'volume' is not allowed")]
    [InlineData("    network_mode: host", "    network-mode: host", "'network-mode' is not allowed")]
    [InlineData("  es01:\n    image:", "  es01:\n    images:", "'images' is not allowed")]
    [InlineData("      - NET_RAW\n", "      - NET_RAW\n      - NET_RAW\n", "must be unique")]
    [InlineData("    ulimits:\n      memlock:\n        soft: -1", "    ulimits:\n      memlock:\n        sofft: -1", "/services/es01/ulimits/memlock")]
    [InlineData("      setup:\n        condition: service_healthy", "      setup:\n        condition: service_heathy", "service_heathy")]
    public void ComposeFile_WithATypo_IsRejected(string original, string typo, string expected)
    {
        Assert.Contains(original, ComposeText, StringComparison.Ordinal);
        string damaged = ComposeText.Replace(original, typo, StringComparison.Ordinal);

        var errors = ComposeSchema.Validate(YamlJson.Convert(damaged));

        Assert.Contains(errors, e => e.ToString().Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void StackVersion_ComposeEnvExampleAndDashboards_AreTheSame()
    {
        var defaults = StackVersionDefault().Matches(ComposeText).Select(m => m.Groups[1].Value).ToList();
        Assert.True(defaults.Count >= 3, "setup, es01 and kibana pin the version");
        Assert.All(defaults, v => Assert.Equal(KibanaDashboards.StackVersion, v));
        Assert.Equal(KibanaDashboards.StackVersion, EnvExample()["STACK_VERSION"]);
        Assert.StartsWith("docker.elastic.co/elasticsearch/elasticsearch:${STACK_VERSION", Service("es01")["image"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("docker.elastic.co/kibana/kibana:${STACK_VERSION", Service("kibana")["image"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_EveryReference_IsDefaultedOrInEnvExample()
    {
        var env = EnvExample();
        // Drop $$ (a literal $ for the container's shell) before looking for ${NAME...}.
        string text = ComposeText.Replace("$$", "", StringComparison.Ordinal);
        var references = VariableReference().Matches(text).ToList();
        Assert.NotEmpty(references);
        Assert.DoesNotMatch(@"\$[A-Za-z_]", text); // only the braced form, so nothing is interpolated by accident
        foreach (var m in references)
        {
            string name = m.Groups[1].Value, op = m.Groups[2].Value;
            Assert.True(op == ":-" || env.ContainsKey(name), $"${{{name}}} has no default and is not in .env.example");
            if (op == ":?") Assert.True(env.ContainsKey(name), $"{name} is required but .env.example does not show it");
        }
    }

    [Fact]
    public void EnvExample_Secrets_AreObviousPlaceholdersThatKibanaAndTheSetupAccept()
    {
        var env = EnvExample();
        foreach (var name in new[] { "ELASTIC_PASSWORD", "KIBANA_PASSWORD", "ENCRYPTION_KEY" })
        {
            Assert.StartsWith("changeme", env[name], StringComparison.Ordinal);
            Assert.Matches("^[A-Za-z0-9-]+$", env[name]); // the setup container writes passwords into JSON unescaped
        }

        Assert.True(env["ENCRYPTION_KEY"].Length >= 32, "Kibana needs an encryption key of 32 characters or more");
        Assert.False(File.Exists(Path.Combine(RepoPaths.Root, ".env")) && IsTracked(".env"), ".env must not be committed");
        Assert.Contains(".env", File.ReadAllLines(Path.Combine(RepoPaths.Root, ".gitignore")));
    }

    [Fact]
    public void Ports_EveryPublishedPort_IsBoundToLoopback()
    {
        var ports = Compose["services"]!.AsObject()
            .SelectMany(s => s.Value!["ports"]?.AsArray().Select(p => p!.GetValue<string>()) ?? [])
            .ToList();
        Assert.Equal(2, ports.Count);
        Assert.All(ports, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void ElasticStack_FollowsElasticsSingleNodePattern()
    {
        var es = Environment("es01");
        Assert.Equal("single-node", es["discovery.type"]);
        Assert.Equal("true", es["xpack.security.enabled"]);
        Assert.StartsWith("${ELASTIC_PASSWORD", es["ELASTIC_PASSWORD"], StringComparison.Ordinal);
        Assert.Contains("-Xmx", es["ES_JAVA_OPTS"], StringComparison.Ordinal);
        Assert.Contains("curl", Service("es01")["healthcheck"]!["test"]!.ToJsonString(), StringComparison.Ordinal);

        string setup = Service("setup")["command"]!.ToJsonString();
        Assert.Contains("/_security/user/kibana_system/_password", setup, StringComparison.Ordinal);

        var kibana = Environment("kibana");
        Assert.Equal("kibana_system", kibana["ELASTICSEARCH_USERNAME"]);
        Assert.StartsWith("${KIBANA_PASSWORD", kibana["ELASTICSEARCH_PASSWORD"], StringComparison.Ordinal);
        Assert.StartsWith("${ENCRYPTION_KEY", kibana["XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY"], StringComparison.Ordinal);
        Assert.NotNull(Service("kibana")["healthcheck"]);
        Assert.Equal("service_healthy", Service("kibana")["depends_on"]!["es01"]!["condition"]!.GetValue<string>());
    }

    [Fact]
    public void IdsHalfOpenServices_SetupSensorAndReplay_AreWiredAsDocumented()
    {
        string setupCommand = Service("idshalfopen-setup")["command"]!.ToJsonString();
        Assert.Contains("idshalfopen es setup", setupCommand, StringComparison.Ordinal);
        Assert.Contains("idshalfopen kibana setup", setupCommand, StringComparison.Ordinal);
        Assert.Equal("http://kibana:5601", Environment("idshalfopen-setup")[KibanaSetup.UrlVariable]);
        Assert.True(Environment("idshalfopen-setup").ContainsKey(KibanaSetup.PasswordVariable));

        var sensor = Service("sensor");
        Assert.Equal("host", sensor["network_mode"]!.GetValue<string>());
        Assert.Equal(["NET_RAW", "NET_ADMIN"], sensor["cap_add"]!.AsArray().Select(c => c!.GetValue<string>()));
        var sensorArgs = sensor["command"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Equal(["sensor", "--interface", "${IDS_INTERFACE:-eth0}"], sensorArgs.Take(3));
        Assert.Contains("spool:/var/lib/idshalfopen", sensor["volumes"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("service_completed_successfully", sensor["depends_on"]!["idshalfopen-setup"]!["condition"]!.GetValue<string>());

        var replay = Service("replay");
        Assert.Equal(["replay"], replay["profiles"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.True(Environment("replay").ContainsKey("IDS_ES_URL"));
        Assert.Contains("./samples-pcap:/samples:ro", replay["volumes"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.True(Directory.Exists(Path.Combine(RepoPaths.Root, "samples-pcap")));

        foreach (var name in new[] { "idshalfopen-setup", "sensor", "replay" })
        {
            var build = Service(name)["build"]!;
            Assert.Equal(".", build["context"]!.GetValue<string>());
            Assert.Equal("src/IdsHalfOpen.Cli/Dockerfile", build["dockerfile"]!.GetValue<string>());
        }
    }

    /// <summary>
    /// The commands the compose file gives our image are run through the real CLI, with compose's variables filled in
    /// and a spot that cannot capture: the sensor's arguments must get as far as opening the interface (exit 2, not the
    /// usage error 1), and the replay command must replay the samples.
    /// </summary>
    [Fact]
    public void IdsHalfOpenCommands_RunThroughTheCli_ParseAndRun()
    {
        var spool = Directory.CreateTempSubdirectory("iho-compose-");
        try
        {
            var sensorArgs = Service("sensor")["command"]!.AsArray().Select(c => c!.GetValue<string>()
                .Replace("${IDS_INTERFACE:-eth0}", "no-such-if0", StringComparison.Ordinal)
                .Replace("${IDS_METRICS_PORT:-9108}", "19108", StringComparison.Ordinal)
                .Replace("/var/lib/idshalfopen/spool", spool.FullName, StringComparison.Ordinal)).ToList();
            var (code, _, stderr) = TestEnvironment.Run(TestEnvironment.FindTool("dotnet")!, [RepoPaths.CliDll, .. sensorArgs], TimeSpan.FromSeconds(60));
            Assert.True(code == 2, $"sensor exit {code}: {stderr}");

            string replay = Service("replay")["command"]!.AsArray().Last()!.GetValue<string>();
            Assert.StartsWith("idshalfopen replay ", replay, StringComparison.Ordinal);
            var replayArgs = replay["idshalfopen ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .SelectMany(a => a.StartsWith("/samples/", StringComparison.Ordinal)
                    ? Directory.GetFiles(RepoPaths.Samples, a["/samples/".Length..]).Order(StringComparer.Ordinal).ToArray()
                    : new[] { a }).ToList();
            var (replayCode, _, replayErr) = TestEnvironment.Run(TestEnvironment.FindTool("dotnet")!, [RepoPaths.CliDll, .. replayArgs, "--quiet"], TimeSpan.FromSeconds(120));
            Assert.True(replayCode == 0, $"replay exit {replayCode}: {replayErr}");
        }
        finally
        {
            spool.Delete(recursive: true);
        }
    }

    [Fact]
    public void Dockerfile_BuildsOnTheSdkAndRunsOnTheRuntimeAsNonRootWithCaptureCapability()
    {
        string dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "IdsHalfOpen.Cli", "Dockerfile"));
        var from = FromLine().Matches(dockerfile).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, from.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", from[0], StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime:10.0", from[1], StringComparison.Ordinal);
        Assert.Matches(@"apt-get install[^\n]*libpcap0\.8", dockerfile);
        Assert.Matches(@"setcap cap_net_raw", dockerfile);
        var user = UserLine().Matches(dockerfile).Select(m => m.Groups[1].Value).Last();
        Assert.DoesNotMatch("^(root|0)(:|$)", user);

        // Every file the build copies from the context exists.
        foreach (Match m in CopyLine().Matches(dockerfile))
        {
            foreach (var source in m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            {
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)) || Directory.Exists(Path.Combine(RepoPaths.Root, source)), $"COPY source {source} is missing");
            }
        }
    }

    private static bool IsTracked(string path) =>
        TestEnvironment.Run("git", ["-C", RepoPaths.Root, "ls-files", "--error-unmatch", path]).ExitCode == 0;

    [GeneratedRegex(@"\$\{STACK_VERSION:-([^}]+)\}")]
    private static partial Regex StackVersionDefault();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-|:\?|-|\?)?[^}]*\}")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^FROM\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^USER\s+(\S+)", RegexOptions.Multiline)]
    private static partial Regex UserLine();

    [GeneratedRegex(@"^COPY\s+(?!--from)(?:--\S+\s+)*(.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyLine();
}
