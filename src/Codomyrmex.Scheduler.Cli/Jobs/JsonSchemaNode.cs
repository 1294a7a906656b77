using System.Globalization;
using System.Text.Json;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>A value of a JSON jobs file for the jobs schema's reader: errors go to the file's list with their line and column.</summary>
internal sealed class JsonSchemaNode(JsonElement element, string key, string path, JsonPositions positions, List<FileError> errors) : SchemaNode
{
    /// <summary>Gets the value's path in the document (<c>$.jobs[0].name</c>), by which <see cref="JsonPositions"/> knows where it is.</summary>
    public string Path { get; } = path;

    /// <summary>Gets the value.</summary>
    public JsonElement Element { get; } = element;

    public override SchemaKind Kind => Element.ValueKind switch
    {
        JsonValueKind.Object => SchemaKind.Object,
        JsonValueKind.Array => SchemaKind.Array,
        JsonValueKind.String => SchemaKind.String,
        JsonValueKind.Number => SchemaKind.Number,
        JsonValueKind.True or JsonValueKind.False => SchemaKind.Boolean,
        _ => SchemaKind.Null,
    };

    public override string Key { get; } = key;

    public override string? Text => Element.ValueKind switch
    {
        JsonValueKind.String => Element.GetString(),
        JsonValueKind.Number => Element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    public override IEnumerable<SchemaNode> Children => Element.ValueKind switch
    {
        JsonValueKind.Object => Element.EnumerateObject().Select(property =>
            new JsonSchemaNode(property.Value, property.Name, $"{Path}.{property.Name}", positions, errors)),
        JsonValueKind.Array => Element.EnumerateArray().Select((item, index) =>
            new JsonSchemaNode(item, index.ToString(CultureInfo.InvariantCulture), string.Create(CultureInfo.InvariantCulture, $"{Path}[{index}]"), positions, errors)),
        _ => [],
    };

    public override string Place => string.Create(CultureInfo.InvariantCulture, $"on line {Position.Line}");

    public override bool IgnoresCase => false;

    /// <summary>Gets where the value starts.</summary>
    public (int Line, int Column) Position => positions.Value(Path);

    /// <summary>Gets where the field's name starts (the value's start for an array item or the root).</summary>
    public (int Line, int Column) NamePosition => positions.Name(Path);

    public override void Error(string message) => errors.Add(new FileError(Position.Line, Position.Column, message));

    public override void ErrorAtName(string message) => errors.Add(new FileError(NamePosition.Line, NamePosition.Column, message));

    /// <summary>The column of a character of a string: past the opening quote, exact unless the string has escapes before it.</summary>
    public override void ErrorAt(int offset, string message) => errors.Add(new FileError(Position.Line, Position.Column + 1 + offset, message));
}
