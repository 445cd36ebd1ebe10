using System.Globalization;

namespace IdsHalfOpen.Detection.Rules;

/// <summary>
/// Durations in rule files: a non-negative decimal number followed by a unit (ms, s, m, h), e.g. 250ms, 1.5s, 5m,
/// or a bare number of seconds (10, 0.5). Results are nanoseconds, like packet time.
/// </summary>
public static class DurationParser
{
    public const long NanosecondsPerMillisecond = 1_000_000;
    public const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Parses a duration; false (with <paramref name="nanoseconds"/> 0) for anything else, negative or too large.</summary>
    public static bool TryParse(string text, out long nanoseconds)
    {
        nanoseconds = 0;
        ArgumentNullException.ThrowIfNull(text);
        int end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.')) end++;
        string number = text[..end];
        long unit = text[end..] switch
        {
            "" => NanosecondsPerSecond,
            "ms" => NanosecondsPerMillisecond,
            "s" => NanosecondsPerSecond,
            "m" => 60 * NanosecondsPerSecond,
            "h" => 3600 * NanosecondsPerSecond,
            _ => 0,
        };
        if (unit == 0 || !IsDecimal(number)) return false;
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)) return false;
        try
        {
            nanoseconds = checked((long)decimal.Round(value * unit));
        }
        catch (OverflowException)
        {
            return false;
        }

        return true;
    }

    /// <summary>Shortest exact form using the largest whole unit: 30s, 250ms, 5m, 1500ms, 1h.</summary>
    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        if (nanoseconds % (3600 * NanosecondsPerSecond) == 0) return $"{nanoseconds / (3600 * NanosecondsPerSecond)}h";
        if (nanoseconds % (60 * NanosecondsPerSecond) == 0) return $"{nanoseconds / (60 * NanosecondsPerSecond)}m";
        if (nanoseconds % NanosecondsPerSecond == 0) return $"{nanoseconds / NanosecondsPerSecond}s";
        if (nanoseconds % NanosecondsPerMillisecond == 0) return $"{nanoseconds / NanosecondsPerMillisecond}ms";
        return ((decimal)nanoseconds / NanosecondsPerSecond).ToString(CultureInfo.InvariantCulture) + "s";
    }

    public static TimeSpan ToTimeSpan(long nanoseconds) => TimeSpan.FromTicks(nanoseconds / 100);

    // digits, optionally one '.' followed by digits; no sign, exponent, leading or trailing dot.
    private static bool IsDecimal(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return s.Length > 0 && s.Length <= 20;
        return dot > 0 && dot < s.Length - 1 && s.IndexOf('.', dot + 1) < 0 && s.Length <= 30;
    }
}
