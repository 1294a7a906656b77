using System.Text;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>
/// Turns a <see cref="JobQuery.NamePrefix"/> into a range of an index, so that a store finds the names that start with it
/// without a pattern (no <c>LIKE</c>, whose <c>%</c> and <c>_</c> would be wildcards) and without reading every name.
/// </summary>
/// <remarks>
/// The names that start with a prefix <c>p</c> are exactly those at or after <c>p</c> and before <see cref="UpperBound"/>
/// of <c>p</c>, in code point order: the order of UTF-8 bytes, which is how SQLite's <c>BINARY</c> collation and
/// PostgreSQL's <c>"C"</c> collation compare text.
/// </remarks>
public static class JobNamePrefix
{
    /// <summary>Gets the least text after every text that starts with <paramref name="prefix"/>, in code point order.</summary>
    /// <param name="prefix">The prefix; it must be well-formed UTF-16 (no lone surrogate).</param>
    /// <returns>
    /// The prefix with its last code point replaced by the next one (dropping trailing U+10FFFF, the last code point);
    /// <see langword="null"/> when there is no such text (the prefix is empty, or only U+10FFFF): every text at or after the
    /// prefix starts with it.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="prefix"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="prefix"/> holds a lone surrogate, which no stored name can.</exception>
    public static string? UpperBound(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var runes = new List<Rune>(prefix.Length);
        int index = 0;
        while (index < prefix.Length)
        {
            if (Rune.DecodeFromUtf16(prefix.AsSpan(index), out Rune rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                throw new ArgumentException($"The name prefix holds a lone surrogate at index {index}; names are well-formed text.", nameof(prefix));
            }

            runes.Add(rune);
            index += used;
        }

        while (runes.Count > 0)
        {
            int last = runes[^1].Value;
            runes.RemoveAt(runes.Count - 1);
            if (last == 0x10FFFF)
            {
                continue;
            }

            // The next scalar value: surrogates are not code points of text, so U+D7FF is followed by U+E000.
            runes.Add(new Rune(last == 0xD7FF ? 0xE000 : last + 1));
            var text = new StringBuilder(prefix.Length + 1);
            foreach (Rune rune in runes)
            {
                text.Append(rune.ToString());
            }

            return text.ToString();
        }

        return null;
    }
}
