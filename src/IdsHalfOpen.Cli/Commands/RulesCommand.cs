using System.CommandLine;
using IdsHalfOpen.Detection.Rules;

namespace IdsHalfOpen.Cli.Commands;

/// <summary><c>idshalfopen rules check FILE|DIR...</c>: validate rule files the way the sensor loads them.</summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Rule files (*.yaml) or directories of them, loaded together as one rule set",
            Arity = ArgumentArity.OneOrMore,
        };
        var check = new Command("check", "Validate rule files; print every problem as FILE:LINE:COLUMN and exit 1 on any error") { paths };
        check.SetAction(parseResult => RuleChecker.Check(parseResult.GetValue(paths) ?? [], Console.Out, Console.Error));
        return new Command("rules", "Work with detection rule files") { check };
    }
}
