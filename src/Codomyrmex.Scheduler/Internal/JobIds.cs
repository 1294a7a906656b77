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

        foreach (char c in id)
        {
            int digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            key = (key << 5) | (uint)digit;
        }

        // 13 base32 digits hold 65 bits: the first digit may only be 0 or 1.
        return id[0] is '0' or '1';
    }
}
