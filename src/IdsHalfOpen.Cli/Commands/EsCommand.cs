using System.CommandLine;
using System.Globalization;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;

namespace IdsHalfOpen.Cli.Commands;

/// <summary>
/// <c>idshalfopen es setup [--es URL]</c>: installs the lifecycle policy and templates of our data streams;
/// <c>idshalfopen es drain [--es URL] [--spool DIR]</c>: ships what a spool holds and exits. Also holds the
/// Elasticsearch options shared with <c>replay</c>. Credentials and trust come from the environment only
/// (IDS_ES_API_KEY, IDS_ES_USERNAME/IDS_ES_PASSWORD, IDS_ES_CA_FILE, IDS_ES_CA_FINGERPRINT), never from the command line,
/// where other users could read them.
/// </summary>
internal static class EsCommand
{
    /// <summary>
    /// <c>es drain</c> ended with documents still in the spool (Elasticsearch unreachable or refusing). The same number
    /// as <c>kibana setup</c>'s failed remote step, until ExitCodes.cs gains a shared code for it.
    /// </summary>
    internal const int Undelivered = 4;

    internal static Command Create()
    {
        var options = new EsCliOptions();
        var setup = new Command("setup", "Install (idempotently) the lifecycle policy, component and index templates of the sensor's data streams; exit 1 on any failure");
        options.AddConnectionOptions(setup);
        setup.SetAction(async (parse, token) =>
        {
            var es = options.Resolve(parse, Console.Error, requireUrl: true);
            return es is null ? ExitCodes.UsageError : await RunSetupAsync(es, Console.Out, Console.Error, token).ConfigureAwait(false);
        });

        var drainOptions = new EsCliOptions();
        var drain = new Command("drain", $"Ship the documents a spool holds (left by a run that stopped or was killed before delivering them) and exit: 0 when the spool is empty, {Undelivered} when documents are left");
        drainOptions.AddDrainOptions(drain);
        drain.SetAction((parse, token) =>
        {
            var es = drainOptions.ResolveDrain(parse, Console.Error);
            return Task.FromResult(es is null ? ExitCodes.UsageError : RunDrain(es, Console.Out, Console.Error, token));
        });
        return new Command("es", "Work with Elasticsearch (connection from --es or IDS_ES_URL and the other IDS_ES_* variables)") { setup, drain };
    }

    internal static async Task<int> RunSetupAsync(EsOptions options, TextWriter stdout, TextWriter stderr, CancellationToken token)
    {
        try
        {
            using var connection = new EsConnection(options);
            var result = await EsSetup.InstallAsync(connection, token).ConfigureAwait(false);
            var c = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Create(c, $"cluster     {result.Cluster.ClusterName} (Elasticsearch {result.Cluster.Version}) at {connection.Target}"));
            foreach (var path in result.Installed) stdout.WriteLine($"installed   {path}");
            stdout.WriteLine($"streams     {options.AlertDataStream}, {options.ConnectionDataStream} (created on first write)");
            return ExitCodes.Success;
        }
        catch (ElasticsearchException e)
        {
            stderr.WriteLine($"idshalfopen: {e.Message}");
            return ExitCodes.UsageError;
        }
    }

    /// <summary>
    /// Ships what the spool holds, oldest first, through the same shipper as replay (409 counts as already delivered,
    /// refusals go to the dead-letter file), waiting up to the timeout; the spool keeps whatever is left.
    /// </summary>
    internal static int RunDrain(EsReplayOptions options, TextWriter stdout, TextWriter stderr, CancellationToken token)
    {
        // Opening would create a missing spool; for a drain that is a mistyped path, not an empty spool.
        if (!Directory.Exists(options.SpoolDirectory))
        {
            stderr.WriteLine($"idshalfopen: there is no spool at '{options.SpoolDirectory}'");
            return ExitCodes.UsageError;
        }

        EsOutput output;
        try
        {
            // The sensor name would go into documents written now; a drain writes none, it only ships the spool's.
            output = EsOutput.Open(options, SensorInfo.ForThisHost(), stderr, token: token);
        }
        catch (ElasticsearchException e)
        {
            stderr.WriteLine($"idshalfopen: {e.Message}; the spool is kept");
            return Undelivered;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"idshalfopen: {e.Message}");
            return ExitCodes.UsageError;
        }

        using (output)
        {
            var c = CultureInfo.InvariantCulture;
            stdout.WriteLine(string.Create(c, $"spool       {options.SpoolDirectory}: {output.HeldAtOpen:N0} documents to ship"));
            var es = output.Finish(token);
            stdout.WriteLine(string.Create(c, $"elasticsearch {es.Url}: delivered {es.Delivered:N0}, duplicates {es.Duplicates:N0}, dead-lettered {es.DeadLettered:N0}, left in spool {es.Spooled:N0}"));
            if (es.DeadLetterFile is { } dead) stdout.WriteLine($"  dead letters in {dead}");
            if (token.IsCancellationRequested) return ExitCodes.Interrupted;
            if (es.Complete) return ExitCodes.Success;
            stderr.WriteLine(string.Create(c, $"idshalfopen: warning: {es.Spooled:N0} documents not delivered to Elasticsearch in time{(es.LastError is null ? "" : $" (last error: {es.LastError})")}; they stay in the spool"));
            return Undelivered;
        }
    }
}

