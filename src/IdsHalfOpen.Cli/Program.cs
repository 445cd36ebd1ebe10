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
        };
        return root.Parse(args).InvokeAsync();
    }
}
