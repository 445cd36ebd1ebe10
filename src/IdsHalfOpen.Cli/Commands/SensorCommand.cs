using System.CommandLine;
using System.Globalization;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Capture.Live;
using IdsHalfOpen.Cli.Sensor;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace IdsHalfOpen.Cli.Commands;

/// <summary>
/// <c>idshalfopen sensor --interface IF</c>: the live sensor, hosted by Microsoft.Extensions.Hosting. Settings come from
/// appsettings.json (next to the binary, then the working directory, then <c>--config FILE</c>), then the environment
/// (<c>IDSHALFOPEN__Sensor__Interface</c> and so on), then the command line, each over the one before.
/// </summary>
internal static class SensorCommand
{
    /// <summary>The environment prefix: IDSHALFOPEN__Sensor__Metrics=127.0.0.1:9108 sets Sensor:Metrics.</summary>
    public const string EnvironmentPrefix = "IDSHALFOPEN__";

    public const int CaptureFailed = 5;

    private sealed record Mapped(Option Option, string Key);

    public static Command Create()
    {
        var iface = new Option<string?>("--interface", "-i") { Description = "capture interface (a mirror or tap port)" };
        var config = new Option<FileInfo?>("--config") { Description = "an appsettings.json to read over the default ones" };
        var rules = new Option<string?>("--rules") { Description = "a rule file or a folder of *.yaml (default: the built-in rules/default.yaml); reloaded on SIGHUP and on change" };
        var alerts = new Option<string?>("--alerts") { Description = "append alert lifecycle events as ECS JSON lines to this file ('-' for stdout)" };
        var connLog = new Option<string?>("--conn-log") { Description = "append one ECS JSON line per finished connection attempt to this file" };
        var metrics = new Option<string?>("--metrics") { Description = "serve Prometheus metrics on ADDRESS:PORT (or PORT, on loopback), e.g. 127.0.0.1:9108" };
        var statsInterval = new Option<double?>("--stats-interval") { Description = "seconds between stats lines in the log (default 60; 0: none)" };
        var filter = new Option<string?>("--filter") { Description = "BPF capture filter, e.g. 'tcp or icmp or icmp6'" };
        var snaplen = new Option<int?>("--snaplen") { Description = "bytes captured per packet (default 512: every header the sensor reads)" };
        var immediate = new Option<bool>("--immediate") { Description = "hand each packet over as it arrives instead of in kernel blocks held at most Sensor:BlockTimeoutMs, default 20 ms (more wake-ups under a flood)" };
        var buffer = new Option<int?>("--buffer-mib") { Description = "kernel capture buffer in MiB (default 64)" };
        var noPromisc = new Option<bool>("--no-promiscuous") { Description = "do not put the interface in promiscuous mode" };
        var shards = new Option<int?>("--shards") { Description = "tracker shard threads (default 1)" };
        var maxEntries = new Option<int?>("--max-entries") { Description = "hard cap on tracked attempts (default 1000000)" };
        var sensorName = new Option<string?>("--sensor-name") { Description = "observer.hostname in the documents (default: this host's name)" };
        var noWatch = new Option<bool>("--no-watch-rules") { Description = "reload rules on SIGHUP only, not when a file changes" };
        var es = new EsCliOptions();
        var command = new Command("sensor", "Watch an interface live: track every handshake, detect SYN floods and half-open scans, until SIGTERM or Ctrl-C")
        {
            iface, config, rules, alerts, connLog, metrics, statsInterval, filter, snaplen, immediate, buffer, noPromisc, shards, maxEntries, sensorName, noWatch,
        };
        es.AddConnectionOptions(command);
        command.Add(es.Connections);
        command.Add(es.NoSetup);
        command.Add(es.Spool);
        var mapped = new Mapped[]
        {
            new(iface, "Interface"), new(rules, "Rules"), new(alerts, "Alerts"), new(connLog, "ConnLog"), new(metrics, "Metrics"),
            new(statsInterval, "StatsInterval"), new(filter, "Filter"), new(snaplen, "SnapLength"), new(buffer, "BufferMiB"),
            new(shards, "Shards"), new(maxEntries, "MaxEntries"), new(sensorName, "SensorName"),
            new(es.Url, "Elasticsearch:Url"), new(es.Namespace, "Elasticsearch:Namespace"), new(es.Spool, "Elasticsearch:Spool"),
        };
        command.SetAction(async (parse, token) =>
        {
            var overrides = new Dictionary<string, string?>();
            foreach (var m in mapped)
            {
                if (parse.GetResult(m.Option) is { Implicit: false } r && r.Tokens.Count > 0)
                    overrides[SensorSettings.Section + ":" + m.Key] = Convert.ToString(r.GetValueOrDefault<object>(), CultureInfo.InvariantCulture);
            }

            if (parse.GetValue(noPromisc)) overrides["Sensor:Promiscuous"] = "false";
            if (parse.GetValue(immediate)) overrides["Sensor:Immediate"] = "true";
            if (parse.GetValue(noWatch)) overrides["Sensor:WatchRules"] = "false";
            if (parse.GetValue(es.Connections)) overrides["Sensor:Elasticsearch:Connections"] = "true";
            if (parse.GetValue(es.NoSetup)) overrides["Sensor:Elasticsearch:Setup"] = "false";
            return await RunAsync(parse.GetValue(config), overrides, Console.Error, token).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Builds the configuration in its documented order.</summary>
    internal static IConfigurationRoot BuildConfiguration(FileInfo? configFile, IReadOnlyDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null) builder.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
        return builder.AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(overrides).Build();
    }

    internal static async Task<int> RunAsync(FileInfo? configFile, IReadOnlyDictionary<string, string?> overrides, TextWriter stderr, CancellationToken token)
    {
        IConfigurationRoot configuration;
        var settings = new SensorSettings();
        try
        {
            if (configFile is { Exists: false }) throw new FileNotFoundException($"the configuration file '{configFile.FullName}' does not exist");
            configuration = BuildConfiguration(configFile, overrides);
            configuration.GetSection(SensorSettings.Section).Bind(settings);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or IOException or InvalidDataException)
        {
            // Bad JSON, a value of the wrong type ("Shards": "many"), an unreadable file.
            stderr.WriteLine($"idshalfopen: configuration: {e.Message}{(e.InnerException is { } inner ? " (" + inner.Message + ")" : "")}");
            return ExitCodes.UsageError;
        }

        var problems = settings.Validate();
        foreach (var p in problems) stderr.WriteLine($"idshalfopen: {p}");
        if (problems.Count > 0) return ExitCodes.UsageError;

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        // Logs go to stderr: stdout may carry alert lines (--alerts -).
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSystemd();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.ShutdownTimeout));
        builder.Services.AddSingleton(TimeProvider.System);
        var holder = new SensorRuntimeHolder();
        builder.Services.AddSingleton(holder);
        builder.Services.AddHostedService<SensorService>();
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("idshalfopen.sensor");
        var (runtime, exit) = Open(settings, log, TimeProvider.System);
        if (runtime is null) return exit;
        await using (runtime.ConfigureAwait(false))
        {
            holder.Runtime = runtime;
            await host.RunAsync(token).ConfigureAwait(false);
            return runtime.Failure is null ? ExitCodes.Success : CaptureFailed;
        }
    }

