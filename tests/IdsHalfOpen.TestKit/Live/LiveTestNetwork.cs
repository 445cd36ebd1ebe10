using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace IdsHalfOpen.TestKit.Live;

/// <summary>
/// Network namespaces a live test creates for itself, so its traffic never touches the host's interfaces or routes.
/// Everything is made inside namespaces named <c>iho-live-PID-RANDOM-ROLE</c>: veth ends are created directly in their
/// namespaces (nothing appears in the root namespace even for a moment), and sysctls, routes and processes are set or
/// started inside them. Dispose kills every process the network started (and anything else still running inside its
/// namespaces), then deletes the namespaces, which deletes the veths. Namespaces left behind by a crashed run (the
/// PID in the name is gone) are swept on the next <see cref="Create"/>, their processes killed first.
/// <para>
/// <see cref="CreatePair"/> and <see cref="CreateIsolated"/> are the two-namespace shapes the capture tests use: a client
/// ("vc") and a server ("vs") joined by a veth pair, addressed in a random 10.231.N.0/24 that exists only inside them.
/// </para>
/// </summary>
public sealed class LiveTestNetwork : IDisposable
{
    public const string Prefix = "iho-live-";
    public const string ClientInterface = "vc";
    public const string ServerInterface = "vs";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly List<string> _namespaces = [];
    private readonly List<LabProcess> _processes = [];
    private int _subnet;
    private bool _disposed;

    private LiveTestNetwork(string id)
    {
        Id = id;
        TempDir = Directory.CreateTempSubdirectory(Prefix).FullName;
    }

    public string Id { get; }

    /// <summary>A temporary folder removed on Dispose.</summary>
    public string TempDir { get; }

    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>Client namespace of <see cref="CreatePair"/> / <see cref="CreateIsolated"/>.</summary>
    public string ClientNs => NamespaceName("c");

    /// <summary>Server namespace of <see cref="CreatePair"/>.</summary>
    public string ServerNs => NamespaceName("s");

    public IPAddress ClientAddress => IPAddress.Parse($"10.231.{_subnet}.1");

    public IPAddress ServerAddress => IPAddress.Parse($"10.231.{_subnet}.2");

    /// <summary>An empty network (no namespace yet); sweeps leftovers of crashed runs first.</summary>
    public static LiveTestNetwork Create()
    {
        SweepStale();
        return new LiveTestNetwork($"{Environment.ProcessId}-{Random.Shared.Next(0x1000000):x6}");
    }

