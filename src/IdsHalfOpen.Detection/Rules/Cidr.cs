using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// One CIDR block in the sensor's address space: 128-bit addresses, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d).
/// An IPv4 block a.b.c.d/n is stored as ::ffff:a.b.c.d/(96+n), so it matches exactly the IPv4-mapped addresses.
/// </summary>
public readonly record struct Cidr
{
    private const int MappedPrefix = 96;
    private static readonly UInt128 s_mappedBase = (UInt128)0xFFFF << 32;

    public Cidr(UInt128 network, int prefixLength, bool isIPv4)
    {
        if (prefixLength is < 0 or > 128) throw new ArgumentOutOfRangeException(nameof(prefixLength));
        if (isIPv4 && prefixLength < MappedPrefix) throw new ArgumentOutOfRangeException(nameof(prefixLength), "an IPv4 block is at least /96 in the mapped space");
        Network = network & Mask(prefixLength);
        PrefixLength = prefixLength;
        IsIPv4 = isIPv4;
    }

    /// <summary>First address of the block (host bits cleared).</summary>
    public UInt128 Network { get; }

    /// <summary>Prefix length in the 128-bit space (96 + n for an IPv4 /n).</summary>
    public int PrefixLength { get; }

    /// <summary>Written as IPv4 (a.b.c.d/n) rather than IPv6.</summary>
    public bool IsIPv4 { get; }

    /// <summary>Last address of the block.</summary>
    public UInt128 Last => Network | ~Mask(PrefixLength);

    public bool Contains(UInt128 address) => (address & Mask(PrefixLength)) == Network;

    /// <summary>Network mask with the top <paramref name="prefixLength"/> bits set.</summary>
    public static UInt128 Mask(int prefixLength) => prefixLength == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefixLength);

    /// <summary>Parses a.b.c.d/n, a.b.c.d, x:y::z/n or x:y::z (a bare address is a host block).</summary>
    /// <exception cref="FormatException">Not a CIDR; the message says why.</exception>
    public static Cidr Parse(string text)
    {
        if (!TryParse(text, out var cidr, out _, out var error)) throw new FormatException(error);
        return cidr;
    }

    /// <summary>
    /// Parses a CIDR. Host bits set below the prefix are cleared and reported through <paramref name="hostBitsSet"/>
    /// so the caller can warn. IPv4 must be four decimal octets without leading zeros: the lenient forms
    /// <see cref="IPAddress.TryParse(string, out IPAddress)"/> accepts ("10", "0x0a.1", "010.0.0.1") are too easy to misread.
    /// </summary>
    public static bool TryParse(string text, out Cidr cidr, out bool hostBitsSet, out string error)
    {
        cidr = default;
        hostBitsSet = false;
        error = "";
        ArgumentNullException.ThrowIfNull(text);
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        bool isIPv6 = addressText.Contains(':', StringComparison.Ordinal);
        UInt128 address;
        if (isIPv6)
        {
            if (addressText.Contains('%', StringComparison.Ordinal) || !IPAddress.TryParse(addressText, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{text}' is not a valid CIDR: bad IPv6 address '{addressText}'";
                return false;
            }

            address = FromBytes(ip.GetAddressBytes());
        }
        else if (!TryParseIPv4(addressText, out address))
        {
            error = $"'{text}' is not a valid CIDR: bad IPv4 address '{addressText}' (expected four decimal octets, e.g. 10.0.0.0/8)";
            return false;
        }

        int maxPrefix = isIPv6 ? 128 : 32;
        int prefix = maxPrefix;
        if (slash >= 0)
        {
            string prefixText = text[(slash + 1)..];
            if (prefixText.Length is 0 or > 3 || !prefixText.All(char.IsAsciiDigit)
                || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > maxPrefix)
            {
                error = $"'{text}' is not a valid CIDR: prefix length must be 0..{maxPrefix}";
                return false;
            }
        }

        int prefix128 = isIPv6 ? prefix : MappedPrefix + prefix;
        if (!isIPv6) address |= s_mappedBase;
        hostBitsSet = (address & ~Mask(prefix128)) != 0;
        cidr = new Cidr(address, prefix128, !isIPv6);
        return true;
    }

    public override string ToString()
    {
        if (IsIPv4)
        {
            uint v4 = (uint)(Network & uint.MaxValue);
            return $"{v4 >> 24}.{(v4 >> 16) & 0xFF}.{(v4 >> 8) & 0xFF}.{v4 & 0xFF}/{PrefixLength - MappedPrefix}";
        }

        return $"{ToIPAddress(Network)}/{PrefixLength}";
    }

    /// <summary>Big-endian 4- or 16-byte address to the 128-bit form (IPv4 mapped).</summary>
    public static UInt128 FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 4)
        {
            return s_mappedBase | ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        }

        if (bytes.Length != 16) throw new ArgumentException("an address is 4 or 16 bytes", nameof(bytes));
        UInt128 value = 0;
        foreach (byte b in bytes) value = (value << 8) | b;
        return value;
    }

    /// <summary>The 128-bit form to an <see cref="IPAddress"/> (IPv6; mapped IPv4 stays mapped).</summary>
    public static IPAddress ToIPAddress(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        for (int i = 15; i >= 0; i--)
        {
            bytes[i] = (byte)(address & 0xFF);
            address >>= 8;
        }

        return new IPAddress(bytes);
    }

    private static bool TryParseIPv4(string text, out UInt128 address)
    {
        address = 0;
        uint value = 0;
        int octets = 0;
        foreach (var part in text.Split('.'))
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit) || (part.Length > 1 && part[0] == '0')) return false;
            int octet = int.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
            if (octet > 255) return false;
            value = (value << 8) | (uint)octet;
            octets++;
        }

        if (octets != 4) return false;
        address = value;
        return true;
    }
}
