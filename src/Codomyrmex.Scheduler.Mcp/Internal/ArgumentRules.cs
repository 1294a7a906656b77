using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>
/// What a caller's <c>args</c> and <c>kwargs</c> may hold beyond their shape: no argument that a program would read as an
/// option unless the task allows it, and no string with a control or bidirectional-override character.
/// </summary>
/// <remarks>
/// <para>
/// Options: a task's arguments usually end up in a program's argv, where <c>--delete-all</c> or <c>-rf</c> is an option, not
/// data. An argument whose text starts with <c>-</c> (a string, or a negative number, which reaches the argv as <c>-5</c>) is
/// refused unless the task sets <see cref="SchedulerMcpTask.ArgsMayBeOptions"/>. Keyword values are not checked for it: they
/// become environment variables or named values, which no program parses as options.
/// </para>
/// <para>
/// Characters: a NUL ends an argv element or environment value early; other control characters (C0, DEL, C1: line breaks,
/// escape sequences), the line and paragraph separators (U+2028, U+2029) and the bidirectional overrides (U+202A-U+202E,
/// U+2066-U+2069) let a value rewrite what a log, a
/// terminal or the dashboard shows about it. Strings of an agent's call may hold none of them, at any depth; a jobs file's
/// own jobs, written by the file's author, are not bound by this.
/// </para>
/// </remarks>
internal static class ArgumentRules
{
    /// <summary>The first problem with a call's arguments, as the error the caller sees; <see langword="null"/> when there is none.</summary>
    public static string? Problem(SchedulerMcpTask task, JsonElement? args, JsonElement? kwargs)
    {
        if (args is { ValueKind: JsonValueKind.Array } list)
        {
            int index = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                // The JSON array's own numbering, said as an index: "Argument 1" reads as the first argument to some readers and as
                // the second to others.
                string where = string.Create(CultureInfo.InvariantCulture, $"The argument at index {index} of \"args\"");
                if (!task.ArgsMayBeOptions && LooksLikeOption(item, where) is { } text)
                {
                    return $"{where} (\"{Texts.Clip(text)}\") starts with '-'; task '{task.Name}' does not take arguments that look like " +
                        "options (its args_may_be_options is false), since its program could read one as an option.";
                }

                if (Unsafe(item, where) is { } character)
                {
                    return $"{where} holds {character}; arguments may not hold control or bidirectional-override characters.";
                }

                index++;
            }
        }

        if (kwargs is { ValueKind: JsonValueKind.Object } named)
        {
            foreach (JsonProperty property in named.EnumerateObject())
            {
                string where = $"The keyword argument \"{Texts.Clip(ToolArguments.Name(property, "\"kwargs\""))}\"";
                if (Unsafe(property.Value, where) is { } character)
                {
                    return $"{where} holds {character}; keyword values may not hold control or " +
                        "bidirectional-override characters.";
                }
            }
        }

        return null;
    }

    /// <summary>The text of a string or number that starts with <c>-</c>, as a program's argv would hold it.</summary>
    private static string? LooksLikeOption(JsonElement item, string where) => item.ValueKind switch
    {
        JsonValueKind.String when ToolArguments.Text(item, where) is { } text && text.StartsWith('-') => text,
        JsonValueKind.Number when item.GetRawText() is { } number && number.StartsWith('-') => number,
        _ => null,
    };

    /// <summary>The first forbidden character in any string of a value (nested strings and names included), described; else null.</summary>
    /// <exception cref="ToolError">A string is not valid UTF-16; the message names <paramref name="where"/>.</exception>
    private static string? Unsafe(JsonElement value, string where) => value.ValueKind switch
    {
        JsonValueKind.String => Unsafe(ToolArguments.Text(value, where)),
        JsonValueKind.Array => value.EnumerateArray().Select(item => Unsafe(item, where)).FirstOrDefault(problem => problem is not null),
        JsonValueKind.Object => value.EnumerateObject()
            .Select(property => Unsafe(ToolArguments.Name(property, where)) ?? Unsafe(property.Value, where)).FirstOrDefault(problem => problem is not null),
        _ => null,
    };

    private static string? Unsafe(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return string.Create(CultureInfo.InvariantCulture, $"a control character (U+{(int)c:X4}{(c == '\0' ? ", NUL" : "")})");
            }

            if (c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"a bidirectional-override character (U+{(int)c:X4})");
            }

            if (c is '\u2028' or '\u2029')
            {
                // Not control characters to .NET, but line breaks to logs, terminals and browsers.
                return string.Create(CultureInfo.InvariantCulture, $"a line or paragraph separator (U+{(int)c:X4})");
            }
        }

        return null;
    }
}
