namespace IdsHalfOpen.TestKit;

/// <summary>Locates the repository root (the folder holding IdsHalfOpen.sln) and the shared captures beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    public static string Samples => Path.Combine(Root, "samples-pcap");

    public static string Rules => Path.Combine(Root, "rules");

    /// <summary>../shared/pcaps next to the checkout; real captures made by others, used in place.</summary>
    public static string SharedPcaps => Path.GetFullPath(Path.Combine(Root, "..", "shared", "pcaps"));

    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>The built CLI (idshalfopen.dll) of the same configuration as the running test assembly.</summary>
    public static string CliDll
    {
        get
        {
            string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(Root, "src", "IdsHalfOpen.Cli", "bin", config, "net10.0", "idshalfopen.dll");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IdsHalfOpen.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("IdsHalfOpen.sln not found above " + AppContext.BaseDirectory);
    }
}
