using System.Globalization;
using System.Text;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// Where and how to ship documents to Elasticsearch. The secrets (<see cref="ApiKey"/>, <see cref="Password"/>, a
/// password in the URL) never appear in <see cref="ToString"/>, in <see cref="RedactedUrl"/> or in any message this
/// library composes.
/// </summary>
public sealed record EsOptions
{
    public const string UrlVariable = "IDS_ES_URL";
    public const string ApiKeyVariable = "IDS_ES_API_KEY";
    public const string UsernameVariable = "IDS_ES_USERNAME";
    public const string PasswordVariable = "IDS_ES_PASSWORD";
    public const string CaFileVariable = "IDS_ES_CA_FILE";
    public const string CaFingerprintVariable = "IDS_ES_CA_FINGERPRINT";
    public const string NamespaceVariable = "IDS_ES_NAMESPACE";

    public const string DefaultNamespace = "default";

    /// <summary>The data stream type of everything we write.</summary>
    public const string StreamType = "logs";

    /// <summary>Longest namespace (and dataset) Elastic's data stream naming scheme allows.</summary>
    public const int MaxNamespaceLength = 100;

    /// <summary>Base URL, e.g. https://localhost:9200. A user:password part is taken as Basic credentials.</summary>
    public string? Url { get; init; }

    /// <summary>The <c>encoded</c> value <c>POST /_security/api_key</c> returns: base64 of id:api_key.</summary>
    public string? ApiKey { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>PEM (one or more certificates) or DER file of the CA that signed the server's certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>SHA-256 of any certificate in the server's chain, hex, ':' separators optional.</summary>
    public string? CaFingerprint { get; init; }

    /// <summary>The data stream namespace: lower case, no '-', at most 100 characters.</summary>
    public string Namespace { get; init; } = DefaultNamespace;

    /// <summary>Most documents in one <c>_bulk</c> request.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Most bytes in one <c>_bulk</c> request (a single larger document still goes alone).</summary>
    public int BatchBytes { get; init; } = 5 << 20;

    /// <summary>Longest a document waits for its batch to fill before it is sent anyway.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>First wait after a failed attempt; doubles per consecutive failure up to <see cref="BackoffMax"/>.</summary>
    public TimeSpan BackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Per HTTP request; a request that takes longer counts as a connection failure and is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Days after rollover before the lifecycle policy deletes a backing index.</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>JSON-lines file for documents Elasticsearch refused for good; null keeps only the count and a log line.</summary>
    public string? DeadLetterPath { get; init; }

    /// <summary><c>logs-idshalfopen.alert-{namespace}</c>.</summary>
    public string AlertDataStream => DataStreamName(AlertDocumentWriter.Dataset);

    /// <summary><c>logs-idshalfopen.connection-{namespace}</c>.</summary>
    public string ConnectionDataStream => DataStreamName(ConnectionDocumentWriter.Dataset);

    public string DataStreamName(string dataset) => $"{StreamType}-{dataset}-{Namespace}";

    /// <summary>Reads the IDS_ES_* variables; unset ones keep their defaults. <paramref name="getVariable"/> is for tests.</summary>
    public static EsOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getVariable(name) is { Length: > 0 } v ? v : null;
        return new EsOptions
        {
            Url = Get(UrlVariable),
            ApiKey = Get(ApiKeyVariable),
            Username = Get(UsernameVariable),
            Password = Get(PasswordVariable),
            CaFile = Get(CaFileVariable),
            CaFingerprint = Get(CaFingerprintVariable),
            Namespace = Get(NamespaceVariable) ?? DefaultNamespace,
        };
    }

