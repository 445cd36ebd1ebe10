using System.Diagnostics;
using System.Text;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>
/// The real <c>idshalfopen</c> as a child process (its dll from this test's output folder, run by the same dotnet host),
/// with both outputs collected. IDS_ES_* and IDS_KIBANA_* are removed from its environment so a developer's cluster
/// settings never leak into a test.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process) => _process = process;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "idshalfopen.dll");

    public string Arguments { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StdOut
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public string StdErr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public static CliProcess Start(params string[] args)
    {
        // The SDK's test runner names its host; outside it, dotnet on PATH.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        var psi = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("IDS_ES_", StringComparison.Ordinal) || k.StartsWith("IDS_KIBANA_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        var process = new Process { StartInfo = psi };
        var cli = new CliProcess(process) { Arguments = string.Join(' ', args) };
        process.OutputDataReceived += (_, e) => Append(cli._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(cli._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;

        static void Append(StringBuilder sb, string? line)
        {
            if (line is null) return;
            lock (sb) sb.AppendLine(line);
        }
    }

    /// <summary>Runs to the end; fails the test (killing the process) when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<CliProcess> RunAsync(TimeSpan timeout, params string[] args)
    {
        var cli = Start(args);
        await cli.WaitForExitAsync(timeout);
        return cli;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            Assert.Fail($"idshalfopen {Arguments} did not finish within {timeout.TotalSeconds} s; stderr: {StdErr}");
        }

        // WaitForExitAsync returns once the outputs are read to their end, so StdOut and StdErr are complete.
    }

    /// <summary>SIGKILL on Linux: no handler, no finally block, no flush runs in the child.</summary>
    public void Kill() => _process.Kill();

    public override string ToString() => $"idshalfopen {Arguments} (exit {(HasExited ? ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")})\nstdout: {StdOut}\nstderr: {StdErr}";

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }
}
