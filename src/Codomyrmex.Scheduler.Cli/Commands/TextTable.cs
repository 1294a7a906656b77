using System.Text;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>A table for a terminal: a header row in capitals, columns padded to their widest cell, two spaces between them.</summary>
internal sealed class TextTable
{
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

    /// <summary>Adds a row; a null cell prints as <c>-</c>, and line breaks and tabs in a cell become spaces.</summary>
    public void Add(params string?[] cells)
    {
        if (cells.Length != _headers.Length)
        {
            throw new ArgumentException($"A row of this table has {_headers.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add([.. cells.Select(Clean)]);
    }

    public void Write(TextWriter output)
    {
        int[] widths = [.. _headers.Select((header, i) => _rows.Select(row => row[i].Length).Append(header.Length).Max())];
        WriteRow(output, _headers, widths);
        foreach (string[] row in _rows)
        {
            WriteRow(output, row, widths);
        }
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
            line.Append(_right[i] ? cells[i].PadLeft(widths[i]) : last ? cells[i] : cells[i].PadRight(widths[i]));
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    private static string Clean(string? cell)
    {
        if (cell is null)
        {
            return "-";
        }

        var text = new StringBuilder(cell.Length);
        foreach (char c in cell)
        {
            text.Append(char.IsControl(c) ? ' ' : c);
        }

        return text.ToString();
    }
}