    /// <summary>Only the client namespace with its loopback up: a place where no packet ever arrives.</summary>
    public static LiveTestNetwork CreateIsolated()
    {
        var net = Create();
        try
        {
            net.AddNamespace("c");
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
        var net = Create();
        try
        {
            net._subnet = Random.Shared.Next(256);
            string c = net.AddNamespace("c"), s = net.AddNamespace("s");
            net.AddVeth(c, ClientInterface, s, ServerInterface);
            net.AddAddress(c, ClientInterface, net.ClientAddress + "/24");
            net.AddAddress(s, ServerInterface, net.ServerAddress + "/24");
            return net;
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>The full name of this network's namespace for a role.</summary>
    public string NamespaceName(string role) => $"{Prefix}{Id}-{role}";

    /// <summary>Creates the namespace for <paramref name="role"/> with its loopback up; returns its name.</summary>
    public string AddNamespace(string role)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string name = NamespaceName(role);
        Ip("netns", "add", name);
        _namespaces.Add(name);
        Ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    /// <summary>A veth pair with one end in each namespace (optionally with fixed MAC addresses), both ends up.</summary>
    public void AddVeth(string nsA, string ifA, string nsB, string ifB, string? macA = null, string? macB = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var args = new List<string> { "link", "add", ifA, "netns", nsA };
        if (macA is not null) args.AddRange(["address", macA]);
        args.AddRange(["type", "veth", "peer", "name", ifB, "netns", nsB]);
        if (macB is not null) args.AddRange(["address", macB]);
        Ip([.. args]);
        Ip("-n", nsA, "link", "set", ifA, "up");
        Ip("-n", nsB, "link", "set", ifB, "up");
    }

    /// <summary>Adds an address (CIDR notation) to an interface; IPv6 duplicate address detection is off so it is usable at once.</summary>
    public void AddAddress(string ns, string ifname, string cidr)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cidr.Contains(':', StringComparison.Ordinal)) Ip("-n", ns, "addr", "add", cidr, "dev", ifname, "nodad");
        else Ip("-n", ns, "addr", "add", cidr, "dev", ifname);
    }

    /// <summary>A route inside a namespace, via a gateway and/or out of a device.</summary>
    public void AddRoute(string ns, string prefix, string? via = null, string? dev = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var args = new List<string> { "-n", ns, "route", "add", prefix };
        if (via is not null) args.AddRange(["via", via]);
        if (dev is not null) args.AddRange(["dev", dev]);
        Ip([.. args]);
    }

    /// <summary>Sets a sysctl inside the namespace (<c>ip netns exec NS sysctl -w KEY=VALUE</c>) and checks it took.</summary>
    public void SetSysctl(string ns, string key, string value)
    {
        var (code, _, err) = Exec(ns, ["sysctl", "-w", $"{key}={value}"]);
        if (code != 0) throw new InvalidOperationException($"sysctl -w {key}={value} in {ns} failed ({code}): {err}");
        string now = GetSysctl(ns, key);
        if (now != value) throw new InvalidOperationException($"sysctl {key} in {ns} is '{now}' after setting '{value}'");
    }

    public string GetSysctl(string ns, string key)
    {
        var (code, stdout, err) = Exec(ns, ["sysctl", "-n", key]);
        if (code != 0) throw new InvalidOperationException($"sysctl -n {key} in {ns} failed ({code}): {err}");
        return stdout.Trim();
    }

    /// <summary>Runs a command inside a namespace to completion.</summary>
    public (int ExitCode, string StdOut, string StdErr) Exec(string ns, IEnumerable<string> command, TimeSpan? timeout = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return TestEnvironment.Run(IpTool, ["netns", "exec", ns, .. command], timeout ?? CommandTimeout);
    }

    /// <summary>Starts a command inside a namespace in the background; it is killed on Dispose if still running.</summary>
    public LabProcess Start(string ns, IEnumerable<string> command, IReadOnlyDictionary<string, string>? environment = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var argv = command.ToList();
        var psi = new ProcessStartInfo(IpTool);
        foreach (var a in new[] { "netns", "exec", ns }.Concat(argv)) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        var p = new LabProcess(string.Join(' ', argv.Take(4)), psi);
        lock (_processes) _processes.Add(p);
        return p;
    }

    /// <summary>Runs a command inside the client namespace.</summary>
    public (int ExitCode, string StdOut, string StdErr) ExecInClient(params string[] command) => Exec(ClientNs, command);

    /// <summary>Starts python's http.server in the server namespace and returns once it listens.</summary>
    public int StartHttpServer(int port = 8080)
    {
        var p = Start(ServerNs, ["python3", "-u", "-m", "http.server", port.ToString(CultureInfo.InvariantCulture),
            "--bind", ServerAddress.ToString(), "--directory", TempDir]);
        if (p.WaitForLine(l => l.Contains("Serving HTTP", StringComparison.Ordinal), TimeSpan.FromSeconds(15), stdout: true) is null)
            throw new InvalidOperationException($"http.server did not start listening: {p}");
        return port;
    }

    public static string IpTool => TestEnvironment.FindTool("ip") ?? "ip";

    public static void Ip(params string[] args)
    {
        var (code, _, err) = TestEnvironment.Run(IpTool, args, CommandTimeout);
        if (code != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {err}");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        List<LabProcess> processes;
        lock (_processes) processes = [.. _processes];
        foreach (var p in processes) p.Dispose();
        foreach (var ns in _namespaces)
        {
            KillProcessesIn(ns);
            DeleteNamespace(ns);
        }

        try { Directory.Delete(TempDir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// Deletes namespaces of earlier runs whose process is gone (a crash skips Dispose), after killing what still runs
    /// in them (a namespace lives on while a process holds it, and so would a flood sender or a server).
    /// </summary>
    public static void SweepStale()
    {
        if (!Directory.Exists("/run/netns")) return;
        foreach (var path in Directory.EnumerateFiles("/run/netns", Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            string[] parts = name[Prefix.Length..].Split('-');
            if (parts.Length > 0 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                KillProcessesIn(name);
                DeleteNamespace(name);
            }
        }

        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(dir) < DateTime.UtcNow.AddHours(-1)) Directory.Delete(dir, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Kills (SIGKILL, by pid) every process whose network namespace is <paramref name="ns"/>, as <c>ip netns pids</c> lists them.</summary>
    private static void KillProcessesIn(string ns)
    {
        for (int round = 0; round < 5; round++)
        {
            var (code, stdout, _) = TestEnvironment.Run(IpTool, ["netns", "pids", ns], CommandTimeout);
            if (code != 0) return;
            var pids = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int p) ? p : 0).Where(p => p > 1 && p != Environment.ProcessId).ToList();
            if (pids.Count == 0) return;
            foreach (int pid in pids)
            {
                try
                {
                    using var p = Process.GetProcessById(pid);
                    p.Kill();
                    p.WaitForExit(2000);
                }
                catch (ArgumentException) { }
                catch (InvalidOperationException) { }
                catch (System.ComponentModel.Win32Exception) { }
            }
        }
    }

    private static void DeleteNamespace(string name) => TestEnvironment.Run(IpTool, ["netns", "delete", name], CommandTimeout);
}
