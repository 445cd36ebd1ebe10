namespace IdsHalfOpen.SampleGenerator;

internal static class Program
{
    private static int Main() => 1;
}
