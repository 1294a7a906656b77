using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>
    /// Records a run that was stopped before its start (<see cref="RunHandle.TryStart"/> lost to Cancel, the heartbeat or Stop)
    /// without entering its job's code: cancelled if its job was cancelled, else skipped (a lost run is not written at all).
    /// </summary>
    /// <remarks>
    /// As a run found cancelled while it waited for a worker: no started event, no run metric, one history row. A RunNow caller
    /// gets the same <see cref="InvalidOperationException"/> as one whose job was cancelled before its claim.
    /// </remarks>
    private async ValueTask<RunResult> NotStartedAsync(RunHandle handle, DateTimeOffset now)
    {
        ClaimedRun run = handle.Run;
        bool cancelled = handle.JobCancelled;
        await RecordAsync(handle, new RunCompletion { Run = run, Outcome = cancelled ? RunOutcome.Cancelled : RunOutcome.Skipped, StartedAt = now, FinishedAt = now })
            .ConfigureAwait(false);
        return new RunResult(null, !run.IsManual ? null
            : cancelled ? StoreErrors.ClaimCancelled(run.JobId, run.JobName)
            : new InvalidOperationException($"Job '{run.JobId}' ({run.JobName}) did not run: this node lost its claim before the run started."));
    }
}
