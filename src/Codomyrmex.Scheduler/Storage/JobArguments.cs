using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Converts a job's arguments to and from JSON, as every durable store keeps them.</summary>
/// <remarks>
/// A task job's arguments are JSON values already (<see cref="JsonNode"/>); values of another type are written as JSON when
/// they are primitives and as the JSON string of their text otherwise. Read back, arguments are <see cref="JsonNode"/>
/// values (or <see langword="null"/>).
/// </remarks>
public static class JobArguments
{
    /// <summary>Gets how deeply arrays and objects may nest in a job's arguments, counting the <c>args</c> array or <c>kwargs</c> object itself.</summary>
    /// <value>64: the depth System.Text.Json reads by default, so that a store can always read back what it wrote.</value>
    public const int MaxDepth = 64;

    /// <summary>Gets keyword arguments with nothing in them, shared by every job that has none.</summary>
    public static IReadOnlyDictionary<string, object?> NoKwargs => Job.NoKwargs;

    /// <summary>Writes a job's positional arguments as a JSON array.</summary>
    /// <param name="args">The arguments (<see cref="Job.Args"/>).</param>
    /// <returns>A new array the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="args"/> is null.</exception>
    public static JsonArray ToJson(IReadOnlyList<object?> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var array = new JsonArray();
        foreach (object? value in args)
        {
            array.Add(ToNode(value));
        }

        return array;
    }

    /// <summary>Writes a job's keyword arguments as a JSON object.</summary>
    /// <param name="kwargs">The arguments (<see cref="Job.Kwargs"/>).</param>
    /// <returns>A new object the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="kwargs"/> is null.</exception>
    public static JsonObject ToJson(IReadOnlyDictionary<string, object?> kwargs)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        var json = new JsonObject();
        foreach ((string key, object? value) in kwargs)
        {
            json[key] = ToNode(value);
        }

        return json;
    }

    /// <summary>Reads positional arguments from an array nobody else holds (a copy, or nodes just parsed); the array keeps them.</summary>
    /// <param name="array">The array.</param>
    /// <returns>The arguments for <see cref="Job.Args"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="array"/> is null.</exception>
    public static IReadOnlyList<object?> FromJson(JsonArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Count == 0)
        {
            return [];
        }

        var values = new object?[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = array[i];
        }

        return values;
    }

    /// <summary>Reads keyword arguments from an object nobody else holds (a copy, or nodes just parsed); the object keeps them.</summary>
    /// <param name="json">The object.</param>
    /// <returns>The arguments for <see cref="Job.Kwargs"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    public static IReadOnlyDictionary<string, object?> FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Count == 0)
        {
            return Job.NoKwargs;
        }

        var values = new Dictionary<string, object?>(json.Count, StringComparer.Ordinal);
        foreach ((string key, JsonNode? value) in json)
        {
            values[key] = value;
        }

        return values;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        int number => JsonValue.Create(number),
        long number => JsonValue.Create(number),
        double number => JsonValue.Create(number),
        decimal number => JsonValue.Create(number),
        _ => JsonNode.Parse(RunRecords.FormatResult(value, int.MaxValue)!),
    };
}
