using System.Globalization;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>The figures of the scale scenario, by library and measure and size, printed as one table with the ratio per measure.</summary>
internal sealed class ScaleResults(IReadOnlyList<int> sizes)
{
    private readonly List<(string Library, string Measure, string Unit, ScaleMeasureKind Kind)> _rows = [];
    private readonly Dictionary<(string Library, string Measure, int Size), double> _values = [];
    private readonly List<string> _notes = [];

    public void Add(string library, string measure, string unit, ScaleMeasureKind kind, int size, double value)
    {
        if (!_rows.Exists(row => row.Library == library && row.Measure == measure))
        {
            _rows.Add((library, measure, unit, kind));
        }

        _values[(library, measure, size)] = value;
        Console.WriteLine($"  {library} | {measure} | {size.ToString("N0", CultureInfo.InvariantCulture)} | {MarkdownTable.Format(value)} {unit}");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine("  note: " + note);
    }

    public void Print()
    {
        int smallest = sizes[0];
        int largest = sizes[^1];
        var headers = new List<string> { "Library", "Measure", "Unit" };
        headers.AddRange(sizes.Select(size => size.ToString("N0", CultureInfo.InvariantCulture)));
        headers.Add($"Ratio {Short(largest)}/{Short(smallest)}");
        headers.Add("≤ 2x?");
        var table = new MarkdownTable("Scale: per-operation cost as the store grows (median of each operation's calls)", [.. headers]);
        foreach ((string library, string measure, string unit, ScaleMeasureKind kind) in _rows)
        {
            var cells = new List<object> { library, measure, unit };
            cells.AddRange(sizes.Select(size => (object)(_values.TryGetValue((library, measure, size), out double v) ? v : double.NaN)));
            double ratio = double.NaN;
            if (_values.TryGetValue((library, measure, smallest), out double small) && _values.TryGetValue((library, measure, largest), out double large))
            {
                ratio = kind == ScaleMeasureKind.Rate ? small / large : large / small;
            }

            cells.Add(ratio);
            cells.Add(kind == ScaleMeasureKind.Info || double.IsNaN(ratio) ? "-" : ratio <= 2 ? "yes" : "**no**");
            table.Row([.. cells]);
        }

        foreach (string note in _notes)
        {
            Console.WriteLine("- " + note);
        }
    }

    private static string Short(int size) => size switch
    {
        >= 1_000_000 when size % 1_000_000 == 0 => (size / 1_000_000).ToString(CultureInfo.InvariantCulture) + "M",
        >= 1000 when size % 1000 == 0 => (size / 1000).ToString(CultureInfo.InvariantCulture) + "k",
        _ => size.ToString(CultureInfo.InvariantCulture),
    };
}
