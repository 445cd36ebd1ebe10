using System.Text;
using IdsHalfOpen.Output.Spool;

namespace IdsHalfOpen.Output.Tests.Spool;

/// <summary>A temporary directory per test, and helpers to fill and read spools.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("idshalfopen-spool-").FullName;

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; a leftover temp directory fails no test.
        }
    }
}

internal static class SpoolTestKit
{
    /// <summary>A recognisable payload of varying length for record number n.</summary>
    public static byte[] Payload(long n) => Encoding.ASCII.GetBytes($"record-{n}-" + new string((char)('a' + (n % 26)), (int)(n % 37)));

    public static string Text(ReadOnlyMemory<byte> payload) => Encoding.ASCII.GetString(payload.Span);

    /// <summary>Every pending record, oldest first.</summary>
    public static List<(long Sequence, string Text)> PendingOf(DurableSpool spool)
    {
        var records = new List<SpoolRecord>();
        int n = spool.Peek(int.MaxValue, records);
        Assert.Equal(n, records.Count);
        return records.Select(r => (r.Sequence, Text(r.Payload))).ToList();
    }

    public static string[] SegmentFiles(string directory) =>
        Directory.GetFiles(directory, "*.seg").Order(StringComparer.Ordinal).ToArray();

    /// <summary>Copies a spool directory (without its lock file) so a damaged variant can be opened.</summary>
    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            if (System.IO.Path.GetFileName(file) == "lock") continue;
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }
    }
}
