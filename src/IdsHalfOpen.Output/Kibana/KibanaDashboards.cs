namespace IdsHalfOpen.Output.Kibana;

/// <summary>
/// The Kibana saved objects shipped with the sensor (data views, Lens visualisations, saved searches and the SOC
/// dashboard), embedded in this assembly so <c>idshalfopen kibana setup</c> needs no file beside the binary.
/// </summary>
public static class KibanaDashboards
{
    /// <summary>The resource name, also the file name sent to Kibana (its import API wants a <c>.ndjson</c> name).</summary>
    public const string FileName = "idshalfopen-dashboards.ndjson";

    /// <summary>
    /// The Elastic Stack version the objects were written for. Kibana imports saved objects into the same or a newer
    /// version only, so docker-compose.yml pins exactly this version (a test holds them together).
    /// </summary>
    public const string StackVersion = "8.15.3";

    /// <summary>The id of the SOC dashboard, for links printed after an import.</summary>
    public const string DashboardId = "idshalfopen-soc";

    /// <summary>The embedded NDJSON, one saved object per line.</summary>
    public static byte[] ReadNdjson()
    {
        using var stream = typeof(KibanaDashboards).Assembly.GetManifestResourceStream(FileName)
            ?? throw new InvalidOperationException($"embedded resource {FileName} is missing from {typeof(KibanaDashboards).Assembly.GetName().Name}");
        using var copy = new MemoryStream(checked((int)stream.Length));
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
