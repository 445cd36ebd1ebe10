using System.CommandLine;
using IdsHalfOpen.Output.Kibana;

namespace IdsHalfOpen.Cli.Commands;

/// <summary><c>idshalfopen kibana setup</c>: import the data views, visualisations, saved searches and SOC dashboard into Kibana.</summary>
internal static class KibanaCommand
{
    /// <summary>
    /// Kibana was unreachable, refused the import, or reported per-object errors. Kept here until ExitCodes.cs gains
    /// a shared code for failed remote setup (the Elasticsearch setup command needs the same).
    /// </summary>
    internal const int SetupFailed = 4;

    internal static Command Create()
    {
        var url = new Option<string?>("--kibana") { Description = $"Kibana base URL, with any server.basePath (default: ${KibanaSetup.UrlVariable}, else {KibanaSetup.DefaultUrl})" };
        var username = new Option<string?>("--username") { Description = $"user for Basic authentication (default: ${KibanaSetup.UsernameVariable})" };
        var password = new Option<string?>("--password") { Description = $"password for --username; prefer ${KibanaSetup.PasswordVariable}, command lines are visible to other users" };
        var apiKey = new Option<string?>("--api-key") { Description = $"Elasticsearch API key, the base64 'encoded' value, sent as 'Authorization: ApiKey' (default: ${KibanaSetup.ApiKeyVariable})" };
        var space = new Option<string?>("--space") { Description = $"Kibana space id (default: ${KibanaSetup.SpaceVariable}, else the default space)" };
        var file = new Option<FileInfo?>("--file") { Description = "import this .ndjson file instead of the built-in IdsHalfOpen objects" };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for Kibana's answer", DefaultValueFactory = _ => 60 };

        var setup = new Command("setup", "Import the IdsHalfOpen data views, visualisations, saved searches and SOC dashboard (overwrites earlier copies)")
        {
            url, username, password, apiKey, space, file, timeout,
        };
        setup.SetAction(async (parse, token) =>
        {
            var arguments = new KibanaSetupArguments
            {
                Url = parse.GetValue(url),
                Username = parse.GetValue(username),
                Password = parse.GetValue(password),
                ApiKey = parse.GetValue(apiKey),
                Space = parse.GetValue(space),
                File = parse.GetValue(file)?.FullName,
                TimeoutSeconds = parse.GetValue(timeout),
            };
            var outcome = await KibanaSetup.RunAsync(arguments, Environment.GetEnvironmentVariable, Console.Out, Console.Error, token).ConfigureAwait(false);
            return outcome switch
            {
                KibanaSetupOutcome.Imported => ExitCodes.Success,
                KibanaSetupOutcome.UsageError => ExitCodes.UsageError,
                _ => SetupFailed,
            };
        });
        return new Command("kibana", "Work with Kibana") { setup };
    }
}
