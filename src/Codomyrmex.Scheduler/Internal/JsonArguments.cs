using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A task job's JSON arguments, copied so that the caller's nodes can change without changing the job.</summary>
internal static class JsonArguments
{
    public static IReadOnlyList<object?> Positional(JsonArray? args) =>
        args is null || args.Count == 0 ? [] : Elements((JsonArray)args.DeepClone());

    public static IReadOnlyDictionary<string, object?> Keyword(JsonObject? kwargs) =>
        kwargs is null || kwargs.Count == 0 ? Job.NoKwargs : Properties((JsonObject)kwargs.DeepClone());

    /// <summary>The elements of an array nobody else holds (a copy, or nodes just parsed), as a job's positional arguments.</summary>
    public static IReadOnlyList<object?> Elements(JsonArray array)
    {
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

    /// <summary>The properties of an object nobody else holds, as a job's keyword arguments.</summary>
    public static IReadOnlyDictionary<string, object?> Properties(JsonObject json)
    {
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

    /// <summary>A job's positional arguments as a JSON array (values that are not JSON are written as their text).</summary>
    public static JsonArray ToJson(IReadOnlyList<object?> args)
    {
        var array = new JsonArray();
        foreach (object? value in args)
        {
            array.Add(ToNode(value));
        }

        return array;
    }

    /// <summary>A job's keyword arguments as a JSON object (values that are not JSON are written as their text).</summary>
    public static JsonObject ToJson(IReadOnlyDictionary<string, object?> kwargs)
    {
        var json = new JsonObject();
        foreach ((string key, object? value) in kwargs)
        {
            json[key] = ToNode(value);
        }

        return json;
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
