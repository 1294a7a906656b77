using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// A table for a terminal: a header row in capitals, columns padded to their widest cell, two spaces between them. Widths
/// are counted in terminal columns (a wide CJK character or emoji takes two, a combining mark none), and a cell wider than
/// <see cref="MaxCellWidth"/> is cut with an ellipsis, so one long name cannot push every other column out of line.
/// </summary>
internal sealed class TextTable
{
    /// <summary>The widest a cell of any column but the last may be, in terminal columns; the last column is not cut.</summary>
    public const int MaxCellWidth = 40;

    private readonly string[] _headers;
    private readonly bool[] _right;
    private readonly List<string[]> _rows = [];

    /// <summary>Starts a table; a header that ends in <c>&gt;</c> names a right-aligned (numeric) column.</summary>
    public TextTable(params string[] headers)
    {
        _right = [.. headers.Select(h => h.EndsWith('>'))];
        _headers = [.. headers.Select(h => h.TrimEnd('>'))];
    }

    public int Count => _rows.Count;

    /// <summary>Adds a row; a null cell prints as <c>-</c>, control characters (line breaks, tabs) become spaces.</summary>
    public void Add(params string?[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row of this table has {_headers.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add([.. cells.Select((cell, i) => i == cells.Length - 1 ? Clean(cell) : Cut(Clean(cell), MaxCellWidth))]);
    }

    public void Write(TextWriter output)
    {
        int[] widths = [.. _headers.Select((header, i) => _rows.Select(row => Width(row[i])).Append(Width(header)).Max())];
        WriteRow(output, _headers, widths);
        foreach (string[] row in _rows)
        {
            WriteRow(output, row, widths);
        }
    }

    /// <summary>How many terminal columns the text takes.</summary>
    public static int Width(string text)
    {
        int width = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            width += Width(rune);
        }

        return width;
    }

    /// <summary>The text cut to at most <paramref name="max"/> terminal columns, ending in <c>…</c> if it was cut.</summary>
    public static string Cut(string text, int max)
    {
        if (Width(text) <= max)
        {
            return text;
        }

        var cut = new StringBuilder();
        int width = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            int next = Width(rune);
            if (width + next > max - 1)
            {
                break;
            }

            cut.Append(rune.ToString());
            width += next;
        }

        return cut.Append('…').ToString();
    }

    private void WriteRow(TextWriter output, string[] cells, int[] widths)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                line.Append("  ");
            }

            bool last = i == cells.Length - 1;
            string padding = new(' ', widths[i] - Width(cells[i]));
            line.Append(_right[i] ? padding + cells[i] : last ? cells[i] : cells[i] + padding);
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    /// <summary>Terminal columns of one character: none for marks that combine with the one before, two for East Asian wide ones and emoji.</summary>
    private static int Width(Rune rune)
    {
        UnicodeCategory category = Rune.GetUnicodeCategory(rune);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format)
        {
            return 0;
        }

        int c = rune.Value;
        bool wide = c is (>= 0x1100 and <= 0x115F) or (>= 0x2E80 and <= 0x303E) or (>= 0x3041 and <= 0x33FF) or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x4E00 and <= 0x9FFF) or (>= 0xA000 and <= 0xA4CF) or (>= 0xAC00 and <= 0xD7A3) or (>= 0xF900 and <= 0xFAFF)
            or (>= 0xFE30 and <= 0xFE4F) or (>= 0xFF00 and <= 0xFF60) or (>= 0xFFE0 and <= 0xFFE6) or (>= 0x1F300 and <= 0x1F64F)
            or (>= 0x1F680 and <= 0x1F6FF) or (>= 0x1F900 and <= 0x1F9FF) or (>= 0x1FA70 and <= 0x1FAFF) or (>= 0x20000 and <= 0x3FFFD);
        return wide ? 2 : 1;
    }

    private static string Clean(string? cell) => cell is null ? "-" : Printable(cell);

    /// <summary>
    /// Text from a store (a job's name, command, error) made safe for a terminal: every control character (a line break, a
    /// tab, the escape that starts a terminal control sequence) becomes a space, so it can neither break a line nor recolour
    /// or clear the screen.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var printable = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            printable.Append(char.IsControl(c) ? ' ' : c);
        }

        return printable.ToString();
    }
}
