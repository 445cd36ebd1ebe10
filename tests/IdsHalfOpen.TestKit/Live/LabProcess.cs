using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace IdsHalfOpen.TestKit.Live;

/// <summary>
/// A background process started by <see cref="LiveTestNetwork.Start"/> (usually inside a namespace through
/// <c>ip netns exec</c>, which execs the command in place, so <see cref="Pid"/> is the command's own pid and a signal sent
/// to it reaches the command). Both outputs are collected line by line with the wall time each line arrived; the
/// network kills it on Dispose if it is still running.
/// </summary>
public sealed partial class LabProcess : IDisposable
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly List<(DateTime At, string Line)> _stdout = [];
    private readonly List<(DateTime At, string Line)> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LabProcess(string name, ProcessStartInfo psi)
    {
        Name = name;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true; // never the test runner's stdin
        psi.UseShellExecute = false;
        StartedAt = DateTime.UtcNow;
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + name);
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, e) => Collect(_stdout, _stdoutClosed, e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(_stderr, _stderrClosed, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>What was started, for messages.</summary>
    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>Wall time (UTC) just before the process was started.</summary>
    public DateTime StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string StdOut => Join(_stdout);

    public string StdErr => Join(_stderr);

    public IReadOnlyList<(DateTime At, string Line)> StdErrLines
    {
        get { lock (_stderr) return [.. _stderr]; }
    }

    public IReadOnlyList<(DateTime At, string Line)> StdOutLines
    {
        get { lock (_stdout) return [.. _stdout]; }
    }

    /// <summary>Sends a signal to the process (by its pid only).</summary>
    public void Signal(int signal)
    {
        if (_process.HasExited) throw new InvalidOperationException($"{Name} has already exited ({_process.ExitCode})");
        if (kill(_process.Id, signal) != 0)
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the process to end and both its outputs to be read; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        return Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], TimeSpan.FromSeconds(5));
    }

    /// <summary>Waits until a line of stderr (or stdout) matches; returns it, or null on timeout or when the process ended first.</summary>
    public string? WaitForLine(Func<string, bool> match, TimeSpan timeout, bool stdout = false)
    {
        var lines = stdout ? _stdout : _stderr;
        var deadline = Stopwatch.StartNew();
        int seen = 0;
        while (true)
        {
            lock (lines)
            {
                for (; seen < lines.Count; seen++)
                    if (match(lines[seen].Line)) return lines[seen].Line;
            }

            if (deadline.Elapsed > timeout) return null;
            if (_process.HasExited && (stdout ? _stdoutClosed : _stderrClosed).Task.IsCompleted)
            {
                lock (lines) if (seen == lines.Count) return null;
                continue;
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Ends the process with SIGKILL if it still runs and waits for it.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    public override string ToString() =>
        $"{Name} (pid {_process.Id}{(_process.HasExited ? $", exited {_process.ExitCode}" : ", running")})\n--- stdout\n{Tail(StdOut)}\n--- stderr\n{Tail(StdErr)}";

    private static string Tail(string s) => s.Length <= 6000 ? s : "..." + s[^6000..];

    private static void Collect(List<(DateTime, string)> lines, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (lines) lines.Add((DateTime.UtcNow, line));
    }

    private static string Join(List<(DateTime At, string Line)> lines)
    {
        var sb = new StringBuilder();
        lock (lines)
            foreach (var (_, line) in lines) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
