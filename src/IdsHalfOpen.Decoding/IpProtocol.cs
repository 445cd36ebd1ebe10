namespace IdsHalfOpen.Decoding;

/// <summary>IANA protocol numbers the decoder acts on (IPv4 protocol field, IPv6 next header).</summary>
internal static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    /// <summary>IPv4 encapsulated in IP (RFC 2003).</summary>
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>IPv6 encapsulated in IP (RFC 4213, 6in4).</summary>
    public const byte Ipv6InIp = 41;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    public const byte Esp = 50;
    public const byte AuthenticationHeader = 51;
    public const byte Icmpv6 = 58;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
    public const byte Mobility = 135;
    public const byte Hip = 139;
    public const byte Shim6 = 140;
}
