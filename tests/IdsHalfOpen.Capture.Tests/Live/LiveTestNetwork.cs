using System.Diagnostics;
using System.Globalization;
using System.Net;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>
/// Network namespaces a live test creates for itself, so its traffic never touches the host's interfaces or routes.
/// <see cref="CreatePair"/>: a client and a server namespace joined by a veth pair ("vc" in the client, "vs" in the server)
/// with addresses in a random 10.231.N.0/24 that exists only inside them. The veth ends are created directly inside the
/// namespaces, so nothing appears in the root namespace even for a moment. Dispose kills the server and deletes the
/// namespaces (which deletes the veth); namespaces left by a crashed run of another process are swept on the next create.
/// </summary>
internal sealed class LiveTestNetwork : IDisposable
{
    public const string Prefix = "iho-live-";
    public const string ClientInterface = "vc";
    public const string ServerInterface = "vs";

    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly string _tempDir;

    private LiveTestNetwork(string id, int subnet)
    {
        Id = id;
        ClientNs = $"{Prefix}{id}-c";
        ServerNs = $"{Prefix}{id}-s";
        ClientAddress = IPAddress.Parse($"10.231.{subnet}.1");
        ServerAddress = IPAddress.Parse($"10.231.{subnet}.2");
        _tempDir = Directory.CreateTempSubdirectory("iho-live-").FullName;
    }

    public string Id { get; }
    public string ClientNs { get; }
    public string ServerNs { get; }
    public IPAddress ClientAddress { get; }
    public IPAddress ServerAddress { get; }

    /// <summary>Only the client namespace with its loopback up: a place where no packet ever arrives.</summary>
    public static LiveTestNetwork CreateIsolated()
    {
        var net = New();
        try
        {
            net.AddNamespace(net.ClientNs);
            Ip("-n", net.ClientNs, "link", "set", "lo", "up");
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Client and server namespaces joined by a veth pair, both ends up and addressed.</summary>
    public static LiveTestNetwork CreatePair()
    {
        var net = New();
        try
        {
            net.AddNamespace(net.ClientNs);
            net.AddNamespace(net.ServerNs);
            Ip("link", "add", ClientInterface, "netns", net.ClientNs, "type", "veth", "peer", "name", ServerInterface, "netns", net.ServerNs);
            foreach (var (ns, ifname, addr) in new[] { (net.ClientNs, ClientInterface, net.ClientAddress), (net.ServerNs, ServerInterface, net.ServerAddress) })
            {
                Ip("-n", ns, "addr", "add", addr + "/24", "dev", ifname);
                Ip("-n", ns, "link", "set", ifname, "up");
                Ip("-n", ns, "link", "set", "lo", "up");
            }

            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>Starts python's http.server in the server namespace and returns once it listens.</summary>
    public int StartHttpServer(int port = 8080)
    {
        var psi = new ProcessStartInfo(TestEnvironment.FindTool("ip") ?? "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ServerNs, "python3", "-u", "-m", "http.server", port.ToString(CultureInfo.InvariantCulture),
                     "--bind", ServerAddress.ToString(), "--directory", _tempDir })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3 http.server");
        _processes.Add(p);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) => { if (e.Data?.Contains("Serving HTTP", StringComparison.Ordinal) == true) listening.TrySetResult(); };
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(15)))
        {
            string err;
            lock (stderr) err = stderr.ToString();
            throw new InvalidOperationException($"http.server did not start listening (exited: {p.HasExited}): {err}");
        }

        return port;
    }

    /// <summary>Runs a command inside the client namespace.</summary>
    public (int ExitCode, string StdOut, string StdErr) ExecInClient(params string[] command) =>
        TestEnvironment.Run(TestEnvironment.FindTool("ip") ?? "ip", ["netns", "exec", ClientNs, .. command], TimeSpan.FromSeconds(30));

    public static void Ip(params string[] args)
    {
        var (code, _, err) = TestEnvironment.Run(TestEnvironment.FindTool("ip") ?? "ip", args, TimeSpan.FromSeconds(30));
        if (code != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {err}");
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }

        foreach (var ns in _namespaces) DeleteNamespace(ns);
        try { Directory.Delete(_tempDir, recursive: true); } catch (IOException) { }
    }

    private void AddNamespace(string name)
    {
        Ip("netns", "add", name);
        _namespaces.Add(name);
    }

    private static LiveTestNetwork New()
    {
        SweepStale();
        string id = $"{Environment.ProcessId}-{Random.Shared.Next(0x1000000):x6}";
        return new LiveTestNetwork(id, Random.Shared.Next(256));
    }

    private static void DeleteNamespace(string name) =>
        TestEnvironment.Run(TestEnvironment.FindTool("ip") ?? "ip", ["netns", "delete", name], TimeSpan.FromSeconds(30));

    /// <summary>Deletes namespaces of earlier runs whose process is gone (a crash skips Dispose).</summary>
    private static void SweepStale()
    {
        if (!Directory.Exists("/run/netns")) return;
        foreach (var path in Directory.EnumerateFiles("/run/netns", Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            string[] parts = name[Prefix.Length..].Split('-');
            if (parts.Length > 0 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                DeleteNamespace(name);
        }
    }
}
