using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace IdsHalfOpen.Output.Kibana;

/// <summary>
/// Imports saved objects through Kibana's <c>POST [/s/SPACE]/api/saved_objects/_import?overwrite=true</c>: a
/// multipart/form-data body with one part named <c>file</c> whose file name ends in <c>.ndjson</c>, and the
/// <c>kbn-xsrf</c> header Kibana demands of every non-GET API call. Overwriting makes the import idempotent.
/// </summary>
public sealed class KibanaImportClient
{
    private static readonly SearchValues<char> s_spaceIdChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-");
    private static readonly SearchValues<char> s_unsafeFileNameChars = SearchValues.Create("\"\\\r\n");

    private readonly HttpClient _http;
    private readonly KibanaCredentials _credentials;

    /// <param name="http">Sends the request; its timeout applies.</param>
    /// <param name="kibanaUrl">Kibana's base URL, including any <c>server.basePath</c>; see <see cref="TryParseBaseUrl"/>.</param>
    /// <param name="credentials">How to authenticate.</param>
    /// <param name="space">A Kibana space id; null or "default" for the default space.</param>
    public KibanaImportClient(HttpClient http, Uri kibanaUrl, KibanaCredentials credentials, string? space = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(kibanaUrl);
        ArgumentNullException.ThrowIfNull(credentials);
        if (!TryParseBaseUrl(kibanaUrl.OriginalString, out var baseUrl, out string? error)) throw new ArgumentException(error, nameof(kibanaUrl));
        if (space is not null && !IsValidSpaceId(space)) throw new ArgumentException($"'{space}' is not a Kibana space id (lower-case letters, digits, '_' and '-')", nameof(space));

        _http = http;
        _credentials = credentials;
        BaseUrl = baseUrl;
        string prefix = space is null or "default" ? "" : "s/" + space + "/";
        ImportUri = new Uri(baseUrl, prefix + "api/saved_objects/_import?overwrite=true");
        DashboardsUri = new Uri(baseUrl, prefix + "app/dashboards#/view/");
    }

    /// <summary>The base URL, always ending in '/'.</summary>
    public Uri BaseUrl { get; }

    public Uri ImportUri { get; }

    /// <summary>Where dashboards open in the browser; append a dashboard id.</summary>
    public Uri DashboardsUri { get; }

    /// <summary>
    /// Checks a Kibana URL given by a user: absolute http or https, no credentials in it (they belong in options or
    /// the environment, where they are never echoed), no query or fragment. Adds the trailing '/' that relative
    /// resolution needs to keep a base path.
    /// </summary>
    public static bool TryParseBaseUrl(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? url, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        url = null;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            error = "the Kibana URL must be an absolute http:// or https:// URL";
            return false;
        }

        if (parsed.UserInfo.Length > 0)
        {
            // Never repeat the URL here: it holds the secret.
            error = "the Kibana URL must not contain credentials; use --username/--password or --api-key (or their IDS_KIBANA_* variables)";
            return false;
        }

        if (parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            error = "the Kibana URL must not have a query or fragment";
            return false;
        }

        var builder = new UriBuilder(parsed);
        if (!builder.Path.EndsWith('/')) builder.Path += "/";
        url = builder.Uri;
        error = null;
        return true;
    }

    /// <summary>Kibana space ids: lower-case a-z, 0-9, '_' and '-'.</summary>
    public static bool IsValidSpaceId(string space) =>
        space.Length is > 0 and <= 1024 && space.AsSpan().IndexOfAnyExcept(s_spaceIdChars) < 0;

    /// <summary>Sends <paramref name="ndjson"/> as the file <paramref name="fileName"/>; never throws for a failed request (see <see cref="KibanaImportResult.Failure"/>).</summary>
    public async Task<KibanaImportResult> ImportAsync(ReadOnlyMemory<byte> ndjson, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        // Kibana rejects the upload unless the part's file name has this extension.
        if (!fileName.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException("Kibana imports only files named *.ndjson", nameof(fileName));
        if (fileName.AsSpan().IndexOfAny(s_unsafeFileNameChars) >= 0) throw new ArgumentException("the file name must not contain quotes, backslashes or line breaks", nameof(fileName));

        using var request = new HttpRequestMessage(HttpMethod.Post, ImportUri) { Content = BuildContent(ndjson, fileName) };
        request.Headers.Add("kbn-xsrf", "true");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Authorization = _credentials.ToHeader();

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            return KibanaImportResult.Parse((int)response.StatusCode, body);
        }
        catch (HttpRequestException e)
        {
            return KibanaImportResult.Failed(0, $"cannot reach Kibana at {BaseUrl}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return KibanaImportResult.Failed(0, string.Create(CultureInfo.InvariantCulture, $"no answer from Kibana at {BaseUrl} within {_http.Timeout.TotalSeconds:0.#} s"));
        }
    }

    /// <summary>
    /// The multipart body, shaped like curl's <c>--form file=@NAME.ndjson</c>: an unquoted boundary and quoted
    /// <c>name</c>/<c>filename</c> parameters. (.NET's defaults quote the boundary and add a <c>filename*</c>
    /// parameter; both are legal, but the plainest form is the one every multipart parser reads.)
    /// </summary>
    internal static MultipartFormDataContent BuildContent(ReadOnlyMemory<byte> ndjson, string fileName)
    {
        string boundary = "----idshalfopen-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var multipart = new MultipartFormDataContent(boundary);
        multipart.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        multipart.Headers.ContentType.Parameters.Add(new NameValueHeaderValue("boundary", boundary));

        var file = new ReadOnlyMemoryContent(ndjson);
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"",
            FileName = "\"" + fileName + "\"",
        };
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        multipart.Add(file);
        return multipart;
    }
}
