using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IdsHalfOpen.Output.Tests.Kibana;

/// <summary>One request as the loopback server received it.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What the loopback server answers.</summary>
internal sealed record CannedAnswer(int Status, string Body, string ContentType = "application/json; charset=utf-8", TimeSpan Delay = default);

/// <summary>
/// A stand-in Kibana on 127.0.0.1 and a free port (HttpListener): records every request and answers with
/// <see cref="Answer"/>. Only loopback, and it stops when disposed.
/// </summary>
internal sealed class LoopbackKibana : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    public LoopbackKibana(CannedAnswer answer)
    {
        Answer = answer;
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                _listener = listener;
                Url = new Uri($"http://127.0.0.1:{port}/");
                break;
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                // Another process took the port between probing and binding: try another.
                listener.Close();
            }
        }

        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public CannedAnswer Answer { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>A port on 127.0.0.1 with nothing listening (just released by the OS).</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

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

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body).ConfigureAwait(false);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string? name in request.Headers.AllKeys)
            {
                if (name is not null) headers[name] = request.Headers[name] ?? "";
            }

            _requests.Enqueue(new RecordedRequest(request.HttpMethod, request.RawUrl ?? "", headers, body.ToArray()));

            var answer = Answer;
            if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay).ConfigureAwait(false);
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.ContentType;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client gave up (time-out tests) or the server is stopping.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>A small multipart/form-data reader for checking what the client sent (RFC 7578), written for these tests.</summary>
internal static class Multipart
{
    internal sealed record Part(IReadOnlyDictionary<string, string> Headers, byte[] Content);

    /// <summary>The boundary parameter of a Content-Type value, unquoted; null when absent.</summary>
    public static string? Boundary(string contentType)
    {
        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals("boundary", StringComparison.OrdinalIgnoreCase)) return pair[1].Trim().Trim('"');
        }

        return null;
    }

    /// <summary>Splits a body into parts; throws when the framing is wrong.</summary>
    public static List<Part> Parse(byte[] body, string boundary)
    {
        byte[] delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var span = body.AsSpan();
        if (!span.StartsWith(delimiter)) throw new FormatException("the body does not start with the boundary");
        var closing = Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n");
        if (!span.EndsWith(closing)) throw new FormatException("the body does not end with the closing boundary and CRLF");

        var parts = new List<Part>();
        byte[] next = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        int position = delimiter.Length;
        while (true)
        {
            if (span[position..].StartsWith("--"u8)) break; // the closing delimiter
            if (!span[position..].StartsWith("\r\n"u8)) throw new FormatException("no CRLF after a boundary");
            position += 2;
            int headerEnd = span[position..].IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0) throw new FormatException("a part has no blank line after its headers");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in Encoding.ASCII.GetString(span.Slice(position, headerEnd)).Split("\r\n"))
            {
                var pair = line.Split(':', 2);
                if (pair.Length != 2) throw new FormatException("bad part header: " + line);
                headers[pair[0].Trim()] = pair[1].Trim();
            }

            position += headerEnd + 4;
            int end = span[position..].IndexOf(next);
            if (end < 0) throw new FormatException("a part is not closed by a boundary");
            parts.Add(new Part(headers, span.Slice(position, end).ToArray()));
            position += end + next.Length;
        }

        return parts;
    }

    /// <summary>A parameter of a Content-Disposition value, unquoted; null when absent.</summary>
    public static string? DispositionParameter(string disposition, string name)
    {
        foreach (var parameter in disposition.Split(';').Skip(1))
        {
            var pair = parameter.Split('=', 2);
            if (pair.Length == 2 && pair[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return pair[1].Trim().Trim('"');
        }

        return null;
    }
}
