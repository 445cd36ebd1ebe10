using System.Diagnostics;
using System.Globalization;
using System.Text;
using IdsHalfOpen.Output.Spool;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Output.Tests.Spool;

/// <summary>
/// A real crash: a separate process appends and flushes numbered records (and acknowledges old ones, as a shipper
/// would), reports each flush and acknowledgement on stdout after it returned, and is killed with SIGKILL mid-run.
/// The SDK's F# interactive hosts it with the built IdsHalfOpen.Output.dll, so no extra project is needed.
/// </summary>
public sealed class DurableSpoolKillTests : IDisposable
{
    private const string Script = """
        #r "__ASSEMBLY__"
        open System
        open IdsHalfOpen.Output.Spool

        let spool = DurableSpool.Open(fsi.CommandLineArgs.[1], 64L <<< 20, 64 * 1024)
        let mutable n = 0L
        while true do
            for _ in 1 .. 50 do
                n <- n + 1L
                let payload = Text.Encoding.ASCII.GetBytes(sprintf "record-%d-%s" n (String('x', int (n % 53L))))
                let sequence = spool.Append(ReadOnlySpan<byte>(payload))
                if sequence <> n then
                    eprintfn "unexpected sequence %d for record %d" sequence n
                    exit 3
            spool.Flush()
            Console.Out.WriteLine(sprintf "FLUSHED %d" n)
            Console.Out.Flush()
            if n % 1000L = 0L then
                spool.Acknowledge(n - 500L)
                Console.Out.WriteLine(sprintf "ACKED %d" (n - 500L))
                Console.Out.Flush()
        """;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [RequiresToolsTheory("dotnet")]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Open_AfterChildKilledMidRun_HasEveryFlushedUnacknowledgedRecordOnceInOrder(int round)
    {
        ToolGuard.Require("dotnet");
        string spoolDirectory = _temp.Sub("spool");
        string script = _temp.Sub("child.fsx");
        await File.WriteAllTextAsync(script, Script.Replace("__ASSEMBLY__", typeof(DurableSpool).Assembly.Location, StringComparison.Ordinal));

        var start = new ProcessStartInfo(TestEnvironment.FindTool("dotnet")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "fsi", "--quiet", script, spoolDirectory }) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        long lastFlushed = 0, lastAcknowledged = 0;
        var stderr = new StringBuilder();
        using (var child = Process.Start(start)!)
        {
            child.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            child.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                // Kill at a different moment each round, once the child is well into its work (segments deleted, acks done).
                long killAfter = 20_000 + (round * 7_350);
                while (!child.HasExited && await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    Track(line, ref lastFlushed, ref lastAcknowledged);
                    if (lastFlushed >= killAfter) break;
                }

                Thread.Sleep(round * 3);
                // SIGKILL. "dotnet fsi" runs the script in a child "dotnet exec fsi.dll": kill the whole tree.
                child.Kill(entireProcessTree: true);
                await child.WaitForExitAsync(timeout.Token);

                // Lines written before the kill are still in the pipe: each is a promise the spool must keep.
                while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                    Track(line, ref lastFlushed, ref lastAcknowledged);
            }
            finally
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
            }

            Assert.True(lastFlushed > 0, $"the child never flushed (exit {child.ExitCode}): {stderr}");
            Assert.Equal(128 + 9, child.ExitCode); // died of our SIGKILL, not of its own accord
        }

        using var spool = DurableSpool.Open(spoolDirectory, 64L << 20, 64 * 1024);
        var records = new List<SpoolRecord>();
        spool.Peek(int.MaxValue, records);
        Assert.NotEmpty(records);

        // Nothing acknowledged comes back: the oldest pending record follows the last acknowledgement that returned
        // (or the one after it, if the child died between acknowledging and reporting it).
        long firstPending = records[0].Sequence;
        Assert.True(firstPending - 1 == lastAcknowledged || firstPending - 1 == lastAcknowledged + 1000,
            $"first pending {firstPending}, last reported acknowledgement {lastAcknowledged}");

        // Everything from there on up to the last reported flush (and possibly beyond) is present, once, in order.
        for (int i = 0; i < records.Count; i++)
        {
            long expected = firstPending + i;
            Assert.Equal(expected, records[i].Sequence);
            Assert.Equal($"record-{expected}-{new string('x', (int)(expected % 53))}", Encoding.ASCII.GetString(records[i].Payload.Span));
        }

        Assert.True(records[^1].Sequence >= lastFlushed, $"last record {records[^1].Sequence}, last reported flush {lastFlushed}");
        // A kill can tear at most the record being written (a write interrupted between pages).
        Assert.InRange(spool.CorruptRecordsDropped, 0, 1);
        Assert.True(spool.Append("after"u8) > records[^1].Sequence);
    }

    private static void Track(string line, ref long lastFlushed, ref long lastAcknowledged)
    {
        if (line.StartsWith("FLUSHED ", StringComparison.Ordinal))
            lastFlushed = long.Parse(line.AsSpan(8), CultureInfo.InvariantCulture);
        else if (line.StartsWith("ACKED ", StringComparison.Ordinal))
            lastAcknowledged = long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture);
    }
}