    /// <summary>
    /// Opens the rules, the outputs, the capture and the metrics endpoint, in that order: a mistake in the rules or an
    /// unwritable alert file is reported before the capture (which needs privileges) is touched. Null with the exit code
    /// when something cannot be opened; every failure is logged with what to do about it.
    /// </summary>
    internal static (SensorRuntime? Runtime, int Exit) Open(SensorSettings s, ILogger log, TimeProvider time, IPacketSource? source = null)
    {
        var result = s.Rules is null ? null : Directory.Exists(s.Rules) ? RuleLoader.LoadDirectory(s.Rules) : RuleLoader.LoadFile(s.Rules);
        if (result is not null)
        {
            foreach (var d in result.Diagnostics) SensorStartupLog.RuleDiagnostic(log, d.ToString());
            if (!result.Success || result.RuleSet is null)
            {
                SensorStartupLog.RulesRejected(log, s.Rules!);
                return (null, ExitCodes.UsageError);
            }
        }

        var rules = result?.RuleSet ?? RuleSet.Default;
        var sensor = new SensorInfo(s.SensorName ?? Environment.MachineName, SensorInfo.ProductVersion, s.Interface);
        SensorSinks sinks;
        try
        {
            sinks = new SensorSinks(sensor, s.Alerts, s.ConnLog, OpenElasticsearch(s, sensor, log));
        }
        catch (IOException e)
        {
            SensorStartupLog.OutputFailed(log, e.Message);
            return (null, ExitCodes.UsageError);
        }

        bool live = source is null;
        try
        {
            source ??= LivePacketSource.Open(new LiveCaptureOptions(s.Interface!)
            {
                SnapLength = s.SnapLength,
                ImmediateMode = s.Immediate,
                ReadTimeoutMs = s.BlockTimeoutMs, // also bounds how long libpcap holds a block
                Promiscuous = s.Promiscuous,
                BufferSizeBytes = s.BufferMiB << 20,
                Filter = s.Filter,
            });
        }
        catch (LiveCaptureException e)
        {
            SensorStartupLog.CaptureFailed(log, e.Message);
            sinks.Dispose();
            return (null, ExitCodes.InputError);
        }

        if (source is LivePacketSource { ActivationWarning: { } warning }) SensorStartupLog.CaptureWarning(log, warning);
        var tracker = new TrackerOptions
        {
            EmbryonicTimeout = rules.Tracker.EmbryonicTimeout,
            UnansweredTimeout = rules.Tracker.UnansweredTimeout,
            MaxEntries = s.MaxEntries,
        };
        var pipeline = new SensorPipeline(new SensorPipelineOptions
        {
            Rules = rules,
            Tracker = tracker,
            Shards = s.Shards,
            MaxPacketsInFlight = s.MaxPacketsInFlight,
            FollowWallClock = live,
            TopDestinations = s.TopDestinations,
            Health = s.Health,
        }, source, source is LivePacketSource l ? l.GetStatistics : null, sinks, log, time);
        var reloader = new RuleReloader(s.Rules, s.WatchRules, pipeline, log, time);
        MetricsEndpoint? metrics = null;
        if (s.Metrics is not null && SensorSettings.TryParseEndpoint(s.Metrics, out var endpoint))
        {
            try
            {
                metrics = MetricsEndpoint.Start(endpoint, () => pipeline.Latest, log);
            }
            catch (IOException e)
            {
                SensorStartupLog.OutputFailed(log, e.Message);
                reloader.Dispose();
                pipeline.Dispose();
                sinks.Dispose();
                source.Dispose();
                return (null, ExitCodes.UsageError);
            }
        }

        return (new SensorRuntime { Settings = s, Source = source, Pipeline = pipeline, Sinks = sinks, Reloader = reloader, Metrics = metrics }, ExitCodes.Success);
    }

