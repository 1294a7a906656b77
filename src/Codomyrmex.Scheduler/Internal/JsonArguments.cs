using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Internal;

/// <summary>A task job's JSON arguments, copied so that the caller's nodes can change without changing the job.</summary>
internal static class JsonArguments
{
    /// <summary>How deeply arrays and objects may nest in a job's arguments (see <see cref="JobArguments.MaxDepth"/>).</summary>
    public const int MaxDepth = JobArguments.MaxDepth;

    /// <exception cref="ArgumentException">The arguments nest deeper than <see cref="MaxDepth"/>.</exception>
    public static IReadOnlyList<object?> Positional(JsonArray? args) =>
        args is null || args.Count == 0 ? [] : JobArguments.FromJson((JsonArray)ThrowIfTooDeep(args, nameof(args), "The positional arguments").DeepClone());

    /// <exception cref="ArgumentException">The arguments nest deeper than <see cref="MaxDepth"/>.</exception>
    public static IReadOnlyDictionary<string, object?> Keyword(JsonObject? kwargs) =>
        kwargs is null || kwargs.Count == 0 ? Job.NoKwargs : JobArguments.FromJson((JsonObject)ThrowIfTooDeep(kwargs, nameof(kwargs), "The keyword arguments").DeepClone());

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
}