/// <summary>The Elasticsearch command-line options; one instance per command that offers them.</summary>
internal sealed class EsCliOptions
{
    public Option<string?> Url { get; } = new("--es") { Description = $"Elasticsearch URL, e.g. https://localhost:9200 (default: {EsOptions.UrlVariable}); credentials and trust come from the IDS_ES_* variables" };

    public Option<string?> Namespace { get; } = new("--es-namespace") { Description = $"data stream namespace (default: {EsOptions.NamespaceVariable}, else 'default')" };

    public Option<bool> Connections { get; } = new("--es-connections") { Description = "also ship one document per finished connection attempt (logs-idshalfopen.connection-*)" };

    public Option<bool> NoSetup { get; } = new("--no-es-setup") { Description = "do not install the templates at start (they must already exist)" };

    public Option<double> Timeout { get; } = new("--es-timeout") { Description = "seconds to wait at the end for delivery to Elasticsearch", DefaultValueFactory = _ => 30 };

    public Option<string?> Spool { get; } = new("--spool") { Description = "directory of the delivery spool and the dead-letter file (default: a per-user folder under the temp directory)" };

    /// <summary>The per-user default spool folder.</summary>
    public static string DefaultSpoolDirectory => Path.Combine(Path.GetTempPath(), "idshalfopen-" + Environment.UserName, "spool");

    public void AddConnectionOptions(Command command)
    {
        command.Add(Url);
        command.Add(Namespace);
    }

    /// <summary>What <c>es drain</c> takes: no namespace (each spooled document already names its data stream) and no connection records.</summary>
    public void AddDrainOptions(Command command)
    {
        command.Add(Url);
        command.Add(NoSetup);
        command.Add(Timeout);
        command.Add(Spool);
    }

    public void AddReplayOptions(Command command)
    {
        AddConnectionOptions(command);
        command.Add(Connections);
        command.Add(NoSetup);
        command.Add(Timeout);
        command.Add(Spool);
    }

    /// <summary>
    /// The connection options, command line over environment. Null when they are unusable (after printing why), and
    /// null without a word when no URL is given and <paramref name="requireUrl"/> is false.
    /// </summary>
    public EsOptions? Resolve(ParseResult parse, TextWriter stderr, bool requireUrl) =>
        Resolve(parse.GetValue(Url), parse.GetValue(Namespace), stderr, requireUrl);

    private static EsOptions? Resolve(string? url, string? ns, TextWriter stderr, bool requireUrl)
    {
        var options = EsOptions.FromEnvironment();
        if (url is { Length: > 0 }) options = options with { Url = url };
        if (ns is { Length: > 0 }) options = options with { Namespace = ns };
        if (options.Url is null && !requireUrl) return null;
        var problems = options.Validate();
        foreach (var p in problems) stderr.WriteLine($"idshalfopen: {p}");
        return problems.Count == 0 ? options : null;
    }

