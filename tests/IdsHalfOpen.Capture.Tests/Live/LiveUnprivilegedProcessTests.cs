using System.Runtime.Versioning;
using IdsHalfOpen.Capture.Live;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Capture.Tests.Live;

/// <summary>
/// Permission denied as an operator meets it: a separate process running as nobody with no capabilities
/// (setpriv) opens a capture through the built IdsHalfOpen.Capture.dll. The SDK's F# interactive is the host, so no
/// extra project or entry point is needed.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LiveUnprivilegedProcessTests
{
    private const string Script = """
        #r "IdsHalfOpen.Capture.dll"
        open IdsHalfOpen.Capture.Live
        try
            (LivePacketSource.Open(LiveCaptureOptions("lo"))).Dispose()
            printfn "RESULT|opened|"
        with :? LiveCaptureException as e -> printfn "RESULT|%A|%s" e.Error e.Message
        """;

    [RequiresToolsFact("setpriv", "dotnet", "lib:libpcap.so.0.8", NeedsRoot = true)]
    public void Open_ProcessAsNobodyWithoutCapabilities_ThrowsPermissionDeniedNamingCapability()
    {
        ToolGuard.Require("setpriv", "dotnet", "lib:libpcap.so.0.8", "root");
        var dir = Directory.CreateTempSubdirectory("iho-live-nobody-");
        try
        {
            // nobody must be able to read the assembly and write the CLI's first-run files here.
            File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            File.Copy(typeof(LivePacketSource).Assembly.Location, Path.Combine(dir.FullName, "IdsHalfOpen.Capture.dll"));
            string script = Path.Combine(dir.FullName, "probe.fsx");
            File.WriteAllText(script, Script);

            var (code, stdout, stderr) = TestEnvironment.Run(TestEnvironment.FindTool("env")!,
                [$"HOME={dir.FullName}", $"DOTNET_CLI_HOME={dir.FullName}", "DOTNET_NOLOGO=1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1",
                 TestEnvironment.FindTool("setpriv")!, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                 TestEnvironment.FindTool("dotnet")!, "fsi", "--quiet", script],
                TimeSpan.FromSeconds(90));

            string? line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT|", StringComparison.Ordinal));
            Assert.True(line is not null, $"probe printed no result (exit {code}): {stdout} {stderr}");
            string[] parts = line.Split('|', 3);
            Assert.Equal(nameof(LiveCaptureError.PermissionDenied), parts[1]);
            Assert.Contains("CAP_NET_RAW", parts[2], StringComparison.Ordinal);
            Assert.Contains("setcap cap_net_raw,cap_net_admin=eip", parts[2], StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
