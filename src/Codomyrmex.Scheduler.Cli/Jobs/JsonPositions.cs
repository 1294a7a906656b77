using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>
/// Where each value and property name of a JSON document starts, by path (<c>$.jobs[0].name</c>), as line and column; and
/// what the document holds that JSON allows but a jobs file must not: a key given twice in one object, a string that is
/// no text (an escaped lone surrogate, <c>"\ud800"</c>) or that holds a NUL.
/// </summary>
/// <remarks>
/// <see cref="JsonDocument"/> keeps no positions and takes the last of two equal keys silently, so one pass of
/// <see cref="Utf8JsonReader"/> records positions and problems first.
/// </remarks>
internal sealed class JsonPositions
{
    public static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private readonly List<int> _lineStarts = [0];
    private readonly Dictionary<string, long> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _names = new(StringComparer.Ordinal);
    private readonly List<FileError> _problems = [];
    private readonly TextPositions.ContinuationIndex _continuations;

    /// <summary>Reads the positions of a document.</summary>
    /// <exception cref="JsonException">The document is not well-formed JSON; the exception has the line and byte position.</exception>
    public JsonPositions(byte[] utf8)
    {
        _continuations = new TextPositions.ContinuationIndex(utf8);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }

        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var path = new Stack<Frame>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    string name = Text(ref reader) ?? "";
                    property = path.Peek().Path + "." + name;
                    if (!path.Peek().Keys!.Add(name))
                    {
                        Problem(reader.TokenStartIndex,
                            $"the key \"{name}\" is given twice in one object (first on line {At(_names[property]).Line}); JSON readers differ on which " +
                            "one counts, so give it once.");
                    }
                    else
                    {
                        _names[property] = reader.TokenStartIndex;
                    }

                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.Pop();
                    break;
                default:
                    string here = ValuePath(path, property);
                    property = null;
                    _values.TryAdd(here, reader.TokenStartIndex);
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        Text(ref reader);
                    }
                    else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        bool isArray = reader.TokenType == JsonTokenType.StartArray;
                        path.Push(new Frame(here, isArray ? null : new HashSet<string>(StringComparer.Ordinal)));
                    }

                    break;
            }
        }
    }

    /// <summary>Gets what the document holds that a jobs file must not, with positions; empty for a sound document.</summary>
    public IReadOnlyList<FileError> Problems => _problems;

    /// <summary>The line and column of the value at a path.</summary>
    public (int Line, int Column) Value(string path) => At(_values.GetValueOrDefault(path));

    /// <summary>The line and column of a property's name (its opening quote); the value's position if it has no name.</summary>
    public (int Line, int Column) Name(string path) => _names.TryGetValue(path, out long offset) ? At(offset) : Value(path);

    /// <summary>The string at the reader, or <see langword="null"/> with a problem recorded when it is no text or holds a NUL.</summary>
    private string? Text(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Invalid UTF-8 is refused before the document is read, so this is an escape that names half a character.
            Problem(reader.TokenStartIndex, "the string has an escaped lone surrogate (\\ud800-\\udfff without its pair), which is no character; " +
                "write the character itself or its full surrogate pair.");
            return null;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            Problem(reader.TokenStartIndex, "the string holds a NUL character (\\u0000); commands, names and variables cannot contain one, " +
                "the program would see the text cut short there.");
            return null;
        }

        return text;
    }

    private void Problem(long offset, string message)
    {
        (int line, int column) = At(offset);
        _problems.Add(new FileError(line, column, message));
    }

    private static string ValuePath(Stack<Frame> path, string? property)
    {
        if (path.Count == 0)
        {
            return "$";
        }

        Frame parent = path.Peek();
        if (parent.Keys is not null)
        {
            return property!;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{parent.Path}[{parent.NextIndex++}]");
    }

    private (int Line, int Column) At(long offset)
    {
        int line = _lineStarts.BinarySearch((int)offset);
        line = line >= 0 ? line : ~line - 1;
        int start = _lineStarts[line];
        return (line + 1, (int)offset - start - (_continuations.Before((int)offset) - _continuations.Before(start)) + 1);
    }

    /// <summary>An open object (with the keys seen so far) or array (with the index of its next element).</summary>
    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = keys;

        public int NextIndex { get; set; }
    }
}
