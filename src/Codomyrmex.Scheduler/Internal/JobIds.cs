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

        for (int i = 0; i < id.Length; i++)
        {
            int digit = Alphabet.IndexOf(id[i], StringComparison.Ordinal);

            // 13 base32 digits hold 65 bits, a 64-bit key 64: the first digit carries only its top 4 bits (0 to f).
            if (digit < 0 || (i == 0 && digit >= 16))
            {
                return false;
            }

            key = (key << 5) | (uint)digit;
        }

        return true;
    }
}