    /// <summary>
    /// Elasticsearch when configured (settings or IDS_ES_URL). The cluster is not contacted here: a sensor must start and
    /// capture while it is down; documents wait in the durable spool, and the templates are installed before the first
    /// delivery.
    /// </summary>
    private static EsOutput? OpenElasticsearch(SensorSettings s, SensorInfo sensor, ILogger log)
    {
        var options = EsOptions.FromEnvironment();
        if (s.Elasticsearch.Url is { Length: > 0 } url) options = options with { Url = url };
        if (s.Elasticsearch.Namespace is { Length: > 0 } ns) options = options with { Namespace = ns };
        if (options.Url is null) return null;
        var problems = options.Validate();
        if (problems.Count > 0) throw new IOException("Elasticsearch: " + string.Join("; ", problems));
        var es = new EsReplayOptions
        {
            Es = options,
            Setup = s.Elasticsearch.Setup,
            Connections = s.Elasticsearch.Connections,
            Timeout = TimeSpan.FromSeconds(s.Elasticsearch.StopTimeout),
            SpoolDirectory = s.Elasticsearch.Spool ?? EsCliOptions.DefaultSpoolDirectory,
        };
        return EsOutput.Open(es, sensor, TextWriter.Null, deferSetup: true, log: (level, message) =>
        {
            var l = Level(level);
            if (log.IsEnabled(l)) SensorStartupLog.Elasticsearch(log, l, message);
        });
    }

    private static LogLevel Level(EsLogLevel level) => level switch
    {
        EsLogLevel.Debug => LogLevel.Debug,
        EsLogLevel.Information => LogLevel.Information,
        EsLogLevel.Warning => LogLevel.Warning,
        _ => LogLevel.Error,
    };
}

/// <summary>Lets the hosted service find the runtime, which is opened after the host is built (it needs its logging).</summary>
internal sealed class SensorRuntimeHolder
{
    public SensorRuntime? Runtime { get; set; }
}

internal static partial class SensorStartupLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Diagnostic}")]
    public static partial void RuleDiagnostic(ILogger logger, string diagnostic);

    [LoggerMessage(Level = LogLevel.Critical, Message = "the rules in {Path} do not load; fix the errors above (idshalfopen rules check {Path})")]
    public static partial void RulesRejected(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot open an output: {Message}")]
    public static partial void OutputFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Critical, Message = "cannot capture: {Message}")]
    public static partial void CaptureFailed(ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "capture: {Warning}")]
    public static partial void CaptureWarning(ILogger logger, string warning);

    [LoggerMessage(Message = "elasticsearch: {Message}")]
    public static partial void Elasticsearch(ILogger logger, LogLevel level, string message);
}
