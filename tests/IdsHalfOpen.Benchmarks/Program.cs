using BenchmarkDotNet.Running;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/IdsHalfOpen.Benchmarks -- file [--packets N] [--rounds R] [--file PATH]</c>
/// times whole-file read+decode beside tcpdump; any other arguments go to BenchmarkDotNet
/// (e.g. <c>-- --filter *Decode*</c>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "file") return FileBenchmark.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
