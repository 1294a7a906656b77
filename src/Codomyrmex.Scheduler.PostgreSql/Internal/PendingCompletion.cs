using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>A completion waiting in the store's queue to be written with the others in one transaction, and its caller's answer.</summary>
internal sealed class PendingCompletion(RunCompletion completion, int maxResultLength)
{
    private readonly TaskCompletionSource<RunCompletionResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunCompletion Completion { get; } = completion;

    /// <summary>
    /// The result (as JSON) kept in the job's row for a successful run, formatted by the caller before it queued: a result
    /// longer than the history's result limit is kept as a JSON string of its first characters and "…", as its run record
    /// cuts it, so that the row stays small and still reads back as JSON.
    /// </summary>
    public string? ResultJson { get; } = completion.Outcome == RunOutcome.Succeeded ? Clip(RunRecords.FormatResult(completion.Result, int.MaxValue), maxResultLength) : null;

    public Task<RunCompletionResult> Answer => _answer.Task;

    public void Answered(RunCompletionResult result) => _answer.TrySetResult(result);

    public void Failed(Exception exception) => _answer.TrySetException(exception);

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
