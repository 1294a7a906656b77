using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A task job's JSON arguments, copied so that the caller's nodes can change without changing the job.</summary>
internal static class JsonArguments
{
    /// <summary>
    /// How deeply arrays and objects may nest in a job's arguments, counting the <c>args</c> array or <c>kwargs</c> object
    /// itself: the depth System.Text.Json reads by default, so that a durable store can always read back what it wrote.
    /// </summary>
    public const int MaxDepth = 64;

    /// <exception cref="ArgumentException">The arguments nest deeper than <see cref="MaxDepth"/>.</exception>
    public static IReadOnlyList<object?> Positional(JsonArray? args) =>
        args is null || args.Count == 0 ? [] : Elements((JsonArray)ThrowIfTooDeep(args, nameof(args), "The positional arguments").DeepClone());

    /// <exception cref="ArgumentException">The arguments nest deeper than <see cref="MaxDepth"/>.</exception>
    public static IReadOnlyDictionary<string, object?> Keyword(JsonObject? kwargs) =>
        kwargs is null || kwargs.Count == 0 ? Job.NoKwargs : Properties((JsonObject)ThrowIfTooDeep(kwargs, nameof(kwargs), "The keyword arguments").DeepClone());

    /// <summary>Why arguments cannot be kept, or <see langword="null"/> when they can: they nest deeper than <see cref="MaxDepth"/>.</summary>
    public static string? Problem(JsonNode? arguments, string what) =>
        arguments is not null && Depth(arguments) > MaxDepth
            ? $"{what} nest arrays and objects more than {MaxDepth} levels deep, deeper than a store can read back."
            : null;

    private static T ThrowIfTooDeep<T>(T arguments, string paramName, string what)
        where T : JsonNode =>
        Problem(arguments, what) is { } problem
            ? throw new ArgumentException(problem, paramName)
            : arguments;

    /// <summary>The nesting depth of a node (a scalar is 0, <c>[]</c> is 1), found without recursion, so any depth is safe to measure.</summary>
    private static int Depth(JsonNode root)
    {
        int deepest = 0;
        var pending = new Stack<(JsonNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            (JsonNode node, int depth) = pending.Pop();
            if (node is not (JsonArray or JsonObject))
            {
                continue;
            }

            deepest = Math.Max(deepest, depth);
            if (deepest > MaxDepth)
            {
                return deepest;
            }

            IEnumerable<JsonNode?> children = node is JsonArray array ? array : ((JsonObject)node).Select(pair => pair.Value);
            foreach (JsonNode? child in children)
            {
                if (child is not null)
                {
                    pending.Push((child, depth + 1));
                }
            }
        }

        return deepest;
    }

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
