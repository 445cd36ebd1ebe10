namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>What went wrong talking to Elasticsearch, so callers can word advice and decide whether to retry.</summary>
public enum EsErrorKind
{
    /// <summary>The options are unusable (see <see cref="EsOptions.Validate"/>).</summary>
    Configuration,

    /// <summary>No answer: refused, reset, DNS, timeout. Worth retrying.</summary>
    Unreachable,

    /// <summary>The server's certificate was not trusted (CA file, fingerprint, or system trust).</summary>
    Tls,

    /// <summary>401: missing or wrong credentials.</summary>
    Unauthorized,

    /// <summary>403: the credentials lack a privilege.</summary>
    Forbidden,

    /// <summary>The server did not say <c>X-Elastic-Product: Elasticsearch</c>: we refuse to talk to it.</summary>
    UnknownProduct,

    /// <summary>Overloaded or unavailable (429, 502, 503, 504). Worth retrying.</summary>
    Busy,

    /// <summary>Any other refusal or an answer we could not read.</summary>
    Rejected,
}

/// <summary>
/// A failed exchange with Elasticsearch. An <see cref="IOException"/>, like <see cref="OutputException"/>, so callers
/// that report output failures catch it too. Messages name the server by its redacted URL and never hold a secret.
/// </summary>
public sealed class ElasticsearchException : IOException
{
    public ElasticsearchException()
    {
        Target = "";
    }

    public ElasticsearchException(string message)
        : base(message)
    {
        Target = "";
    }

    public ElasticsearchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
    }

    public ElasticsearchException(EsErrorKind kind, string target, string message, int? statusCode = null, string? errorType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        Target = target;
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    public EsErrorKind Kind { get; } = EsErrorKind.Rejected;

    /// <summary>The server's redacted URL.</summary>
    public string Target { get; }

    /// <summary>HTTP status, when there was an answer.</summary>
    public int? StatusCode { get; }

    /// <summary>Elasticsearch's <c>error.type</c>, e.g. <c>security_exception</c>.</summary>
    public string? ErrorType { get; }

    /// <summary>Whether trying the same request later may succeed.</summary>
    public bool IsTransient => Kind is EsErrorKind.Unreachable or EsErrorKind.Busy;
}
