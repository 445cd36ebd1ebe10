using System.Globalization;

namespace IdsHalfOpen.Output.Kibana;

/// <summary>What <c>idshalfopen kibana setup</c> was given: command-line values, each null when absent.</summary>
public sealed record KibanaSetupArguments
{
    public string? Url { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public string? ApiKey { get; init; }

    public string? Space { get; init; }

    /// <summary>An NDJSON file to import instead of the built-in objects.</summary>
    public string? File { get; init; }

    public double TimeoutSeconds { get; init; } = 60;

    /// <summary>A record prints its members: keep the password and key out of any log line.</summary>
    public override string ToString() =>
        $"KibanaSetupArguments {{ Url = {Url}, Username = {Username}, Password = {(Password is null ? "null" : "***")}, ApiKey = {(ApiKey is null ? "null" : "***")}, Space = {Space}, File = {File} }}";
}

public enum KibanaSetupOutcome
{
    /// <summary>Every object was imported.</summary>
    Imported,

    /// <summary>Bad arguments or environment; nothing was sent.</summary>
    UsageError,

    /// <summary>Kibana could not be reached, refused the request, or reported errors for some objects.</summary>
    Failed,
}

/// <summary>
/// <c>idshalfopen kibana setup</c>: resolves the connection from options, then the environment
/// (<see cref="UrlVariable"/>, <see cref="UsernameVariable"/>, <see cref="PasswordVariable"/>,
/// <see cref="ApiKeyVariable"/>), imports the saved objects, and reports every per-object error. Passwords and keys
/// are never written anywhere.
/// </summary>
public static class KibanaSetup
{
    public const string UrlVariable = "IDS_KIBANA_URL";
    public const string UsernameVariable = "IDS_KIBANA_USERNAME";
    public const string PasswordVariable = "IDS_KIBANA_PASSWORD";
    public const string ApiKeyVariable = "IDS_KIBANA_API_KEY";
    public const string SpaceVariable = "IDS_KIBANA_SPACE";
    public const string DefaultUrl = "http://localhost:5601";

    public static async Task<KibanaSetupOutcome> RunAsync(KibanaSetupArguments arguments, Func<string, string?> environment, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        string url = FirstSet(arguments.Url, environment(UrlVariable)) ?? DefaultUrl;
        if (!KibanaImportClient.TryParseBaseUrl(url, out var baseUrl, out string? urlError))
        {
            stderr.WriteLine($"idshalfopen: {urlError}");
            return KibanaSetupOutcome.UsageError;
        }

        if (!TryResolveCredentials(arguments, environment, out var credentials, out string? credentialError))
        {
            stderr.WriteLine($"idshalfopen: {credentialError}");
            return KibanaSetupOutcome.UsageError;
        }

        string? space = FirstSet(arguments.Space, environment(SpaceVariable));
        if (space is not null && !KibanaImportClient.IsValidSpaceId(space))
        {
            stderr.WriteLine($"idshalfopen: '{space}' is not a Kibana space id (lower-case letters, digits, '_' and '-')");
            return KibanaSetupOutcome.UsageError;
        }

        if (!double.IsFinite(arguments.TimeoutSeconds) || arguments.TimeoutSeconds <= 0 || arguments.TimeoutSeconds > 3600)
        {
            stderr.WriteLine("idshalfopen: --timeout must be between 0 and 3600 seconds");
            return KibanaSetupOutcome.UsageError;
        }

        byte[] ndjson;
        string fileName;
        if (arguments.File is { } path)
        {
            fileName = Path.GetFileName(path);
            if (!fileName.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
            {
                stderr.WriteLine($"idshalfopen: {path}: Kibana imports only files named *.ndjson");
                return KibanaSetupOutcome.UsageError;
            }

            try
            {
                ndjson = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"idshalfopen: cannot read {path}: {e.Message}");
                return KibanaSetupOutcome.UsageError;
            }
        }
        else
        {
            ndjson = KibanaDashboards.ReadNdjson();
            fileName = KibanaDashboards.FileName;
        }

        using var http = new HttpClient();
        http.Timeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds);
        var client = new KibanaImportClient(http, baseUrl, credentials, space);
        var result = await client.ImportAsync(ndjson, fileName, cancellationToken).ConfigureAwait(false);
        return Report(result, client, credentials, fileName, stdout, stderr);
    }

    internal static bool TryResolveCredentials(KibanaSetupArguments arguments, Func<string, string?> environment, out KibanaCredentials credentials, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        credentials = KibanaCredentials.None;
        error = null;

        // Options win over the environment as a pair: --username with IDS_KIBANA_PASSWORD is a normal way to keep the
        // password off the command line, so each value falls back on its own.
        string? apiKey = FirstSet(arguments.ApiKey, environment(ApiKeyVariable));
        string? username = FirstSet(arguments.Username, environment(UsernameVariable));
        string? password = arguments.Password ?? NullIfEmpty(environment(PasswordVariable));

        if (apiKey is not null && (username is not null || password is not null))
        {
            error = $"give either an API key (--api-key, {ApiKeyVariable}) or a user and password (--username/--password, {UsernameVariable}/{PasswordVariable}), not both";
            return false;
        }

        if (apiKey is not null)
        {
            credentials = KibanaCredentials.ApiKey(apiKey);
            return true;
        }

        if (username is null && password is null) return true;
        if (username is null)
        {
            error = $"a password was given without a user name (--username or {UsernameVariable})";
            return false;
        }

        if (password is null)
        {
            error = $"user {username} has no password (--password or {PasswordVariable})";
            return false;
        }

        if (username.Contains(':', StringComparison.Ordinal))
        {
            error = "the user name must not contain ':'";
            return false;
        }

        credentials = KibanaCredentials.Basic(username, password);
        return true;
    }

    private static KibanaSetupOutcome Report(KibanaImportResult result, KibanaImportClient client, KibanaCredentials credentials, string fileName, TextWriter stdout, TextWriter stderr)
    {
        if (result.Failure is { } failure)
        {
            stderr.WriteLine($"idshalfopen: Kibana import of {fileName} failed: {failure}");
            if (result.StatusCode is 401 or 403) stderr.WriteLine($"idshalfopen: (sent {credentials}; the user needs the Kibana privilege to manage saved objects)");
            return KibanaSetupOutcome.Failed;
        }

        foreach (var error in result.Errors) stderr.WriteLine($"idshalfopen: Kibana import error: {error}");

        var byType = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in result.Imported) byType[o.Type] = byType.GetValueOrDefault(o.Type) + 1;
        string types = string.Join(", ", byType.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Value} {p.Key}")));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kibana: imported {result.SuccessCount} objects from {fileName} into {client.BaseUrl}{(types.Length > 0 ? " (" + types + ")" : "")}"));

        foreach (var o in result.Imported)
        {
            if (o.Type == "dashboard") stdout.WriteLine($"kibana: dashboard \"{o.Title ?? o.Id}\": {client.DashboardsUri}{Uri.EscapeDataString(o.Id)}");
        }

        if (!result.IsComplete)
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idshalfopen: Kibana reported {result.Errors.Count} error(s); {result.SuccessCount} object(s) imported"));
            return KibanaSetupOutcome.Failed;
        }

        return KibanaSetupOutcome.Imported;
    }

    private static string? FirstSet(string? option, string? variable) => NullIfEmpty(option) ?? NullIfEmpty(variable);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
