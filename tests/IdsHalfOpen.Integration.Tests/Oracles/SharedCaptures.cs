using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Oracles;

/// <summary>
/// The real captures in <c>../shared/pcaps</c> (used in place, never copied) and the other tools' verdicts on them in
/// <c>oracles/</c>.
/// </summary>
internal static class SharedCaptures
{
    /// <summary>Stands for "the folder is missing" in member data, so that under CI=true the theory runs and fails.</summary>
    public const string Missing = "(shared captures missing)";

    public static string Folder => RepoPaths.SharedPcaps;

    public static string OraclesFolder => Path.Combine(Folder, "oracles");

    /// <summary>Full path of a capture; a clear failure when the folder or the file is missing.</summary>
    public static string Capture(string name) => Existing(Path.Combine(Folder, name));

    /// <summary>Full path of another tool's output on a capture.</summary>
    public static string Oracle(string name) => Existing(Path.Combine(OraclesFolder, name));

    /// <summary>Every capture file in the folder (pcap, pcapng, optionally gzip), by ordinal name.</summary>
    public static IEnumerable<string> AllCaptureNames()
    {
        if (!Directory.Exists(Folder)) return [Missing];
        return Directory.EnumerateFiles(Folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => n.EndsWith(".pcap", StringComparison.Ordinal) || n.EndsWith(".pcapng", StringComparison.Ordinal) || n.EndsWith(".pcap.gz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    private static string Existing(string path)
    {
        if (!Directory.Exists(Folder)) throw new DirectoryNotFoundException($"shared captures not found at {Folder} (they live beside the checkout, see ../shared/pcaps/README.md)");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is not among the shared captures", path);
        return path;
    }
}

/// <summary>
/// A theory over the shared captures. Outside CI it is skipped when <c>../shared/pcaps</c> is missing; under CI=true it
/// always runs, so a missing folder fails instead of passing by skipping.
/// </summary>
public sealed class SharedCapturesTheoryAttribute : TheoryAttribute
{
    public SharedCapturesTheoryAttribute()
    {
        if (!TestEnvironment.IsCi && !Directory.Exists(RepoPaths.SharedPcaps))
        {
            Skip = $"shared captures not found at {RepoPaths.SharedPcaps} (under CI=true this test fails instead)";
        }
    }
}
