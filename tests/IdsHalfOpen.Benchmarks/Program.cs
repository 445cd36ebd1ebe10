namespace IdsHalfOpen.Benchmarks;

internal static class Program
{
    private static int Main() => 1;
}
