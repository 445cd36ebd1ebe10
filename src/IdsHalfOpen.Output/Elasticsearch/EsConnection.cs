using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>A status and the whole body of an answer.</summary>
internal readonly record struct EsResponse(int Status, byte[] Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// One Elasticsearch endpoint over HTTP: credentials, TLS trust, time limit, and the product check. The first
/// successful (2xx) answer must carry <c>X-Elastic-Product: Elasticsearch</c>, as Elastic's own clients require;
/// otherwise this connection refuses every request from then on. Safe for concurrent use.
/// </summary>
public sealed class EsConnection : IDisposable
{
    private const string ProductHeader = "X-Elastic-Product";
    private const string ProductName = "Elasticsearch";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private static readonly MediaTypeHeaderValue NdjsonType = new("application/x-ndjson");

    private readonly HttpClient _http;
    private readonly Uri _base;
    private volatile bool _productVerified;
    private volatile ElasticsearchException? _productRefusal;

    /// <param name="options">Validated options (a <see cref="EsErrorKind.Configuration"/> error is thrown otherwise).</param>
    /// <param name="handler">Replaces the HTTP stack (tests); TLS settings then are the handler's business.</param>
    /// <exception cref="ElasticsearchException">The options are unusable or the CA file cannot be read.</exception>
    public EsConnection(EsOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ElasticsearchException(EsErrorKind.Configuration, options.RedactedUrl, string.Join("; ", problems));
        Options = options;
        _base = options.BaseUri();
        Target = options.RedactedUrl;
        _http = new HttpClient(handler ?? CreateHandler(options), disposeHandler: true) { Timeout = options.RequestTimeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("idshalfopen", SanitizeVersion(SensorInfo.ProductVersion)));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (user, password) = options.BasicCredentials();
        if (options.ApiKey is { } key)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        }
        else if (user is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        }
    }

    public EsOptions Options { get; }

    /// <summary>The redacted URL, for messages.</summary>
    public string Target { get; }

    /// <summary>What the last <see cref="GetInfoAsync"/> learnt; null before.</summary>
    public EsClusterInfo? ClusterInfo { get; private set; }

    /// <summary><c>GET /</c>: checks the product and, through the status, the credentials.</summary>
    /// <exception cref="ElasticsearchException">No answer, refused credentials, not Elasticsearch, or an unreadable answer.</exception>
    public async Task<EsClusterInfo> GetInfoAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "", null, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess) throw Failure(response, "GET /");
        EsInfoBody? body;
        try
        {
            body = JsonSerializer.Deserialize(response.Body, EsJsonContext.Default.EsInfoBody);
        }
        catch (JsonException e)
        {
            throw new ElasticsearchException(EsErrorKind.Rejected, Target, $"the answer of {Target} to GET / is not JSON: {e.Message}", response.Status, innerException: e);
        }

        if (body?.Version?.Number is not { } version)
        {
            throw new ElasticsearchException(EsErrorKind.Rejected, Target, $"the answer of {Target} to GET / carries no version.number", response.Status);
        }

        var info = new EsClusterInfo(body.Name ?? "", body.ClusterName ?? "", body.ClusterUuid ?? "", version, body.Version.BuildFlavor ?? "", body.Tagline ?? "");
        ClusterInfo = info;
        return info;
    }

    /// <summary>PUTs a JSON body that Elasticsearch must answer with <c>{"acknowledged":true}</c>.</summary>
    /// <exception cref="ElasticsearchException">Any other answer, or none.</exception>
    public async Task PutAcknowledgedAsync(string path, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var response = await SendAsync(HttpMethod.Put, path, Content(json, JsonType), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess) throw Failure(response, "PUT " + path);
        bool acknowledged;
        try
        {
            acknowledged = JsonSerializer.Deserialize(response.Body, EsJsonContext.Default.EsAcknowledgedBody)?.Acknowledged == true;
        }
        catch (JsonException)
        {
            acknowledged = false;
        }

        if (!acknowledged)
        {
            throw new ElasticsearchException(EsErrorKind.Rejected, Target, $"PUT {path} on {Target} was not acknowledged: {Options.Redact(Preview(response.Body))}", response.Status);
        }
    }

    /// <summary>POSTs an NDJSON body to <c>_bulk</c>; the caller reads the per-item results.</summary>
    internal Task<EsResponse> BulkAsync(ReadOnlyMemory<byte> ndjson, bool requireDataStream, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, requireDataStream ? "_bulk?require_data_stream=true" : "_bulk", Content(ndjson, NdjsonType), cancellationToken);

    /// <summary>Any request with an optional JSON body (tests and tools: counts, deletes).</summary>
    internal Task<EsResponse> RequestAsync(HttpMethod method, string path, ReadOnlyMemory<byte>? json = null, CancellationToken cancellationToken = default) =>
        SendAsync(method, path, json is { } body ? Content(body, JsonType) : null, cancellationToken);

    /// <summary>
    /// Sends one request and reads the whole answer. Connection failures and time-outs become
    /// <see cref="EsErrorKind.Unreachable"/> (or <see cref="EsErrorKind.Tls"/>); HTTP error statuses are returned, not thrown.
    /// </summary>
    /// <exception cref="ElasticsearchException">No answer, or the server is not Elasticsearch.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    internal async Task<EsResponse> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        if (_productRefusal is { } refused) throw refused;
        using var request = new HttpRequestMessage(method, new Uri(_base, path)) { Content = content };
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 200 and < 300 && !_productVerified) VerifyProduct(response);
            return new EsResponse(status, body);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ElasticsearchException(EsErrorKind.Unreachable, Target, $"{Target} did not answer {method} /{TrimQuery(path)} within {Options.RequestTimeout.TotalSeconds:0.###} s", innerException: e);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        catch (IOException e) when (e is not ElasticsearchException)
        {
            throw Unreachable(e);
        }
    }

    /// <summary>The exception for a non-2xx answer to a request that is not <c>_bulk</c>, worded for the user.</summary>
    internal ElasticsearchException Failure(EsResponse response, string what)
    {
        var (type, reason) = EsErrorBody.Parse(response.Body);
        reason ??= Preview(response.Body);
        string detail = type is null ? $"{response.Status}: {reason}" : $"{response.Status} {type}: {reason}";
        var (user, _) = Options.BasicCredentials();
        bool hasCredentials = Options.ApiKey is not null || user is not null;
        string credentialVariables = $"{EsOptions.ApiKeyVariable}, or {EsOptions.UsernameVariable} and {EsOptions.PasswordVariable}";
        (EsErrorKind kind, string message) = response.Status switch
        {
            401 when hasCredentials => (EsErrorKind.Unauthorized, $"Elasticsearch at {Target} rejected the credentials ({detail}); check {credentialVariables}"),
            401 => (EsErrorKind.Unauthorized, $"Elasticsearch at {Target} requires credentials ({detail}); set {credentialVariables}"),
            403 => (EsErrorKind.Forbidden, $"{what} on {Target}: the credentials lack a privilege ({detail})"),
            429 or 502 or 503 or 504 => (EsErrorKind.Busy, $"{what} on {Target}: busy or unavailable ({detail})"),
            _ => (EsErrorKind.Rejected, $"{what} on {Target} failed ({detail})"),
        };
        return new ElasticsearchException(kind, Target, Options.Redact(message), response.Status, type);
    }

    public void Dispose() => _http.Dispose();

    private void VerifyProduct(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues(ProductHeader, out var values))
        {
            foreach (var value in values)
            {
                if (value == ProductName)
                {
                    _productVerified = true;
                    return;
                }
            }
        }

        var refusal = new ElasticsearchException(
            EsErrorKind.UnknownProduct,
            Target,
            $"the server at {Target} is not Elasticsearch: its answer lacks the header '{ProductHeader}: {ProductName}' that Elasticsearch sends since 7.14 (another product, an older version, or a proxy that strips the header); refusing to use it");
        _productRefusal = refusal;
        throw refusal;
    }

    private ElasticsearchException Unreachable(Exception e)
    {
        bool tls = false;
        string detail = e.Message;
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            tls |= inner is AuthenticationException;
            if (!detail.Contains(inner.Message, StringComparison.Ordinal)) detail += ": " + inner.Message;
        }

        string message = tls
            ? $"the TLS certificate of {Target} is not trusted ({detail}); check {EsOptions.CaFileVariable} or {EsOptions.CaFingerprintVariable}"
            : $"cannot reach Elasticsearch at {Target}: {detail}";
        return new ElasticsearchException(tls ? EsErrorKind.Tls : EsErrorKind.Unreachable, Target, Options.Redact(message), innerException: e);
    }

    private static SocketsHttpHandler CreateHandler(EsOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            ConnectTimeout = options.RequestTimeout < TimeSpan.FromSeconds(10) ? options.RequestTimeout : TimeSpan.FromSeconds(10),
            // DNS changes (a cluster behind a moving name) are seen within minutes.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (EsTls.Create(options) is { } tls)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => tls.Validate(certificate, chain, errors);
        }

        return handler;
    }

    private static ReadOnlyMemoryContent Content(ReadOnlyMemory<byte> body, MediaTypeHeaderValue type)
    {
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = type;
        return content;
    }

    private static string Preview(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        return text.Length == 0 ? "(empty answer)" : text;
    }

    private static string TrimQuery(string path) => path.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? path[..q] : path;

    /// <summary>A User-Agent product version allows only token characters.</summary>
    private static string SanitizeVersion(string version)
    {
        var text = new StringBuilder(version.Length);
        foreach (char c in version) text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        return text.Length == 0 ? "0" : text.ToString();
    }
}
