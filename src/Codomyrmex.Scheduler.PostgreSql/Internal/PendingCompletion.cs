using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>
/// A completion waiting in the store's queue to be written with the others in one transaction, and its caller's answer. The
/// text it writes was formatted by the caller before it queued, as the database can hold it.
/// </summary>
internal sealed class PendingCompletion(RunCompletion completion, string? resultJson, string? error, RunRecord record)
{
    private readonly TaskCompletionSource<RunCompletionResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunCompletion Completion { get; } = completion;

    /// <summary>The result (as JSON) kept in the job's row for a successful run (see <see cref="RowResult"/>).</summary>
    public string? ResultJson { get; } = resultJson;

    /// <summary>The run's error, kept in the job's row for a failed or interrupted run.</summary>
    public string? Error { get; } = error;

    /// <summary>The run's history record.</summary>
    public RunRecord Record { get; } = record;

    public Task<RunCompletionResult> Answer => _answer.Task;

    public void Answered(RunCompletionResult result) => _answer.TrySetResult(result);

    public void Failed(Exception exception) => _answer.TrySetException(exception);

    /// <summary>
    /// The result (as JSON) to keep in the job's row for a successful run: a result longer than the history's result limit
    /// is kept as a JSON string of its first characters and "…", as its run record cuts it, so that the row stays small and
    /// still reads back as JSON.
    /// </summary>
    public static string? RowResult(RunCompletion completion, int maxResultLength) =>
        completion.Outcome == RunOutcome.Succeeded ? Clip(RunRecords.FormatResult(completion.Result, int.MaxValue), maxResultLength) : null;

    private static string? Clip(string? json, int maxLength)
    {
        if (json is null || json.Length <= maxLength)
        {
            return json;
        }

        if (maxLength == 0)
        {
            return null;
        }

        int kept = maxLength - 1;
        if (kept > 0 && char.IsHighSurrogate(json[kept - 1]))
        {
            kept--;
        }

        return JsonValue.Create(string.Concat(json.AsSpan(0, kept), "…")).ToJsonString();
    }
}
