using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>
/// The arguments of one tool call, bound loosely (as JSON) and read here, so that every wrong type, missing field or unknown
/// field is refused with a message that names it, instead of the SDK's generic binding failure.
/// </summary>
internal sealed class ToolArguments
{
    private readonly Dictionary<string, JsonElement> _values;

    public ToolArguments(IEnumerable<KeyValuePair<string, JsonElement>>? values, IReadOnlyCollection<string> allowed)
    {
        _values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach ((string name, JsonElement value) in values ?? [])
        {
            if (!allowed.Contains(name))
            {
                throw new ToolError(allowed.Count == 0
                    ? $"Unknown field \"{Texts.Clip(name)}\"; this tool takes no arguments."
                    : $"Unknown field \"{Texts.Clip(name)}\"; the fields are {string.Join(", ", allowed)}.");
            }

            // null means "not given", as an absent field does.
            if (value.ValueKind is not JsonValueKind.Null and not JsonValueKind.Undefined)
            {
                _values[name] = value;
            }
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string RequiredString(string name, int maxLength) =>
        OptionalString(name, maxLength) ?? throw new ToolError($"\"{name}\" is required.");

    public string? OptionalString(string name, int maxLength)
    {
        if (!_values.TryGetValue(name, out JsonElement value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ToolError($"\"{name}\" must be a string, not {Describe(value)}.");
        }

        string text = Text(value, $"\"{name}\"");
        if (text.Length > maxLength)
        {
            throw new ToolError(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {text.Length} characters long; at most {maxLength} are allowed."));
        }

        return text;
    }

    public int? OptionalInteger(string name, int min, int max)
    {
        if (!_values.TryGetValue(name, out JsonElement value))
        {
            return null;
        }

        return Integer(name, value, min, max);
    }

    public JsonElement? OptionalElement(string name) => _values.TryGetValue(name, out JsonElement value) ? value : null;

    /// <summary>
    /// An integer within bounds: a JSON number without a fraction, never a string or a boolean. A value out of bounds is refused
    /// naming them, followed by <paramref name="why"/> when given (such as <c>"; at most 3660 days are allowed"</c>).
    /// </summary>
    public static int Integer(string name, JsonElement value, int min, int max, string why = "")
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new ToolError($"\"{name}\" must be an integer, not {Describe(value)}.");
        }

        if (!value.TryGetInt64(out long number))
        {
            throw new ToolError(value.TryGetDouble(out double real) && Math.Abs(real) < 1e15
                ? $"\"{name}\" must be a whole number, not {value.GetRawText()}."
                : string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {Texts.Clip(value.GetRawText())}; it must be from {min} to {max}{why}."));
        }

        if (number < min || number > max)
        {
            throw new ToolError(string.Create(CultureInfo.InvariantCulture, $"\"{name}\" is {number}; it must be from {min} to {max}{why}."));
        }

        return (int)number;
    }

    /// <summary>A JSON string's text; a string that is not valid UTF-16 (a lone surrogate escaped as <c>\ud800</c>) is refused, naming <paramref name="what"/>.</summary>
    public static string Text(JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new ToolError($"{what} is not valid Unicode text: it holds a lone surrogate (an escape such as \\ud800 without its pair).");
        }
    }

    /// <summary>A JSON property's name; a name that is not valid UTF-16 is refused, naming <paramref name="what"/>.</summary>
    public static string Name(JsonProperty property, string what)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            throw new ToolError($"A name in {what} is not valid Unicode text: it holds a lone surrogate (an escape such as \\ud800 without its pair).");
        }
    }

    /// <summary>Names a JSON value's type for a message: "a number", "an object".</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };
}
