namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Line and column of a byte offset in UTF-8 text, as people count them: lines from 1, columns in characters from 1.</summary>
internal static class TextPositions
{
    /// <summary>The line and column of the byte at <paramref name="offset"/>.</summary>
    public static (int Line, int Column) Of(ReadOnlySpan<byte> utf8, int offset)
    {
        offset = Math.Clamp(offset, 0, utf8.Length);
        ReadOnlySpan<byte> before = utf8[..offset];
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (before.Count((byte)'\n') + 1, Characters(utf8[lineStart..offset]) + 1);
    }

    /// <summary>The line and column of a byte position inside a line (both counted from 0, as <c>JsonException</c> reports them).</summary>
    public static (int Line, int Column) OfLine(ReadOnlySpan<byte> utf8, long lineNumber, long bytePositionInLine)
    {
        int start = 0;
        for (long line = 0; line < lineNumber && start < utf8.Length; line++)
        {
            int newline = utf8[start..].IndexOf((byte)'\n');
            start = newline < 0 ? utf8.Length : start + newline + 1;
        }

        int end = (int)Math.Min(utf8.Length, start + bytePositionInLine);
        return ((int)lineNumber + 1, Characters(utf8[start..end]) + 1);
    }

    /// <summary>Characters (lead bytes, not UTF-8 continuation bytes) in a byte range.</summary>
    public static int Characters(ReadOnlySpan<byte> utf8)
    {
        int count = 0;
        foreach (byte b in utf8)
        {
            if ((b & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// How many UTF-8 continuation bytes come before any offset, in constant time: a column is the bytes since the line's
    /// start less the continuation bytes among them, and a minified file is one long line asked for thousands of columns.
    /// </summary>
    public sealed class ContinuationIndex
    {
        private const int Block = 1024;
        private readonly byte[] _utf8;
        private readonly int[] _beforeBlock;

        public ContinuationIndex(byte[] utf8)
        {
            _utf8 = utf8;
            _beforeBlock = new int[(utf8.Length / Block) + 1];
            int count = 0;
            for (int i = 0; i < utf8.Length; i++)
            {
                if (i % Block == 0)
                {
                    _beforeBlock[i / Block] = count;
                }

                if ((utf8[i] & 0xC0) == 0x80)
                {
                    count++;
                }
            }

            if (utf8.Length % Block == 0)
            {
                _beforeBlock[utf8.Length / Block] = count;
            }
        }

        /// <summary>The continuation bytes before <paramref name="offset"/>.</summary>
        public int Before(int offset)
        {
            offset = Math.Clamp(offset, 0, _utf8.Length);
            int block = offset / Block;
            int start = block * Block;
            return _beforeBlock[block] + (offset - start - Characters(_utf8.AsSpan(start, offset - start)));
        }
    }
}
