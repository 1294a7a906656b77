using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>A markdown table printed as it is built, so that a long run shows its rows as they come.</summary>
internal sealed class MarkdownTable
{
    private readonly int _columns;

    public MarkdownTable(string title, params string[] headers)
    {
        _columns = headers.Length;
        Console.WriteLine();
        Console.WriteLine("#### " + title);
        Console.WriteLine();
        Console.WriteLine("| " + string.Join(" | ", headers) + " |");
        var rule = new StringBuilder("|");
        foreach (string header in headers)
        {
            rule.Append(header.StartsWith("Library", StringComparison.Ordinal) ? " --- |" : " ---: |");
        }

        Console.WriteLine(rule);
    }

    public void Row(params object[] cells)
    {
        if (cells.Length != _columns)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns} columns.", nameof(cells));
        }

        Console.WriteLine("| " + string.Join(" | ", cells.Select(Format)) + " |");
    }

    public static string Format(object cell) => cell switch
    {
        double d when double.IsNaN(d) => "-",
        double d when Math.Abs(d) >= 100 => d.ToString("N0", CultureInfo.InvariantCulture),
        double d when Math.Abs(d) >= 1 => d.ToString("0.00", CultureInfo.InvariantCulture),
        double d => d.ToString("0.000", CultureInfo.InvariantCulture),
        int i => i.ToString("N0", CultureInfo.InvariantCulture),
        long l => l.ToString("N0", CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };
}
