namespace IdsHalfOpen.SampleGenerator;

/// <summary>One generated capture: its path below samples-pcap/ (forward slashes) and how to build its bytes.</summary>
public sealed record SampleFile(string RelativePath, Func<byte[]> Build)
{
    public override string ToString() => RelativePath;
}
