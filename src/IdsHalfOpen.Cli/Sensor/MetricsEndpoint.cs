using System.Net;
using System.Text;
using IdsHalfOpen.Output.Metrics;
using Microsoft.Extensions.Logging;

namespace IdsHalfOpen.Cli.Sensor;

/// <summary>
/// The opt-in Prometheus endpoint: GET /metrics answers the latest snapshot in the text exposition format. It serves
/// what the detection thread last published and never touches the pipeline itself, so a slow or hostile scraper cannot
/// slow detection down.
/// </summary>
internal sealed partial class MetricsEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<SensorMetricsSnapshot> _snapshot;
    private readonly ILogger _log;
    private readonly Task _loop;

    private MetricsEndpoint(HttpListener listener, IPEndPoint endpoint, Func<SensorMetricsSnapshot> snapshot, ILogger log)
    {
        _listener = listener;
        Endpoint = endpoint;
        _snapshot = snapshot;
        _log = log;
        _loop = Task.Run(ServeAsync);
    }

    public IPEndPoint Endpoint { get; }

    public string Url => $"http://{Host(Endpoint.Address)}:{Endpoint.Port}/metrics";

    /// <summary>Starts listening; throws <see cref="IOException"/> with the reason when the address cannot be bound.</summary>
    public static MetricsEndpoint Start(IPEndPoint endpoint, Func<SensorMetricsSnapshot> snapshot, ILogger log)
    {
        var listener = new HttpListener { IgnoreWriteExceptions = true };

        // HttpListener matches the Host header against its prefixes: a loopback endpoint also answers as "localhost".
        if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
        {
            listener.Prefixes.Add($"http://+:{endpoint.Port}/");
        }
        else
        {
            listener.Prefixes.Add($"http://{Host(endpoint.Address)}:{endpoint.Port}/");
            if (IPAddress.IsLoopback(endpoint.Address)) listener.Prefixes.Add($"http://localhost:{endpoint.Port}/");
        }

        try
        {
            listener.Start();
        }
        catch (HttpListenerException e)
        {
            listener.Close();
            throw new IOException($"cannot serve metrics on {endpoint}: {e.Message}", e);
        }

        return new MetricsEndpoint(listener, endpoint, snapshot, log);
    }

    private static string Host(IPAddress a) => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                LogScrapeFailed(e.Message);
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string path = request.Url?.AbsolutePath ?? "/";
        if (request.HttpMethod is not ("GET" or "HEAD"))
        {
            response.StatusCode = 405;
            response.AddHeader("Allow", "GET, HEAD");
            response.Close();
            return;
        }

        (int status, string type, string body) = path switch
        {
            "/metrics" => (200, PrometheusTextWriter.ContentType, PrometheusTextWriter.Write(_snapshot())),
            "/" => (200, "text/plain; charset=utf-8", "IdsHalfOpen sensor: metrics at /metrics\n"),
            _ => (404, "text/plain; charset=utf-8", "not found: try /metrics\n"),
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = bytes.Length;
        if (request.HttpMethod == "GET") response.OutputStream.Write(bytes);
        response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _listener.Stop();
        }
        finally
        {
            _listener.Close();
        }

        await _loop.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "a metrics scrape failed: {Message}")]
    private partial void LogScrapeFailed(string message);
}