    /// <summary>The URL without any user:password part (and "(none)" when unset): safe for messages.</summary>
    public string RedactedUrl
    {
        get
        {
            if (Url is null) return "(none)";
            if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri)) return Url.Contains('@', StringComparison.Ordinal) ? "(unparsable URL)" : Url;
            return uri.UserInfo.Length == 0 ? uri.GetLeftPart(UriPartial.Path) : new UriBuilder(uri) { UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path);
        }
    }

    /// <summary>Every problem with these options, worded for the user; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Url is null)
        {
            problems.Add($"no Elasticsearch URL: pass --es URL or set {UrlVariable}");
        }
        else if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problems.Add($"the Elasticsearch URL '{RedactedUrl}' is not an absolute http:// or https:// URL");
        }
        else if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            problems.Add($"the Elasticsearch URL '{RedactedUrl}' must not carry a query or fragment");
        }

        var (user, password) = BasicCredentials();
        if (ApiKey is not null && user is not null) problems.Add($"give either an API key ({ApiKeyVariable}) or a user name and password, not both");
        if (user is not null && password is null) problems.Add($"a user name needs a password ({PasswordVariable})");
        if (user is null && Password is not null) problems.Add($"a password needs a user name ({UsernameVariable})");
        if (ApiKey is not null && (ApiKey.Contains(' ', StringComparison.Ordinal) || ApiKey.Contains(':', StringComparison.Ordinal)))
        {
            problems.Add($"{ApiKeyVariable} must be the 'encoded' value (base64 of id:key), not 'id:key' or a header");
        }

        if (CaFile is not null && !File.Exists(CaFile)) problems.Add($"the CA file '{CaFile}' does not exist");
        if (CaFingerprint is not null && ParseFingerprint(CaFingerprint) is null)
        {
            problems.Add("the CA fingerprint must be the SHA-256 of a certificate: 64 hex digits, ':' separators allowed");
        }

        if (ValidateNamespace(Namespace) is { } bad) problems.Add(bad);
        if (BatchSize < 1) problems.Add("the batch size must be at least 1");
        if (BatchBytes < 1024) problems.Add("the batch byte limit must be at least 1024");
        if (FlushInterval <= TimeSpan.Zero) problems.Add("the flush interval must be positive");
        if (BackoffInitial <= TimeSpan.Zero || BackoffMax < BackoffInitial) problems.Add("the backoff must be positive, its cap at least its first step");
        if (RequestTimeout <= TimeSpan.Zero) problems.Add("the request timeout must be positive");
        if (RetentionDays < 1) problems.Add("the retention must be at least one day");
        return problems;
    }

    /// <summary>Null when <paramref name="value"/> is a valid data stream namespace, else why not.</summary>
    public static string? ValidateNamespace(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0) return "the data stream namespace must not be empty";
        if (Encoding.UTF8.GetByteCount(value) > MaxNamespaceLength) return $"the data stream namespace '{value}' is longer than {MaxNamespaceLength} bytes";
        foreach (char c in value)
        {
            // Elastic's naming scheme: lower case, no '-' (it separates type, dataset and namespace), and none of the
            // characters an index name cannot hold.
            if (c == '-' || char.IsUpper(c) || char.IsWhiteSpace(c) || "\\/*?\"<>|,#:".Contains(c, StringComparison.Ordinal))
            {
                return $"the data stream namespace '{value}' must be lower case without '-', spaces or any of \\ / * ? \" < > | , # :";
            }
        }

        return null;
    }

    /// <summary>User name and password from the options, else from the URL's user-info part.</summary>
    internal (string? User, string? Password) BasicCredentials()
    {
        if (Username is not null || Password is not null) return (Username, Password);
        if (Url is not null && Uri.TryCreate(Url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            return colon < 0
                ? (Uri.UnescapeDataString(uri.UserInfo), null)
                : (Uri.UnescapeDataString(uri.UserInfo[..colon]), Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
        }

        return (null, null);
    }

    /// <summary>The URL without user-info, ending in '/', so relative request paths append to it.</summary>
    internal Uri BaseUri()
    {
        var uri = new UriBuilder(Url ?? throw new InvalidOperationException("no URL")) { UserName = "", Password = "" };
        if (!uri.Path.EndsWith('/')) uri.Path += "/";
        return uri.Uri;
    }

    /// <summary>32 bytes, or null when the text is not a SHA-256 in hex.</summary>
    internal static byte[]? ParseFingerprint(string text)
    {
        string hex = text.Replace(":", "", StringComparison.Ordinal).Trim();
        if (hex.Length != 64) return null;
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Replaces every secret these options hold by "***" in text that came from elsewhere (e.g. a server).</summary>
    internal string Redact(string text)
    {
        foreach (var secret in new[] { ApiKey, Password, BasicCredentials().Password })
        {
            if (secret is { Length: > 0 }) text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    public override string ToString()
    {
        var (user, _) = BasicCredentials();
        string auth = ApiKey is not null ? "api key ***" : user is not null ? $"user {user}, password ***" : "none";
        return string.Create(CultureInfo.InvariantCulture,
            $"Elasticsearch {RedactedUrl} (auth {auth}, namespace {Namespace}, ca file {CaFile ?? "none"}, fingerprint {(CaFingerprint is null ? "none" : "set")}, batch {BatchSize}/{BatchBytes} bytes/{FlushInterval.TotalSeconds} s)");
    }
}
