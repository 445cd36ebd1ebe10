using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Integration.Tests.Differential;

/// <summary>
/// The captures the differential test runs on, named "samples/REL" (samples-pcap/, without bad/ except
/// garbage-frames.pcap) or "shared/NAME" (../shared/pcaps/, real captures by others, used in place).
/// </summary>
public static class Captures
{
    public const string SamplesPrefix = "samples/";
    public const string SharedPrefix = "shared/";

    private static readonly string[] s_captureSuffixes = [".pcap", ".pcapng", ".cap", ".gz"];

    public static IReadOnlyList<string> Samples()
    {
        if (!Directory.Exists(RepoPaths.Samples)) return [];
        return [.. Directory.EnumerateFiles(RepoPaths.Samples, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Samples, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(IsCapture)
            .Where(r => !r.StartsWith("bad/", StringComparison.Ordinal) || r == "bad/garbage-frames.pcap")
            .Order(StringComparer.Ordinal)
            .Select(r => SamplesPrefix + r)];
    }

    public static IReadOnlyList<string> Shared()
    {
        if (!Directory.Exists(RepoPaths.SharedPcaps)) return [];
        return [.. Directory.EnumerateFiles(RepoPaths.SharedPcaps)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(IsCapture)
            .Order(StringComparer.Ordinal)
            .Select(n => SharedPrefix + n)];
    }

    public static IReadOnlyList<string> All() => [.. Samples(), .. Shared()];

    public static string PathOf(string capture) =>
        capture.StartsWith(SamplesPrefix, StringComparison.Ordinal) ? Path.Combine(RepoPaths.Samples, capture[SamplesPrefix.Length..])
        : capture.StartsWith(SharedPrefix, StringComparison.Ordinal) ? Path.Combine(RepoPaths.SharedPcaps, capture[SharedPrefix.Length..])
        : throw new ArgumentException("capture ids start with samples/ or shared/: " + capture, nameof(capture));

    /// <summary>The file name part of a capture id.</summary>
    public static string FileName(string capture) => capture[(capture.LastIndexOf('/') + 1)..];

    private static bool IsCapture(string name) => s_captureSuffixes.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase));
}
