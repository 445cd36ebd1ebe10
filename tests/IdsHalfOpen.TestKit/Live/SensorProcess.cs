using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IdsHalfOpen.TestKit.Live;

/// <summary>One alert line as the sensor wrote it, with the wall time the watcher first saw it in the file.</summary>
public sealed record LiveAlert(
    DateTime SeenAt,
    DateTime Timestamp,
    string Action,
    string Phase,
    string RuleId,
    string AttackId,
    string? SourceIp,
    string? DestinationIp,
    int? DestinationPort,
    long Embryonic,
    string? EndReason,
    string Line)
{
    public static LiveAlert Parse(string line, DateTime seenAt)
    {
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        var ids = r.GetProperty("idshalfopen");
        string? sourceIp = r.TryGetProperty("source", out var s) && s.TryGetProperty("ip", out var sip) ? sip.GetString() : null;
        string? destIp = null;
        int? destPort = null;
        if (r.TryGetProperty("destination", out var d))
        {
            if (d.TryGetProperty("ip", out var dip)) destIp = dip.GetString();
            if (d.TryGetProperty("port", out var dp)) destPort = dp.GetInt32();
        }

        return new LiveAlert(seenAt,
            DateTime.Parse(r.GetProperty("@timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            r.GetProperty("event").GetProperty("action").GetString()!,
            ids.GetProperty("phase").GetString()!,
            r.GetProperty("rule").GetProperty("id").GetString()!,
            ids.GetProperty("attack_id").GetString()!,
            sourceIp, destIp, destPort,
            ids.TryGetProperty("embryonic", out var e) ? e.GetInt64() : 0,
            ids.TryGetProperty("end_reason", out var er) ? er.GetString() : null,
            line);
    }

    public override string ToString() =>
        $"{Phase} {Action} {RuleId} {AttackId} src={SourceIp} dst={DestinationIp}:{DestinationPort} embryonic={Embryonic} end={EndReason} @{Timestamp:HH:mm:ss.fff} seen {SeenAt:HH:mm:ss.fff}";
}

/// <summary>
/// A running <c>idshalfopen sensor</c>: its process, a watcher that polls the alert file every 20 ms and records each new
/// line with the wall time it appeared, and its Prometheus endpoint (inside the victim namespace, reached through
/// <see cref="NamespaceSockets"/>).
/// </summary>
public sealed class SensorProcess : IDisposable
{
    private readonly List<LiveAlert> _alerts = [];
    private readonly List<string> _badLines = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watcher;
    private readonly HttpClient _http;

    internal SensorProcess(LabProcess process, string netns, string alertsPath, int metricsPort)
    {
        Process = process;
        AlertsPath = alertsPath;
        MetricsUrl = $"http://127.0.0.1:{metricsPort}/metrics";
        _http = NamespaceSockets.HttpClient(netns, TimeSpan.FromSeconds(3));
        _watcher = Task.Factory.StartNew(Watch, TaskCreationOptions.LongRunning);
    }

    public LabProcess Process { get; }

    public string AlertsPath { get; }

    public string MetricsUrl { get; }

    public IReadOnlyList<LiveAlert> Alerts
    {
        get { lock (_alerts) return [.. _alerts]; }
    }

    /// <summary>Lines of the alert file that were not valid alert JSON.</summary>
    public IReadOnlyList<string> BadLines
    {
        get { lock (_alerts) return [.. _badLines]; }
    }

    /// <summary>Waits for the "capturing on" log line and for the metrics endpoint to answer.</summary>
    public void WaitUntilCapturing(TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        if (Process.WaitForLine(l => l.Contains("capturing on", StringComparison.OrdinalIgnoreCase), timeout) is null)
            throw new InvalidOperationException($"sensor did not log 'capturing on' within {timeout.TotalSeconds:F0} s: {Process}");
        while (true)
        {
            try
            {
                GetMetrics();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                if (sw.Elapsed > timeout || Process.HasExited) throw new InvalidOperationException($"metrics endpoint {MetricsUrl} not answering: {e.Message}; {Process}", e);
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Waits for an alert matching <paramref name="match"/>; null on timeout.</summary>
    public LiveAlert? WaitForAlert(Func<LiveAlert, bool> match, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            lock (_alerts)
            {
                var a = _alerts.FirstOrDefault(match);
                if (a is not null) return a;
            }

            if (sw.Elapsed > timeout) return null;
            Thread.Sleep(10);
        }
    }

    /// <summary>GET /metrics, parsed into "name" / "name{labels}" → value.</summary>
    public Metrics GetMetrics()
    {
        using var response = _http.GetAsync(new Uri(MetricsUrl)).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        return Metrics.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code, or throws with the log on timeout.</summary>
    public int Terminate(TimeSpan timeout)
    {
        Process.Signal(LabProcess.SigTerm);
        if (!Process.WaitForExit(timeout)) throw new TimeoutException($"sensor still running {timeout.TotalSeconds:F0} s after SIGTERM: {Process}");
        ReadNewLines(final: true);
        return Process.ExitCode;
    }

    /// <summary>Reads whatever the file holds now (the watcher does this every 20 ms anyway).</summary>
    public void Flush() => ReadNewLines(final: false);

    public void Dispose()
    {
        _stop.Cancel();
        try { _watcher.Wait(2000); }
        catch (AggregateException) { }

        Process.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }

    private long _offset;
    private readonly StringBuilder _partial = new();

    private void Watch()
    {
        while (!_stop.IsCancellationRequested)
        {
            ReadNewLines(final: false);
            _stop.Token.WaitHandle.WaitOne(20);
        }
    }

    private void ReadNewLines(bool final)
    {
        lock (_partial)
        {
            var now = DateTime.UtcNow;
            if (!File.Exists(AlertsPath)) return;
            using var fs = new FileStream(AlertsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (fs.Length <= _offset && !final) return;
            fs.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[Math.Max(0, fs.Length - _offset)];
            int n = 0;
            while (n < buffer.Length)
            {
                int r = fs.Read(buffer, n, buffer.Length - n);
                if (r == 0) break;
                n += r;
            }

            _offset += n;
            _partial.Append(Encoding.UTF8.GetString(buffer, 0, n));
            string text = _partial.ToString();
            int last = text.LastIndexOf('\n');
            if (last < 0) return;
            _partial.Clear().Append(text[(last + 1)..]);
            foreach (var line in text[..last].Split('\n'))
            {
                if (line.Length == 0) continue;
                lock (_alerts)
                {
                    try { _alerts.Add(LiveAlert.Parse(line, now)); }
                    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
                    {
                        _badLines.Add(line);
                    }
                }
            }
        }
    }
}

/// <summary>Prometheus text exposition, reduced to series → value.</summary>
public sealed class Metrics
{
    private readonly Dictionary<string, double> _values;

    private Metrics(Dictionary<string, double> values, string text)
    {
        _values = values;
        Text = text;
    }

    public string Text { get; }

    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>The value of a series written exactly as in the text, e.g. <c>idshalfopen_embryonic_connections{destination="10.232.0.2:8080"}</c>; null when absent.</summary>
    public double? this[string series] => _values.TryGetValue(series, out double v) ? v : null;

    /// <summary>The sum of a metric over all its label sets.</summary>
    public double Sum(string name) => _values.Where(kv => kv.Key == name || kv.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(kv => kv.Value);

    public static Metrics Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('}', StringComparison.Ordinal);
            int space = line.IndexOf(' ', brace < 0 ? 0 : brace);
            if (space < 0) continue;
            string series = line[..space];
            string rest = line[(space + 1)..].Trim();
            int ts = rest.IndexOf(' ', StringComparison.Ordinal);
            if (ts >= 0) rest = rest[..ts];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) values[series] = v;
            else if (rest is "+Inf" or "-Inf" or "NaN") values[series] = rest == "NaN" ? double.NaN : rest == "+Inf" ? double.PositiveInfinity : double.NegativeInfinity;
        }

        return new Metrics(values, text);
    }
}
