using System.CommandLine;
using IdsHalfOpen.Cli.Commands;

namespace IdsHalfOpen.Cli;

internal static class Program
{
    private static Task<int> Main(string[] args)
    {
        var root = new RootCommand("IdsHalfOpen: a passive sensor for TCP SYN floods and embryonic (half-open) connections")
        {
            ReplayCommand.Create(),
            RulesCommand.Create(),
            EsCommand.Create(),
            KibanaCommand.Create(),
            SensorCommand.Create(),
        };
        var parse = root.Parse(args);

        // The sensor stops under the generic host, which handles SIGTERM and Ctrl-C itself and drains before exiting;
        // System.CommandLine's own handling would end the process two seconds after the signal, drained or not.
        var invocation = new InvocationConfiguration();
        if (parse.CommandResult.Command.Name == "sensor") invocation.ProcessTerminationTimeout = null;
        return parse.InvokeAsync(invocation);
    }
}
