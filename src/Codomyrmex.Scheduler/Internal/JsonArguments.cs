using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A task job's JSON arguments, copied so that the caller's nodes can change without changing the job.</summary>
internal static class JsonArguments
{
    public static IReadOnlyList<object?> Positional(JsonArray? args)
    {
        if (args is null || args.Count == 0)
        {
            return [];
        }

        var copy = (JsonArray)args.DeepClone();
        var values = new object?[copy.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = copy[i];
        }

        return values;
    }

    public static IReadOnlyDictionary<string, object?> Keyword(JsonObject? kwargs)
    {
        if (kwargs is null || kwargs.Count == 0)
        {
            return Job.NoKwargs;
        }

        var values = new Dictionary<string, object?>(kwargs.Count, StringComparer.Ordinal);
        foreach ((string key, JsonNode? value) in (JsonObject)kwargs.DeepClone())
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
