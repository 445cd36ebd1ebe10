using System.Globalization;
using System.Text;

namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Appends compact JSON to a byte buffer without the checks <c>Utf8JsonWriter</c> makes on every call (nesting, escaping
/// of names and values): for documents whose shape is fixed in code and whose strings are known to need no escaping.
/// The caller checks that each dynamic string is plain (<see cref="IsPlain"/>) and falls back to the writer otherwise.
/// The buffer must be large enough; the callers size it for the largest document they can make.
/// </summary>
internal ref struct RawJsonLine(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Bytes as they are: punctuation, pre-encoded names and values.</summary>
    public void Raw(scoped ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_length..]);
        _length += bytes.Length;
    }

    public void Byte(byte b) => _buffer[_length++] = b;

    /// <summary>A quoted string whose bytes need no escaping.</summary>
    public void Quoted(scoped ReadOnlySpan<byte> plain)
    {
        _buffer[_length++] = (byte)'"';
        Raw(plain);
        _buffer[_length++] = (byte)'"';
    }

    /// <summary>A quoted ASCII string whose characters need no escaping (see <see cref="IsPlain"/>).</summary>
    public void Quoted(string plain)
    {
        _buffer[_length++] = (byte)'"';
        _length += Encoding.ASCII.GetBytes(plain, _buffer[_length..]);
        _buffer[_length++] = (byte)'"';
    }

    public void Number(long value)
    {
        value.TryFormat(_buffer[_length..], out int n, default, CultureInfo.InvariantCulture);
        _length += n;
    }

    public void Timestamp(long unixNanoseconds)
    {
        _buffer[_length++] = (byte)'"';
        Rfc3339.TryFormatUtf8(unixNanoseconds, _buffer[_length..], out int n);
        _length += n;
        _buffer[_length++] = (byte)'"';
    }

    public void Ip(UInt128 address)
    {
        _buffer[_length++] = (byte)'"';
        _length += IpText.Format(address, _buffer[_length..]);
        _buffer[_length++] = (byte)'"';
    }

    /// <summary>True when <paramref name="text"/> is printable ASCII without a quote or backslash: JSON takes it as it is.</summary>
    public static bool IsPlain(string text)
    {
        foreach (char c in text)
        {
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') return false;
        }

        return true;
    }
}
