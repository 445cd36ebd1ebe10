using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// Zeek's conn.log history letters, packed one per byte into a ulong (at most 8): upper case for the originator
/// (client), lower case for the responder. Each letter is recorded once, on its first occurrence, as Zeek does.
/// S syn, H syn-ack, A pure ack, D data, F fin, R rst, I icmp error, ^ roles flipped.
/// </summary>
public static class HistoryLetters
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ref ulong history, char letter)
    {
        ulong h = history;
        for (int i = 0; i < 8; i++)
        {
            byte b = (byte)(h >> (i * 8));
            if (b == letter) return;
            if (b == 0)
            {
                history = h | ((ulong)letter << (i * 8));
                return;
            }
        }
    }

    /// <summary>Letter for a packet, upper case when the client sent it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static char Of(char upper, bool fromClient) => fromClient ? upper : (char)(upper | 0x20);

    public static string ToString(ulong history)
    {
        if (history == 0) return "";
        Span<char> s = stackalloc char[8];
        int n = 0;
        for (; n < 8; n++)
        {
            byte b = (byte)(history >> (n * 8));
            if (b == 0) break;
            s[n] = (char)b;
        }

        return new string(s[..n]);
    }
}
