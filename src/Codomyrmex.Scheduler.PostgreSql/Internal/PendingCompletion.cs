using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>A completion waiting in the store's queue to be written with the others in one transaction, and its caller's answer.</summary>
internal sealed class PendingCompletion(RunCompletion completion, int maxResultLength)
{
    private readonly TaskCompletionSource<RunCompletionResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RunCompletion Completion { get; } = completion;

    /// <summary>The result (as JSON) recorded for a successful run, formatted (and clipped to the history's result limit, as the run's record is) by the caller before it queued.</summary>
    public string? ResultJson { get; } = completion.Outcome == RunOutcome.Succeeded ? RunRecords.FormatResult(completion.Result, maxResultLength) : null;

    public Task<RunCompletionResult> Answer => _answer.Task;

    public void Answered(RunCompletionResult result) => _answer.TrySetResult(result);

    public void Failed(Exception exception) => _answer.TrySetException(exception);
}
