using System.Globalization;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>
/// One value of a jobs source (a JSON jobs file, the <c>Scheduler:Jobs</c> configuration section), with the means to report
/// an error at the place the source gives it: a line and column in a file, a configuration path.
/// </summary>
/// <remarks>
/// <see cref="JobShapeReader"/> applies the rules of the jobs schema to nodes, so each source only says where a value is and
/// what it is, and the same mistake gets the same message whatever the source.
/// </remarks>
internal abstract class SchemaNode
{
    /// <summary>Gets what the value is.</summary>
    public abstract SchemaKind Kind { get; }

    /// <summary>Gets the name of the field that holds the value, or its index in an array.</summary>
    public abstract string Key { get; }

    /// <summary>Gets the text of a scalar (a string's value, a number or boolean as written); <see langword="null"/> for others.</summary>
    public abstract string? Text { get; }

    /// <summary>Gets the fields of an object or the items of an array, in order; empty for a scalar.</summary>
    public abstract IEnumerable<SchemaNode> Children { get; }

    /// <summary>Gets where the value is, for a message that points back at it: <c>line 3</c>, <c>Scheduler:Jobs:0</c>.</summary>
    public abstract string Place { get; }

    /// <summary>Gets a value indicating whether field names of this source compare without regard to case (configuration).</summary>
    public abstract bool IgnoresCase { get; }

    /// <summary>Gets the comparer of this source's field names.</summary>
    public StringComparer Names => IgnoresCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>Gets a value indicating whether the value is a configuration value with no text, which stands for an empty array or object.</summary>
    public bool IsEmptyText => Kind == SchemaKind.Text && Text!.Length == 0;

    /// <summary>Gets a field of an object by name, or <see langword="null"/> when it has none.</summary>
    public SchemaNode? Field(string name)
    {
        if (Kind != SchemaKind.Object)
        {
            return null;
        }

        StringComparer names = Names;
        foreach (SchemaNode child in Children)
        {
            if (names.Equals(child.Key, name))
            {
                return child;
            }
        }

        return null;
    }

    /// <summary>Reports an error at the value.</summary>
    public abstract void Error(string message);

    /// <summary>Reports an error at the field's name (an unknown or misplaced field); at the value where the source has no names.</summary>
    public virtual void ErrorAtName(string message) => Error(message);

    /// <summary>Reports an error at a character of a string value (the bad token of a schedule); at the value where the source cannot.</summary>
    public virtual void ErrorAt(int offset, string message) => Error(message);

    /// <summary>The value as JSON; configuration text stays text, except that <paramref name="typed"/> reads numbers and booleans.</summary>
    public JsonNode? ToJsonNode(bool typed = false)
    {
        switch (Kind)
        {
            case SchemaKind.Object:
                var json = new JsonObject();
                foreach (SchemaNode child in Children)
                {
                    json[child.Key] = child.ToJsonNode(typed);
                }

                return json;
            case SchemaKind.Array:
                return new JsonArray([.. Children.Select(child => child.ToJsonNode(typed))]);
            case SchemaKind.String:
                return JsonValue.Create(Text);
            case SchemaKind.Number:
                return JsonNode.Parse(Text!);
            case SchemaKind.Boolean:
                return JsonValue.Create(Text == "true");
            case SchemaKind.Text when typed && IsJsonNumber(Text!):
                return JsonNode.Parse(Text!);
            case SchemaKind.Text when typed && bool.TryParse(Text, out bool flag):
                return JsonValue.Create(flag);
            case SchemaKind.Text:
                return JsonValue.Create(Text);
            default:
                return null;
        }
    }

    /// <summary>Whether configuration text is a number as JSON writes it (<c>5</c>, <c>1.5</c>, <c>-2e3</c>; not <c>NaN</c> or <c>+5</c>).</summary>
    private static bool IsJsonNumber(string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !double.IsFinite(number)
            || text.Length == 0 || !(char.IsAsciiDigit(text[0]) || text[0] == '-'))
        {
            return false;
        }

        try
        {
            return JsonNode.Parse(text) is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>How a message names a value of the wrong kind: <c>an object</c>, <c>a number</c>, <c>null</c>, or text as written (<c>"yes"</c>).</summary>
    /// <remarks>
    /// Text is quoted the same way whether it is a JSON string or a configuration value, so that the same mistake reads the same
    /// in a jobs file and in configuration.
    /// </remarks>
    public string Describe() => Kind switch
    {
        SchemaKind.Object => "an object",
        SchemaKind.Array => "an array",
        SchemaKind.String or SchemaKind.Text => EchoText.Quote(Text!, '"'),
        SchemaKind.Number => "a number",
        SchemaKind.Boolean => "a boolean",
        _ => "null",
    };
}
