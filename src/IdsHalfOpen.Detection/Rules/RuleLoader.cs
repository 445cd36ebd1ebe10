namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// Loads rule files (schema in rules/README.md). Never stops at the first problem: every error and warning comes back
/// as a <see cref="RuleDiagnostic"/> with file, line and column; the rule set is returned only when there is no error.
/// </summary>
public static class RuleLoader
{
    /// <summary>Loads one file.</summary>
    public static RuleLoadResult LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return Failure(path, "is a directory; load it with LoadDirectory");
        return LoadPaths([path]);
    }

    /// <summary>Loads every *.yaml and *.yml file of a directory (not recursive, ordinal name order) as one rule set.</summary>
    public static RuleLoadResult LoadDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory)) return Failure(directory, "directory not found");
        return LoadPaths([directory]);
    }

    /// <summary>
    /// Loads files and directories (each directory as in <see cref="LoadDirectory"/>) as one rule set: names of networks
    /// and allow lists are shared, rule ids are unique across all files.
    /// </summary>
    public static RuleLoadResult LoadPaths(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var diagnostics = new List<RuleDiagnostic>();
        var sources = new List<(string Name, string Text)>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path)
                    .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (files.Count == 0) diagnostics.Add(FileError(path, "no *.yaml or *.yml files in this directory"));
                foreach (var f in files) Read(f, sources, diagnostics);
            }
            else
            {
                Read(path, sources, diagnostics);
            }
        }

        return Compile(sources, diagnostics);
    }

    /// <summary>Parses rule text; <paramref name="sourceName"/> names it in diagnostics and, without a 'ruleset' key, names the rule set.</summary>
    public static RuleLoadResult Parse(string yaml, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(sourceName);
        return Compile([(sourceName, yaml)], []);
    }

    /// <summary>Parses several texts as one rule set, as <see cref="LoadPaths"/> does for files.</summary>
    public static RuleLoadResult ParseMany(IEnumerable<(string SourceName, string Yaml)> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return Compile([.. sources], []);
    }

    private static RuleLoadResult Compile(List<(string Name, string Text)> sources, List<RuleDiagnostic> diagnostics)
    {
        var compiler = new RuleCompiler(diagnostics);
        var ruleSet = compiler.Compile(sources);
        // File order first (file-level problems before positioned ones), then position; OrderBy is stable.
        var order = sources.Select((s, i) => (s.Name, i)).GroupBy(x => x.Name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var sorted = diagnostics
            .OrderBy(d => order.TryGetValue(d.File, out int i) ? i : -1)
            .ThenBy(d => d.Line)
            .ThenBy(d => d.Column)
            .ToList();
        bool hasErrors = sorted.Any(d => d.Severity == DiagnosticSeverity.Error);
        return new RuleLoadResult(hasErrors ? null : ruleSet, sorted);
    }

    private static void Read(string path, List<(string, string)> sources, List<RuleDiagnostic> diagnostics)
    {
        try
        {
            sources.Add((path, File.ReadAllText(path)));
        }
        catch (FileNotFoundException)
        {
            diagnostics.Add(FileError(path, "file not found"));
        }
        catch (DirectoryNotFoundException)
        {
            diagnostics.Add(FileError(path, "file not found"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(FileError(path, "cannot read: " + ex.Message));
        }
    }

    private static RuleDiagnostic FileError(string path, string message) => new(path, 0, 0, DiagnosticSeverity.Error, message);

    private static RuleLoadResult Failure(string path, string message) => new(null, [FileError(path, message)]);
}
