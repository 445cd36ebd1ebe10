using System.Reflection;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// The sensor as ECS <c>observer.*</c>: who saw the traffic (not <c>host.*</c>, which would be the monitored host).
/// </summary>
/// <param name="Hostname">observer.hostname.</param>
/// <param name="Version">observer.version: the product version.</param>
/// <param name="InterfaceName">observer.ingress.interface.name: the capture interface when live; null for file replay.</param>
/// <param name="Vendor">observer.vendor.</param>
public sealed record SensorInfo(string Hostname, string Version, string? InterfaceName = null, string Vendor = SensorInfo.DefaultVendor)
{
    public const string ObserverType = "ids";

    public const string Product = "IdsHalfOpen";

    public const string DefaultVendor = "IdsHalfOpen";

    /// <summary>The product version from this assembly's informational version (set at build, so stable per build).</summary>
    public static string ProductVersion { get; } =
        typeof(SensorInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(SensorInfo).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <summary>This machine's name and the product version; pass the interface for live capture.</summary>
    public static SensorInfo ForThisHost(string? interfaceName = null) => new(Environment.MachineName, ProductVersion, interfaceName);
}
