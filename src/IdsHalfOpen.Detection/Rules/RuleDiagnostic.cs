namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// A problem found while loading rules. Line and column are 1-based; 0 when the problem concerns the whole file
/// (not found, unreadable).
/// </summary>
public sealed record RuleDiagnostic(string File, int Line, int Column, DiagnosticSeverity Severity, string Message)
{
    /// <summary>The compiler-style form: <c>FILE:LINE:COLUMN: error: message</c>.</summary>
    public override string ToString() => Line > 0
        ? $"{File}:{Line}:{Column}: {Severity.Name()}: {Message}"
        : $"{File}: {Severity.Name()}: {Message}";
}

/// <summary>The outcome of loading rules: a rule set when there were no errors, and every diagnostic.</summary>
public sealed record RuleLoadResult(RuleSet? RuleSet, IReadOnlyList<RuleDiagnostic> Diagnostics)
{
    public bool Success => RuleSet is not null && !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<RuleDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<RuleDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);
}
