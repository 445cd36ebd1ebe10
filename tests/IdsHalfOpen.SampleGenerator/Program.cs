namespace IdsHalfOpen.SampleGenerator;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length != 1 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: dotnet run --project tests/IdsHalfOpen.SampleGenerator -- OUTDIR");
            Console.Error.WriteLine("writes the deterministic sample captures (samples-pcap/ in the repository is this output)");
            return 2;
        }

        foreach (var (path, bytes) in SampleCatalog.WriteAll(args[0]))
            Console.WriteLine($"{bytes,9:N0}  {path}");
        return 0;
    }
}
