using System.Net.Http.Headers;
using System.Text;

namespace IdsHalfOpen.Output.Kibana;

/// <summary>
/// How a request authenticates to Kibana: Basic (user and password), an Elasticsearch API key (the base64
/// <c>encoded</c> value that <c>POST /_security/api_key</c> returns, sent as <c>Authorization: ApiKey ...</c>), or
/// nothing (a Kibana without security). Not a record: a record's generated ToString would print the secret.
/// </summary>
public sealed class KibanaCredentials
{
    private readonly string? _username;
    private readonly string? _secret;

    private KibanaCredentials(KibanaAuthKind kind, string? username, string? secret)
    {
        Kind = kind;
        _username = username;
        _secret = secret;
    }

    public static KibanaCredentials None { get; } = new(KibanaAuthKind.None, null, null);

    public KibanaAuthKind Kind { get; }

    /// <summary>The user name for Basic; null otherwise. Not a secret, so it may be shown.</summary>
    public string? Username => _username;

    public static KibanaCredentials Basic(string username, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        // RFC 7617: the user-id of Basic cannot contain a colon; the password may.
        if (username.Contains(':', StringComparison.Ordinal)) throw new ArgumentException("a Basic user name cannot contain ':'", nameof(username));
        return new KibanaCredentials(KibanaAuthKind.Basic, username, password);
    }

    public static KibanaCredentials ApiKey(string encodedKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(encodedKey);
        return new KibanaCredentials(KibanaAuthKind.ApiKey, null, encodedKey.Trim());
    }

    /// <summary>The Authorization header, or null for <see cref="KibanaAuthKind.None"/>.</summary>
    public AuthenticationHeaderValue? ToHeader() => Kind switch
    {
        KibanaAuthKind.Basic => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_username + ":" + _secret))),
        KibanaAuthKind.ApiKey => new AuthenticationHeaderValue("ApiKey", _secret),
        _ => null,
    };

    /// <summary>A description safe to print: the scheme and user name, never the password or key.</summary>
    public override string ToString() => Kind switch
    {
        KibanaAuthKind.Basic => $"basic authentication as {_username}",
        KibanaAuthKind.ApiKey => "API key",
        _ => "no authentication",
    };
}

public enum KibanaAuthKind
{
    None,
    Basic,
    ApiKey,
}