    /// <summary>Replay's Elasticsearch settings; <c>Enabled</c> false when neither --es nor IDS_ES_URL is set.</summary>
    /// <summary><c>es drain</c>'s settings (options added by <see cref="AddDrainOptions"/>); null when unusable, after printing why.</summary>
    public EsReplayOptions? ResolveDrain(ParseResult parse, TextWriter stderr)
    {
        var es = Resolve(parse.GetValue(Url), null, stderr, requireUrl: true);
        double timeout = parse.GetValue(Timeout);
        if (timeout < 0 || double.IsNaN(timeout))
        {
            stderr.WriteLine("idshalfopen: --es-timeout must not be negative");
            return null;
        }

        return es is null ? null : new EsReplayOptions
        {
            Es = es,
            Setup = !parse.GetValue(NoSetup),
            Timeout = TimeSpan.FromSeconds(timeout),
            SpoolDirectory = parse.GetValue(Spool) ?? DefaultSpoolDirectory,
        };
    }

    public (bool Enabled, bool Valid, EsReplayOptions? Options) ResolveReplay(ParseResult parse, TextWriter stderr)
    {
        var env = EsOptions.FromEnvironment();
        bool enabled = parse.GetValue(Url) is { Length: > 0 } || env.Url is not null;
        if (!enabled) return (false, true, null);
        var es = Resolve(parse, stderr, requireUrl: true);
        double timeout = parse.GetValue(Timeout);
        if (timeout < 0 || double.IsNaN(timeout))
        {
            stderr.WriteLine("idshalfopen: --es-timeout must not be negative");
            return (true, false, null);
        }

        if (es is null) return (true, false, null);
        return (true, true, new EsReplayOptions
        {
            Es = es,
            Setup = !parse.GetValue(NoSetup),
            Connections = parse.GetValue(Connections),
            Timeout = TimeSpan.FromSeconds(timeout),
            SpoolDirectory = parse.GetValue(Spool) ?? DefaultSpoolDirectory,
        });
    }
}

/// <summary>What a replay does with Elasticsearch.</summary>
internal sealed record EsReplayOptions
{
    public required EsOptions Es { get; init; }

    /// <summary>Install the templates at start.</summary>
    public bool Setup { get; init; } = true;

    /// <summary>Ship connection records too.</summary>
    public bool Connections { get; init; }

    /// <summary>Longest wait at the end for delivery.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Spool and dead-letter folder.</summary>
    public required string SpoolDirectory { get; init; }
}

/// <summary>The <c>es</c> object of the replay summary (snake_case keys in --stats-json).</summary>
internal sealed class EsSummary
{
    public string Url { get; set; } = "";

    public string Namespace { get; set; } = "";

    public bool Setup { get; set; }

    public long Delivered { get; set; }

    public long Duplicates { get; set; }

    /// <summary>Still queued when the wait ended.</summary>
    public long Spooled { get; set; }

    public long DeadLettered { get; set; }

    /// <summary>Refused by a full queue.</summary>
    public long Dropped { get; set; }

    public long Retries { get; set; }

    public long FailedRequests { get; set; }

    /// <summary>Everything queued was finished within the wait.</summary>
    public bool Complete { get; set; }

    public string? LastError { get; set; }

    public string? DeadLetterFile { get; set; }

    public string Spool { get; set; } = "";
}

/// <summary>
/// A replay's Elasticsearch output: connection, optional setup, delivery queue and shipper, and the final wait.
/// Warnings and errors of the shipper go to standard error.
/// </summary>
internal sealed class EsOutput : IDisposable
{
    private readonly EsReplayOptions _options;
    private readonly EsConnection _connection;
    private readonly IDeliveryQueue _queue;
    private readonly bool _setupDone;

    private EsOutput(EsReplayOptions options, EsConnection connection, IDeliveryQueue queue, EsShipper shipper, bool setupDone, long heldAtOpen)
    {
        _options = options;
        _connection = connection;
        _queue = queue;
        Shipper = shipper;
        _setupDone = setupDone;
        HeldAtOpen = heldAtOpen;
    }

