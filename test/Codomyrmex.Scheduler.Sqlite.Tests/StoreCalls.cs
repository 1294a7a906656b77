using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>The store calls these tests make most, in one line each: a node by name, a claim, a manual run, a completion.</summary>
internal static class StoreCalls
{
    /// <summary>A node of this name, with an instance id of its own (name + "/1").</summary>
    public static NodeIdentity Node(string name) => new() { InstanceId = name + "/1", Name = name, Host = "test-host", ProcessId = 42 };

    public static ValueTask<ClaimBatch> ClaimDueAsync(this IJobStore store, int max, string node, TimeSpan lease, CancellationToken cancellationToken) =>
        store.ClaimDueAsync(new ClaimRequest { Node = Node(node), MaxRuns = max, LeaseDuration = lease }, cancellationToken);

    public static ValueTask<ClaimedRun?> ClaimNowAsync(this IJobStore store, string jobId, string node, TimeSpan lease, CancellationToken cancellationToken) =>
        store.ClaimNowAsync(jobId, new ClaimRequest { Node = Node(node), LeaseDuration = lease }, cancellationToken);

    /// <summary>Completes the run; returns the job if the completion was recorded, <see langword="null"/> otherwise.</summary>
    public static async ValueTask<Job?> CompleteAsync(this IJobStore store, ClaimedRun run, RunOutcome outcome, DateTimeOffset startedAt,
        DateTimeOffset finishedAt, object? result, CancellationToken cancellationToken)
    {
        RunCompletionResult completed = await store.CompleteRunAsync(
            new RunCompletion { Run = run, Outcome = outcome, StartedAt = startedAt, FinishedAt = finishedAt, Result = result }, cancellationToken);
        return completed.Status == RunCompletionStatus.Recorded ? completed.Job : null;
    }
}
