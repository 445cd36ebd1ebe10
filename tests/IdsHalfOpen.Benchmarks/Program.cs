using BenchmarkDotNet.Running;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// One command per figure (build Release first: <c>dotnet build IdsHalfOpen.sln -c Release</c>):
/// <list type="bullet">
/// <item><c>dotnet run -c Release --project tests/IdsHalfOpen.Benchmarks -- file [--packets N] [--rounds R] [--file PATH]</c>:
/// whole-file read+decode beside tcpdump;</item>
/// <item><c>-- replay [--packets N] [--rounds R] [--shards S] [--file PATH] [--cli DLL]</c>: the CLI's full replay of the
/// mixed capture beside tcpdump (<c>--cli</c>: another build of idshalfopen.dll, to compare before and after);</item>
/// <item><c>-- flood-rss [--sources N] [--shards S] [--cli DLL]</c>: peak RSS of the CLI replaying a spoofed flood;</item>
/// <item><c>-- stages [--packets N] [--shards S]</c>: time per pipeline stage, in process;</item>
/// <item><c>-- es-ship [--documents N] [--rounds R]</c>: alert documents per second through the shipper into a loopback
/// fake Elasticsearch, beside HttpClient and curl posting the same bulk bodies;</item>
/// <item><c>-- live [--rates 5000,10000,...] [--seconds S] [--no-topspeed] [--max-packets N] [--cli DLL] [--sensor-args "..."]</c>
/// (root): the live test's namespace lab at stepped tcpreplay rates, the real sensor's drops and alert latency beside
/// tcpdump's on the same replay;</item>
/// <item>anything else goes to BenchmarkDotNet, e.g. <c>-- --filter *Decode*</c> or <c>-- --filter *Tracker*</c>.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "";
        return mode switch
        {
            "file" => FileBenchmark.Run(args[1..]),
            "replay" => ReplayBenchmark.Replay(args[1..]),
            "flood-rss" => ReplayBenchmark.FloodRss(args[1..]),
            "stages" => StageBenchmark.Run(args[1..]),
            "es-ship" => EsShipBenchmark.Run(args[1..]),
            "live" => LiveBenchmark.Run(args[1..]),
            _ => RunBenchmarkDotNet(args),
        };
    }

    private static int RunBenchmarkDotNet(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
