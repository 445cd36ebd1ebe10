namespace IdsHalfOpen.Detection.Rules;

/// <summary>The body of <c>idshalfopen rules check</c>: load rule files/directories as one set and report.</summary>
public static class RuleChecker
{
    /// <summary>
    /// Writes every diagnostic to <paramref name="stderr"/> (<c>FILE:LINE:COLUMN: error: message</c>, one a line) and a
    /// one-line summary to <paramref name="stdout"/>. Returns the exit code: 0 when the rules load, 1 on any error.
    /// </summary>
    public static int Check(IReadOnlyList<string> paths, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (paths.Count == 0)
        {
            stderr.WriteLine("rules check: no rule file or directory given");
            return 1;
        }

        var result = RuleLoader.LoadPaths(paths);
        foreach (var d in result.Diagnostics) stderr.WriteLine(d.ToString());
        int errors = result.Errors.Count();
        int warnings = result.Warnings.Count();
        string what = string.Join(", ", paths);
        string warned = warnings == 0 ? "" : $", {Plural(warnings, "warning")}";
        if (result.Success && result.RuleSet is { } set)
        {
            int disabled = set.Rules.Count - set.EnabledRules.Count;
            string off = disabled == 0 ? "" : $" ({disabled} disabled)";
            stdout.WriteLine($"{what}: {Plural(set.Rules.Count, "rule")} OK{off}{warned}");
            return 0;
        }

        stdout.WriteLine($"{what}: {Plural(errors, "error")}{warned}");
        return 1;
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}
