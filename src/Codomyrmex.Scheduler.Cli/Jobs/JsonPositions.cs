using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>
/// Where each value and property name of a JSON document starts, by path (<c>$.jobs[0].name</c>), as line and column.
/// <see cref="JsonDocument"/> keeps no positions, so one pass of <see cref="Utf8JsonReader"/> records them first.
/// </summary>
internal sealed class JsonPositions
{
    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly byte[] _utf8;
    private readonly List<int> _lineStarts = [0];
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _names = new(StringComparer.Ordinal);

    /// <summary>Reads the positions of a document.</summary>
    /// <exception cref="JsonException">The document is not well-formed JSON; the exception has the line and byte position.</exception>
    public JsonPositions(byte[] utf8)
    {
        _utf8 = utf8;
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var path = new Stack<(string Path, int NextIndex, bool IsArray)>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    property = path.Peek().Path + "." + reader.GetString();
                    _names[property] = reader.TokenStartIndex;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.Pop();
                    break;
                default:
                    string here = ValuePath(path, property);
                    property = null;
                    _values[here] = reader.TokenStartIndex;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        path.Push((here, 0, reader.TokenType == JsonTokenType.StartArray));
                    }

                    break;
            }
        }
    }

    /// <summary>The line and column of the value at a path.</summary>
    public (int Line, int Column) Value(string path) => At(_values.GetValueOrDefault(path));

    /// <summary>The line and column of a property's name (its opening quote); the value's position if it has no name.</summary>
    public (int Line, int Column) Name(string path) => _names.TryGetValue(path, out long offset) ? At(offset) : Value(path);

    /// <summary>The line and column of a byte position inside a line, as <see cref="JsonException"/> reports it (both from 0).</summary>
    public static (int Line, int Column) FromException(byte[] utf8, long lineNumber, long bytePositionInLine)
    {
        int start = 0;
        for (long line = 0; line < lineNumber && start < utf8.Length; start++)
        {
            if (utf8[start] == '\n')
            {
                line++;
            }
        }

        return ((int)lineNumber + 1, Characters(utf8, start, start + (int)bytePositionInLine) + 1);
    }

    private static string ValuePath(Stack<(string Path, int NextIndex, bool IsArray)> path, string? property)
    {
        if (path.Count == 0)
        {
            return "$";
        }

        (string parent, int index, bool isArray) = path.Pop();
        path.Push((parent, isArray ? index + 1 : index, isArray));
        return isArray ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{parent}[{index}]") : property!;
    }

    private (int Line, int Column) At(long offset)
    {
        int line = _lineStarts.BinarySearch((int)offset);
        line = line >= 0 ? line : ~line - 1;
        return (line + 1, Characters(_utf8, _lineStarts[line], (int)offset) + 1);
    }

    /// <summary>Characters (not UTF-8 continuation bytes) in a byte range.</summary>
    private static int Characters(byte[] utf8, int start, int end)
    {
        int count = 0;
        for (int i = start; i < Math.Min(end, utf8.Length); i++)
        {
            if ((utf8[i] & 0xC0) != 0x80)
            {
                count++;
            }
        }

        return count;
    }
}
