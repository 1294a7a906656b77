namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// The columns of one statement shape, as SQL text in each form a statement needs, and where each column stands in a
/// query that selects <see cref="Text"/>: found once by name, so readers and writers name columns at the cost of an ordinal.
/// </summary>
internal sealed class ColumnList
{
    private readonly string[] _names;

    public ColumnList(string text)
    {
        Text = text;
        _names = text.Split(", ");
        Parameters = string.Join(", ", _names.Select(column => "$" + column));
        Assignments = string.Join(", ", _names.Select(column => $"{column} = ${column}"));
    }

    /// <summary>Gets the columns as a select or insert list: <c>a, b</c>.</summary>
    public string Text { get; }

    /// <summary>Gets the parameters of the same names: <c>$a, $b</c>.</summary>
    public string Parameters { get; }

    /// <summary>Gets each column set from its parameter: <c>a = $a, b = $b</c>.</summary>
    public string Assignments { get; }

    /// <summary>Where <paramref name="name"/> stands in a result that selects <see cref="Text"/>.</summary>
    /// <exception cref="ArgumentException">The column is not in the list (a mistake in this assembly).</exception>
    public int Ordinal(string name)
    {
        int ordinal = Array.IndexOf(_names, name);
        return ordinal >= 0 ? ordinal : throw new ArgumentException($"The column '{name}' is not one of {Text}.", nameof(name));
    }
}
