namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Allocation-free text for the pipeline's <see cref="UInt128"/> addresses (most significant byte first).
/// IPv4-mapped addresses (::ffff:a.b.c.d) print as plain dotted IPv4, because that is what the packet carried;
/// everything else prints exactly as <see cref="System.Net.IPAddress.ToString"/> would (RFC 5952 compression, and
/// the same embedded-IPv4 forms), so text from this class and from the BCL can be compared and joined.
/// </summary>
public static class IpText
{
    /// <summary>Longest possible output: ffff:ffff:ffff:ffff:0:5efe:255.255.255.255 fits with room to spare.</summary>
    public const int MaxLength = 45;

    public static bool IsIPv4Mapped(UInt128 address) => (address >> 32) == 0xFFFF;

    /// <summary>Formats <paramref name="address"/> as ASCII into <paramref name="destination"/>.</summary>
    public static bool TryFormatUtf8(UInt128 address, Span<byte> destination, out int bytesWritten)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        int length = Format(address, text);
        if (length > destination.Length)
        {
            bytesWritten = 0;
            return false;
        }

        text[..length].CopyTo(destination);
        bytesWritten = length;
        return true;
    }

    public static bool TryFormat(UInt128 address, Span<char> destination, out int charsWritten)
    {
        Span<byte> text = stackalloc byte[MaxLength];
        int length = Format(address, text);
        if (length > destination.Length)
        {
            charsWritten = 0;
            return false;
        }

        for (int i = 0; i < length; i++) destination[i] = (char)text[i];
        charsWritten = length;
        return true;
    }

    /// <summary>Allocating convenience for consoles and tests; the writers use the span forms.</summary>
    public static string ToString(UInt128 address)
    {
        Span<char> text = stackalloc char[MaxLength];
        TryFormat(address, text, out int n);
        return new string(text[..n]);
    }

    /// <summary>A value usable in interpolated strings (span-formatted, no boxing, no intermediate string).</summary>
    public static FormattableIp Of(UInt128 address) => new(address);

    /// <summary>Writes the text form into <paramref name="dest"/>, which holds at least <see cref="MaxLength"/> bytes.</summary>
    internal static int Format(UInt128 address, Span<byte> dest)
    {
        if (IsIPv4Mapped(address)) return FormatIPv4((uint)address, dest);

        Span<ushort> words = stackalloc ushort[8];
        for (int i = 0; i < 8; i++) words[i] = (ushort)(address >> (112 - (16 * i)));

        int offset = 0;
        if (HasEmbeddedIPv4(words))
        {
            offset = AppendSections(words[..6], dest);
            if (dest[offset - 1] != (byte)':') dest[offset++] = (byte)':';
            offset += FormatIPv4((uint)address, dest[offset..]);
        }
        else
        {
            offset = AppendSections(words, dest);
        }

        return offset;
    }

    // The forms IPAddress prints with a dotted tail: IPv4-compatible (::a.b.c.d, except when the tail's high word is
    // 0, e.g. ::1), IPv4-mapped, SIIT (::ffff:0:a.b.c.d) and ISATAP (x:x:x:x:0:5efe:a.b.c.d).
    private static bool HasEmbeddedIPv4(ReadOnlySpan<ushort> w)
    {
        if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[6] != 0)
        {
            if (w[4] == 0 && (w[5] == 0 || w[5] == 0xFFFF)) return true;
            if (w[4] == 0xFFFF && w[5] == 0) return true;
        }

        return w[4] == 0 && w[5] == 0x5EFE;
    }

    // RFC 5952: the longest run of two or more zero words becomes "::"; the first such run wins a tie.
    private static int AppendSections(ReadOnlySpan<ushort> words, Span<byte> dest)
    {
        int bestStart = -1, bestLength = 1, runStart = 0, runLength = 0;
        for (int i = 0; i < words.Length; i++)
        {
            if (words[i] != 0)
            {
                runLength = 0;
                continue;
            }

            if (runLength++ == 0) runStart = i;
            if (runLength > bestLength)
            {
                bestStart = runStart;
                bestLength = runLength;
            }
        }

        int offset = 0;
        for (int i = 0; i < words.Length; i++)
        {
            if (i == bestStart)
            {
                dest[offset++] = (byte)':';
                dest[offset++] = (byte)':';
                i += bestLength - 1;
                continue;
            }

            if (offset > 0 && dest[offset - 1] != (byte)':') dest[offset++] = (byte)':';
            offset += AppendHex(words[i], dest[offset..]);
        }

        return offset;
    }

    private static int AppendHex(ushort value, Span<byte> dest)
    {
        int digits = value >= 0x1000 ? 4 : value >= 0x100 ? 3 : value >= 0x10 ? 2 : 1;
        for (int i = digits - 1; i >= 0; i--)
        {
            int nibble = value & 0xF;
            dest[i] = (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
            value >>= 4;
        }

        return digits;
    }

    private static int FormatIPv4(uint address, Span<byte> dest)
    {
        int offset = FormatByte((byte)(address >> 24), dest);
        dest[offset++] = (byte)'.';
        offset += FormatByte((byte)(address >> 16), dest[offset..]);
        dest[offset++] = (byte)'.';
        offset += FormatByte((byte)(address >> 8), dest[offset..]);
        dest[offset++] = (byte)'.';
        return offset + FormatByte((byte)address, dest[offset..]);
    }

    private static int FormatByte(byte value, Span<byte> dest)
    {
        if (value >= 100)
        {
            dest[0] = (byte)('0' + (value / 100));
            dest[1] = (byte)('0' + (value / 10 % 10));
            dest[2] = (byte)('0' + (value % 10));
            return 3;
        }

        if (value >= 10)
        {
            dest[0] = (byte)('0' + (value / 10));
            dest[1] = (byte)('0' + (value % 10));
            return 2;
        }

        dest[0] = (byte)('0' + value);
        return 1;
    }
}

/// <summary>An address that formats itself into interpolated strings and spans without allocating.</summary>
public readonly struct FormattableIp(UInt128 address) : ISpanFormattable, IUtf8SpanFormattable
{
    public UInt128 Address { get; } = address;

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        IpText.TryFormat(Address, destination, out charsWritten);

    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        IpText.TryFormatUtf8(Address, utf8Destination, out bytesWritten);

    public string ToString(string? format, IFormatProvider? formatProvider) => IpText.ToString(Address);

    public override string ToString() => IpText.ToString(Address);
}
