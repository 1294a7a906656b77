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
}
