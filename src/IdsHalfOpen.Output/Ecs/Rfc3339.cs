namespace IdsHalfOpen.Output.Ecs;

/// <summary>
/// Packet time (ns since the Unix epoch) as RFC 3339 UTC text with all nine fraction digits,
/// e.g. <c>2024-05-01T12:00:00.000000123Z</c>: fixed width, so documents are byte-stable and sort as text.
/// </summary>
public static class Rfc3339
{
    public const int Length = 30;

    private const long NanosPerSecond = 1_000_000_000;

    public static bool TryFormatUtf8(long unixNanoseconds, Span<byte> destination, out int bytesWritten)
    {
        if (destination.Length < Length)
        {
            bytesWritten = 0;
            return false;
        }

        long seconds = Math.DivRem(unixNanoseconds, NanosPerSecond, out long fraction);
        if (fraction < 0)
        {
            // Floor division: times before 1970 still print a positive fraction.
            seconds--;
            fraction += NanosPerSecond;
        }

        var time = new DateTime(DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        time.Deconstruct(out int year, out int month, out int day);
        Digits(destination[..4], year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), time.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), time.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), time.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 9), fraction);
        destination[29] = (byte)'Z';
        bytesWritten = Length;
        return true;
    }

    /// <summary>Allocating convenience for consoles and tests.</summary>
    public static string ToString(long unixNanoseconds)
    {
        Span<byte> text = stackalloc byte[Length];
        TryFormatUtf8(unixNanoseconds, text, out _);
        return System.Text.Encoding.ASCII.GetString(text);
    }

    private static void Digits(Span<byte> destination, long value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
