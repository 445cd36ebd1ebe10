using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Cli.Tests.Sensor;

/// <summary>
/// The real `idshalfopen sensor` process, as an operator runs it: an ordinary user (nobody) holding only CAP_NET_RAW
/// and CAP_NET_ADMIN as ambient capabilities, the way the systemd unit's AmbientCapabilities= grants them, captures
/// real kernel handshakes on loopback; the same user without them gets the documented advice; SIGTERM stops it cleanly.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SensorProcessTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("iho-sensor-proc-");

    public SensorProcessTests()
    {
        // nobody writes the alert file and the runtime's first-run files here.
        File.SetUnixFileMode(_dir.FullName, (UnixFileMode)0x1FF);
    }

    public void Dispose() => _dir.Delete(recursive: true);

    private Process Start(string caps, int metricsPort, string extra = "")
    {
        var psi = new ProcessStartInfo(TestEnvironment.FindTool("env")!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { $"HOME={_dir.FullName}", $"DOTNET_CLI_HOME={_dir.FullName}", "DOTNET_NOLOGO=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1",
                     TestEnvironment.FindTool("setpriv")!, "--reuid=65534", "--regid=65534", "--clear-groups" })
            psi.ArgumentList.Add(a);
        if (caps.Length > 0)
        {
            psi.ArgumentList.Add($"--inh-caps={caps}");
            psi.ArgumentList.Add($"--ambient-caps={caps}");
        }
        else
        {
            psi.ArgumentList.Add("--inh-caps=-all");
        }

        foreach (var a in new[] { TestEnvironment.FindTool("dotnet")!, RepoPaths.CliDll, "sensor", "--interface", "lo", "--filter", $"tcp port {metricsPort + 1}",
                     "--alerts", Path.Combine(_dir.FullName, "alerts.jsonl"), "--metrics", $"127.0.0.1:{metricsPort}", "--stats-interval", "0" })
            psi.ArgumentList.Add(a);
        foreach (var a in extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static int FreePortPair()
    {
        // Two consecutive free ports: the metrics endpoint and the test's TCP server.
        for (int i = 0; i < 50; i++)
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int p = ((IPEndPoint)l.LocalEndpoint).Port;
            if (p >= 65535) continue;
            try
            {
                using var next = new TcpListener(IPAddress.Loopback, p + 1);
                next.Start();
                return p;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no two consecutive free ports");
    }

    private static async Task<string?> ScrapeAsync(HttpClient http, int port)
    {
        try
        {
            return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static long Metric(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Select(l => long.Parse(l[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Single();

    [RequiresToolsFact("setpriv", "dotnet", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public async Task Sensor_NobodyWithAmbientNetRaw_CapturesKernelHandshakesAndStopsOnSigterm()
    {
        ToolGuard.Require("setpriv", "dotnet", "lib:libpcap.so.0.8", "root");
        int port = FreePortPair();
        using var p = Start("+net_raw,+net_admin", port);
        var stderr = p.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string? text = null;
            while (DateTime.UtcNow < deadline && !p.HasExited && (text = await ScrapeAsync(http, port)) is null) await Task.Delay(100);
            Assert.True(text is not null, "the sensor never served metrics: " + (p.HasExited ? await stderr : "(still running)"));

            // Five real handshakes through the kernel's TCP on loopback, to a port the filter selects.
            using var server = new TcpListener(IPAddress.Loopback, port + 1);
            server.Start();
            for (int i = 0; i < 5; i++)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port + 1);
                using var accepted = await server.AcceptTcpClientAsync();
            }

            long attempts = 0;
            while (DateTime.UtcNow < deadline && (attempts = Metric(await ScrapeAsync(http, port) ?? "", "idshalfopen_attempts_total")) < 5) await Task.Delay(100);
            Assert.Equal(5, attempts);
            Assert.Equal(0, Metric((await ScrapeAsync(http, port))!, "idshalfopen_capture_dropped_packets_total"));
        }
        finally
        {
            if (!p.HasExited) TestEnvironment.Run(TestEnvironment.FindTool("kill")!, ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "the sensor did not stop on SIGTERM");
        string log = await stderr;
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("capturing on lo", log, StringComparison.Ordinal);
        Assert.Contains("stopping: draining", log, StringComparison.Ordinal);
        Assert.Contains("stats packets=", log, StringComparison.Ordinal);
    }

    [RequiresToolsFact("setpriv", "dotnet", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public async Task Sensor_NobodyWithoutCapabilities_ExitsInputErrorWithAdvice()
    {
        ToolGuard.Require("setpriv", "dotnet", "lib:libpcap.so.0.8", "root");
        using var p = Start("", FreePortPair());
        string log = await p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.Equal(ExitCodes.InputError, p.ExitCode);
        Assert.Contains("CAP_NET_RAW", log, StringComparison.Ordinal);
        Assert.Contains("AmbientCapabilities", log, StringComparison.Ordinal);
    }
}
