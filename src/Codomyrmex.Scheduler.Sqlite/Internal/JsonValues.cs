using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// Job arguments and results as the JSON text the store keeps, written by the library's own rules
/// (<see cref="JobArguments"/>, <see cref="RunRecords"/>) and read back as <see cref="JsonNode"/> values.
/// </summary>
internal static class JsonValues
{
    private const string EmptyArray = "[]";
    private const string EmptyObject = "{}";

    public static string FromArgs(IReadOnlyList<object?> args) => args.Count == 0 ? EmptyArray : JobArguments.ToJson(args).ToJsonString();

    public static string FromKwargs(IReadOnlyDictionary<string, object?> kwargs) =>
        kwargs.Count == 0 ? EmptyObject : JobArguments.ToJson(kwargs).ToJsonString();

    /// <summary>The whole value as JSON (a value that is not JSON is kept as its text); the history keeps a bounded copy.</summary>
    public static string? FromResult(object? value) => RunRecords.FormatResult(value, int.MaxValue);

    public static IReadOnlyList<object?> ToArgs(string json) => json == EmptyArray ? [] : JobArguments.FromJson(JsonNode.Parse(json)!.AsArray());

    public static IReadOnlyDictionary<string, object?> ToKwargs(string json) =>
        json == EmptyObject ? JobArguments.NoKwargs : JobArguments.FromJson(JsonNode.Parse(json)!.AsObject());

    public static object? ToResult(string? json) => json is null ? null : JsonNode.Parse(json);
}
