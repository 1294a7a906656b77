namespace Codomyrmex.Scheduler.Internal;

/// <summary>
/// Job and run ids: 64 random bits written as 13 characters of lower-case Crockford base32 — URL-safe, readable aloud,
/// and cheap to turn back into the number the in-memory store keys on.
/// </summary>
internal static class JobIds
{
    public const int Length = 13;
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static ulong NewKey() => (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);

    public static string Format(ulong key) =>
        string.Create(Length, key, static (span, value) =>
        {
            for (int i = Length - 1; i >= 0; i--)
            {
                span[i] = Alphabet[(int)(value & 31)];
                value >>= 5;
            }
        });

    public static bool TryParse(ReadOnlySpan<char> id, out ulong key)
    {
        key = 0;
        if (id.Length != Length)
        {
            return false;
        }

        // 13 base32 digits hold 65 bits, a 64-bit key 64: the first digit carries only its top 4 bits (0 to f).
        ulong value = 0;
        int bad = (DigitOf(id[0]) >> 4) << 5;
        for (int i = 0; i < Length; i++)
        {
            int digit = DigitOf(id[i]);
            bad |= digit;
            value = (value << 5) | (uint)(digit & 31);
        }

        // A character outside the alphabet reads as 32 and over, which sets a bit no digit has; so does a first digit of 16 or more.
        if ((bad & ~31) != 0)
        {
            return false;
        }

        key = value;
        return true;
    }

    /// <summary>The value of one character of an id: 0 to 31, or 255 for any character outside the alphabet.</summary>
    private static int DigitOf(char c) => c < Digits.Length ? Digits[c] : 255;

    /// <summary>The value of each ASCII character as a digit of an id, 255 where it is none (a table, not a search of the alphabet).</summary>
    private static ReadOnlySpan<byte> Digits =>
    [
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 10, 11, 12, 13, 14, 15, 16, 17, 255, 18, 19, 255, 20, 21, 255,
        22, 23, 24, 25, 26, 255, 27, 28, 29, 30, 31, 255, 255, 255, 255, 255,
    ];
}