    public EsShipper Shipper { get; }

    /// <summary>Documents an earlier run left in the spool, counted before this run's shipper could send any.</summary>
    public long HeldAtOpen { get; }

    /// <summary>Connects (and sets up when asked); throws <see cref="ElasticsearchException"/> or <see cref="IOException"/> with a user-worded message.</summary>
    /// <param name="options">Where to ship, and how.</param>
    /// <param name="sensor">observer.* of the documents.</param>
    /// <param name="stderr">Where the shipper's warnings go unless <paramref name="log"/> is given.</param>
    /// <param name="deferSetup">
    /// The sensor's way: do not contact the cluster now; the shipper installs the templates before its first delivery and
    /// retries that until the cluster answers, while documents wait in the durable spool. Replay sets up at once instead,
    /// so a refused cluster is reported before any packet is read.
    /// </param>
    /// <param name="log">Where the shipper's reports go (default: warnings to <paramref name="stderr"/>).</param>
    /// <param name="token">Cancels the setup.</param>
    public static EsOutput Open(EsReplayOptions options, SensorInfo sensor, TextWriter stderr, bool deferSetup = false, EsLogCallback? log = null, CancellationToken token = default)
    {
        try
        {
            Directory.CreateDirectory(options.SpoolDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the spool directory '{options.SpoolDirectory}': {e.Message}", e);
        }

        var es = options.Es with { DeadLetterPath = options.Es.DeadLetterPath ?? Path.Combine(options.SpoolDirectory, "dead-letter.ndjson") };
        var connection = new EsConnection(es);
        try
        {
            if (options.Setup && !deferSetup) EsSetup.InstallAsync(connection, token).GetAwaiter().GetResult();
            Func<CancellationToken, Task>? prepare = options.Setup && deferSetup ? async t => await EsSetup.InstallAsync(connection, t).ConfigureAwait(false) : null;
            var queue = OpenQueue(options.SpoolDirectory);
            long held = queue.PendingRecords;
            var text = TextWriter.Synchronized(stderr);
            log ??= (level, message) =>
            {
                if (level >= EsLogLevel.Warning) text.WriteLine($"idshalfopen: elasticsearch: {message}");
            };
            var shipper = new EsShipper(connection, queue, new AlertDocumentWriter(sensor), options.Connections ? new ConnectionDocumentWriter(sensor) : null, log, prepare);
            return new EsOutput(options, connection, queue, shipper, options.Setup, held);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The write-ahead queue: the durable spool in <paramref name="directory"/>, so undelivered documents survive an
    /// unreachable cluster, a restart and a kill -9, and are shipped first by the next run.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "the seam where the durable spool plugs in")]
    private static IDeliveryQueue OpenQueue(string directory) => SpoolDeliveryQueue.Open(directory);

    public bool ShipsConnections => _options.Connections;

    /// <summary>Waits for delivery (up to the configured time, or until <paramref name="token"/> fires) and sums up.</summary>
    public EsSummary Finish(CancellationToken token)
    {
        bool complete;
        try
        {
            complete = !token.IsCancellationRequested && Shipper.FlushAsync(_options.Timeout, token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            complete = false;
        }

        return new EsSummary
        {
            Url = _connection.Target,
            Namespace = _connection.Options.Namespace,
            Setup = _setupDone,
            Delivered = Shipper.Delivered,
            Duplicates = Shipper.Duplicates,
            Spooled = Shipper.Pending,
            DeadLettered = Shipper.DeadLettered,
            Dropped = Shipper.Dropped,
            Retries = Shipper.Retries,
            FailedRequests = Shipper.FailedRequests,
            Complete = complete,
            LastError = complete && Shipper.DeadLettered == 0 ? null : Shipper.LastError,
            DeadLetterFile = Shipper.DeadLettered > 0 ? _connection.Options.DeadLetterPath : null,
            Spool = _options.SpoolDirectory,
        };
    }

    public void Dispose()
    {
        Shipper.Dispose();
        (_queue as IDisposable)?.Dispose();
        _connection.Dispose();
    }
}
