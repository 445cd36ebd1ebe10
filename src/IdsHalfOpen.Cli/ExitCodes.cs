namespace IdsHalfOpen.Cli;

/// <summary>Process exit codes; documented in README.md. Scripts depend on them: never renumber.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Bad command line or configuration (System.CommandLine also uses 1 for parse errors).</summary>
    public const int UsageError = 1;
    /// <summary>An input could not be opened at all (missing, unreadable, not a capture, corrupt file header). Other inputs were still processed.</summary>
    public const int InputError = 2;
    /// <summary>Every input was processed, but some ended early (truncated or corrupt record); everything before the damage counts.</summary>
    public const int DamagedInput = 3;
    /// <summary>Stopped by Ctrl-C / SIGTERM.</summary>
    public const int Interrupted = 130;
}
