using System.Diagnostics;
using Xunit;

namespace IdsHalfOpen.TestKit;

/// <summary>Facts about the machine a test runs on: which tools exist, whether we are root, whether this is CI.</summary>
public static class TestEnvironment
{
    /// <summary>CI=true: a test whose tool is missing must fail, never skip.</summary>
    public static bool IsCi => string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsRoot => System.Environment.UserName == "root" || GetEuid() == 0;

    public static string? FindTool(string name)
    {
        if (name.Contains('/')) return File.Exists(name) ? name : null;
        foreach (var dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin"]))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }

    public static bool HasLibrary(string soname) =>
        new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/local/lib" }
            .Any(d => File.Exists(Path.Combine(d, soname)));

    /// <summary>Runs a process to completion with a time limit; returns exit code and both outputs.</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in time");
        }

        return (p.ExitCode, so.Result, se.Result);
    }

    private static uint GetEuid()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2]);
        }
        catch (IOException) { }

        return uint.MaxValue;
    }
}

/// <summary>
/// A fact that needs external tools (and optionally root). Outside CI a missing tool skips the test with the reason;
/// under CI=true it runs and fails, because CI must never pass by skipping.
/// Tools are program names on PATH, or "lib:SONAME" for a shared library.
/// </summary>
public sealed class RequiresToolsFactAttribute : FactAttribute
{
    public RequiresToolsFactAttribute(params string[] tools)
    {
        if (TestEnvironment.IsCi) return;
        var missing = tools.Where(t => t.StartsWith("lib:", StringComparison.Ordinal) ? !TestEnvironment.HasLibrary(t[4..]) : TestEnvironment.FindTool(t) is null).ToList();
        if (NeedsRoot && !TestEnvironment.IsRoot) missing.Add("root");
        if (missing.Count > 0) Skip = "missing: " + string.Join(", ", missing) + " (under CI=true this test fails instead)";
    }

    /// <summary>Set in the attribute usage; evaluated again by <see cref="ToolGuard.Require"/> inside the test.</summary>
    public bool NeedsRoot { get; set; }
}

/// <summary>Called first inside a tool-needing test, so CI fails with a clear message instead of an obscure one.</summary>
public static class ToolGuard
{
    public static void Require(params string[] tools)
    {
        var missing = tools.Where(t => t == "root" ? !TestEnvironment.IsRoot : t.StartsWith("lib:", StringComparison.Ordinal) ? !TestEnvironment.HasLibrary(t[4..]) : TestEnvironment.FindTool(t) is null).ToList();
        if (missing.Count > 0) throw new InvalidOperationException("required tools missing: " + string.Join(", ", missing) + "; .ci/run installs them (apt-get) when run as root");
    }
}
