using System.Runtime.InteropServices;
using IdsHalfOpen.Detection.Rules;
using Microsoft.Extensions.Logging;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>
/// Reloads the rule files on SIGHUP and (optionally) when a rule file changes. A file that does not load is rejected
/// with each of its errors (file:line:column) and the rules in force stay; tracker state is never touched.
/// </summary>
internal sealed partial class RuleReloader : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(500);

    private readonly string? _path;
    private readonly SensorPipeline _pipeline;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly ITimer? _debounce;
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _hangup;

    public RuleReloader(string? path, bool watch, SensorPipeline pipeline, ILogger log, TimeProvider time)
    {
        _path = path is null ? null : Path.GetFullPath(path);
        _pipeline = pipeline;
        _log = log;
        if (watch && _path is not null)
        {
            _debounce = time.CreateTimer(_ => Reload("file change"), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            bool isDirectory = Directory.Exists(_path);
            _watcher = new FileSystemWatcher(isDirectory ? _path : Path.GetDirectoryName(_path)!, isDirectory ? "*.yaml" : Path.GetFileName(_path))
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
                IncludeSubdirectories = false,
            };
            _watcher.Changed += OnFileEvent;
            _watcher.Created += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
        }
    }

    public void Start()
    {
        // SIGHUP's default action ends the process: handle it even without rule files, and say there is nothing to reload.
        _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            ThreadPool.UnsafeQueueUserWorkItem(_ => Reload("SIGHUP"), null);
        });
        if (_watcher is not null) _watcher.EnableRaisingEvents = true;
    }

    // Editors save in bursts (truncate, write, rename): reload once the burst is over.
    private void OnFileEvent(object sender, FileSystemEventArgs e) => _debounce?.Change(Debounce, Timeout.InfiniteTimeSpan);

    /// <summary>Loads the rule files and hands them to the pipeline; true when they loaded.</summary>
    public bool Reload(string trigger)
    {
        lock (_gate)
        {
            if (_path is null)
            {
                LogNothingToReload(trigger);
                return false;
            }

            RuleLoadResult result;
            try
            {
                result = Directory.Exists(_path) ? RuleLoader.LoadDirectory(_path) : RuleLoader.LoadFile(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _pipeline.CountRejectedReload();
                LogReloadRejected(trigger, _path, 1);
                LogRuleError(e.Message);
                return false;
            }

            if (!result.Success || result.RuleSet is null)
            {
                _pipeline.CountRejectedReload();
                var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                LogReloadRejected(trigger, _path, errors.Count);
                foreach (var d in errors) LogRuleError(d.ToString());
                return false;
            }

            foreach (var d in result.Diagnostics.Where(d => d.Severity != DiagnosticSeverity.Error)) LogRuleWarning(d.ToString());
            _pipeline.ReplaceRules(result.RuleSet);
            LogReloadAccepted(trigger, _path, result.RuleSet.EnabledRules.Count);
            return true;
        }
    }

    public void Dispose()
    {
        _hangup?.Dispose();
        _watcher?.Dispose();
        _watcher = null;
        _debounce?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Trigger}: no rule files configured (built-in rules in use); nothing to reload")]
    private partial void LogNothingToReload(string trigger);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Trigger}: the rules in {Path} were rejected ({Errors} errors); the previous rules stay in force")]
    private partial void LogReloadRejected(string trigger, string path, int errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "rule error: {Diagnostic}")]
    private partial void LogRuleError(string diagnostic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "rule warning: {Diagnostic}")]
    private partial void LogRuleWarning(string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Trigger}: loaded {Enabled} enabled rules from {Path}")]
    private partial void LogReloadAccepted(string trigger, string path, int enabled);
}
