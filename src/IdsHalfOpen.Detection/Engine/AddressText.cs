using System.Net;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>Text of a 128-bit address (IPv4-mapped shown as dotted IPv4), for messages; not for the hot path.</summary>
public static class AddressText
{
    private static readonly UInt128 s_v4MappedPrefix = (UInt128)0xFFFF << 32;
    private static readonly UInt128 s_v4MappedMask = ~(UInt128)0xFFFFFFFF;

    public static bool IsIPv4(UInt128 address) => (address & s_v4MappedMask) == s_v4MappedPrefix;

    public static string Format(UInt128 address)
    {
        if (IsIPv4(address)) return new IPAddress(new[] { (byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address }).ToString();
        Span<byte> b = stackalloc byte[16];
        for (int i = 0; i < 16; i++) b[i] = (byte)(address >> ((15 - i) * 8));
        return new IPAddress(b).ToString();
    }

    /// <summary>A service as "ip:port", with an IPv6 address in brackets ("[2001:db8::1]:443").</summary>
    public static string Format(ServiceKey service)
    {
        string ip = Format(service.Address);
        string port = service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return IsIPv4(service.Address) ? ip + ":" + port : "[" + ip + "]:" + port;
    }
}
