using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// Job arguments and results as JSON text, written without reflection (the library is AOT-compatible): JSON nodes and
/// elements, strings, numbers, booleans, dates, guids, and lists and string-keyed dictionaries of those.
/// </summary>
internal static class JsonValues
{
    public const string EmptyArray = "[]";
    public const string EmptyObject = "{}";

    /// <summary>Writes positional arguments as a JSON array.</summary>
    /// <exception cref="ArgumentException">An argument is not a JSON value.</exception>
    public static string FromArgs(IReadOnlyList<object?> args)
    {
        if (args.Count == 0)
        {
            return EmptyArray;
        }

        return Write(args, static (writer, list) =>
        {
            writer.WriteStartArray();
            for (int i = 0; i < list.Count; i++)
            {
                if (!TryWrite(writer, list[i], depth: 0))
                {
                    throw new ArgumentException(
                        $"Argument {i} of the job is a {list[i]!.GetType().Name}, which a durable store cannot keep: pass JSON values " +
                        "(JsonNode, string, number, bool, or lists and dictionaries of them).");
                }
            }

            writer.WriteEndArray();
        });
    }

    /// <summary>Writes keyword arguments as a JSON object.</summary>
    /// <exception cref="ArgumentException">A value is not a JSON value.</exception>
    public static string FromKwargs(IReadOnlyDictionary<string, object?> kwargs)
    {
        if (kwargs.Count == 0)
        {
            return EmptyObject;
        }

        return Write(kwargs, static (writer, map) =>
        {
            if (TryWriteObject(writer, map, depth: 0) is { } bad)
            {
                throw new ArgumentException(
                    $"Keyword argument '{bad}' of the job is a {map[bad]!.GetType().Name}, which a durable store cannot keep: pass " +
                    "JSON values (JsonNode, string, number, bool, or lists and dictionaries of them).");
            }
        });
    }

    /// <summary>Writes a job's result as JSON; a value that is not JSON is kept as its text.</summary>
    public static string? FromResult(object? value)
    {
        if (value is null)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (TryWrite(writer, value, depth: 0))
            {
                writer.Flush();
                return Encoding.UTF8.GetString(buffer.WrittenSpan);
            }
        }

        return Write(value.ToString(), static (writer, text) => writer.WriteStringValue(text));
    }

    /// <summary>Shortens JSON text to at most <paramref name="maxLength"/> characters, marking the cut.</summary>
    public static string? Bound(string? text, int maxLength) =>
        text is null || text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, Math.Max(0, maxLength - 1)), "…");

    /// <summary>Reads positional arguments: JSON values (<see cref="JsonNode"/>, or null).</summary>
    public static IReadOnlyList<object?> ToArgs(string json)
    {
        if (json == EmptyArray)
        {
            return [];
        }

        var array = JsonNode.Parse(json)!.AsArray();
        var args = new object?[array.Count];
        for (int i = args.Length - 1; i >= 0; i--)
        {
            args[i] = array[i];
        }

        return args;
    }

    /// <summary>Reads keyword arguments: JSON values (<see cref="JsonNode"/>, or null) by name.</summary>
    public static IReadOnlyDictionary<string, object?> ToKwargs(string json)
    {
        if (json == EmptyObject)
        {
            return Job.NoKwargs;
        }

        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, JsonNode?> pair in JsonNode.Parse(json)!.AsObject())
        {
            map[pair.Key] = pair.Value;
        }

        return map;
    }

    /// <summary>Reads a stored result back: a <see cref="JsonNode"/>, or null.</summary>
    public static object? ToResult(string? json) => json is null ? null : JsonNode.Parse(json);

    private static string Write<T>(T value, Action<Utf8JsonWriter, T> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the pairs as a JSON object; returns the key of the first value that is not JSON, or null.</summary>
    private static string? TryWriteObject(Utf8JsonWriter writer, IEnumerable<KeyValuePair<string, object?>> pairs, int depth)
    {
        writer.WriteStartObject();
        foreach (KeyValuePair<string, object?> pair in pairs)
        {
            writer.WritePropertyName(pair.Key);
            if (!TryWrite(writer, pair.Value, depth))
            {
                return pair.Key;
            }
        }

        writer.WriteEndObject();
        return null;
    }

    private static bool TryWrite(Utf8JsonWriter writer, object? value, int depth)
    {
        if (depth > 64)
        {
            return false;
        }

        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return true;
            case JsonNode node:
                node.WriteTo(writer);
                return true;
            case JsonElement element:
                element.WriteTo(writer);
                return true;
            case JsonDocument document:
                document.WriteTo(writer);
                return true;
            case string s:
                writer.WriteStringValue(s);
                return true;
            case bool b:
                writer.WriteBooleanValue(b);
                return true;
            case int i:
                writer.WriteNumberValue(i);
                return true;
            case long l:
                writer.WriteNumberValue(l);
                return true;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                return true;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                return true;
            case decimal m:
                writer.WriteNumberValue(m);
                return true;
            case short or byte or sbyte or ushort:
                writer.WriteNumberValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                return true;
            case uint u:
                writer.WriteNumberValue(u);
                return true;
            case ulong ul:
                writer.WriteNumberValue(ul);
                return true;
            case char c:
                writer.WriteStringValue(c.ToString());
                return true;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto);
                return true;
            case DateTime dt:
                writer.WriteStringValue(dt);
                return true;
            case Guid g:
                writer.WriteStringValue(g);
                return true;
            case TimeSpan ts:
                writer.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                return true;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                return true;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return TryWriteObject(writer, pairs, depth + 1) is null;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    if (!TryWrite(writer, item, depth + 1))
                    {
                        return false;
                    }
                }

                writer.WriteEndArray();
                return true;
            default:
                return false;
        }
    }
}
