using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// Records a run's outcome and claims the next due runs for a node under one acquisition of the store's lock: what a
    /// scheduler's worker does when it finishes a run while its queue runs low, instead of a completion and a claim of their own.
    /// </summary>
    /// <param name="claimed">The run whose outcome this is.</param>
    /// <param name="outcome">How it ended.</param>
    /// <param name="startedAt">When its code was entered.</param>
    /// <param name="finishedAt">When its code returned.</param>
    /// <param name="result">What it returned.</param>
    /// <param name="error">Its error, if it failed.</param>
    /// <param name="retryAt">When it runs again (a retry or a recovery), if it does.</param>
    /// <param name="retryAfter">The retry's delay, counted from the store's clock now.</param>
    /// <param name="next">The claim, as <see cref="ClaimDueAsync"/> takes it.</param>
    /// <param name="batch">What the claim took, as <see cref="ClaimDueAsync"/> gives it.</param>
    /// <param name="claimError">What a trigger threw while the claim asked it for its next occurrence (the runs claimed before are in the batch), or <see langword="null"/>.</param>
    /// <returns>As <see cref="CompleteRun"/>: the claim is made whatever the completion's status.</returns>
    internal RunCompletionStatus CompleteAndClaim(ClaimedRun claimed, RunOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt,
        object? result, string? error, DateTimeOffset? retryAt, TimeSpan? retryAfter, ClaimRequest next, out ClaimBatch batch, out Exception? claimError)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(next);
        RunCompletionStatus status;
        Entry? completed;
        bool dueEarlier;
        List<ClaimedRun>? runs = null;
        List<SkippedOccurrence>? skipped = null;
        DateTimeOffset now;
        long nextDue;
        claimError = null;
        lock (_lock)
        {
            status = CompleteLocked(claimed, outcome, startedAt, finishedAt, result, error, retryAt, retryAfter, out completed, out dueEarlier);
            now = _time.GetUtcNow();
            try
            {
                nextDue = ClaimLocked(next, now, ref runs, ref skipped);
            }
#pragma warning disable CA1031 // The completion is recorded: what the claim met is the claimer's to report, as a failed claim is.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                claimError = exception;
                nextDue = _heapCount == 0 ? 0 : _heap[0].DueKey;
            }
        }

        if (dueEarlier)
        {
            Raise(JobStoreChangeKind.Completed, completed!);
        }

        batch = new ClaimBatch
        {
            Runs = runs ?? NoRuns,
            Skipped = skipped ?? NoSkips,
            Now = now,
            NextDueAt = nextDue == 0 ? null : Utc(nextDue),
        };
        return status;
    }

    /// <summary>Claims due runs for <paramref name="request"/>'s node, under the store's lock: the body of <see cref="ClaimDueAsync"/>.</summary>
    /// <returns>The earliest due time left (UTC ticks), or 0 if nothing is due ever.</returns>
    private long ClaimLocked(ClaimRequest request, DateTimeOffset now, ref List<ClaimedRun>? runs, ref List<SkippedOccurrence>? skipped)
    {
        long nowTicks = now.UtcTicks;
        DateTimeOffset leaseUntil = LongTime.Add(now, request.LeaseDuration);
        while ((runs?.Count ?? 0) < request.MaxRuns && _heapCount > 0 && _heap[0].DueKey <= nowTicks)
        {
            Entry entry = _heap[0];
            JobStatus before = entry.Status;
            JobState state = entry.ReadState();
            ClaimResult claim = state.ClaimTicks(entry.Trigger, entry.Options, entry.MaxRuns, nowTicks);
            entry.WriteState(state);
            Reschedule(entry, before);
            if (claim.Decision == ClaimDecision.Run)
            {
                (runs ??= new(Math.Min(request.MaxRuns, _heapCount + 1))).Add(StartRun(entry, claim.ScheduledTime, now, request.Node, leaseUntil, manual: false, claim.Attempt, claim.IsRecovery));
            }
            else if (claim.Decision == ClaimDecision.Skip)
            {
                (skipped ??= []).Add(new SkippedOccurrence
                {
                    JobId = entry.Id,
                    JobName = entry.Name,
                    ScheduledTime = claim.ScheduledTime,
                    Reason = claim.SkipReason.GetValueOrDefault(),
                });
            }
        }

        return _heapCount == 0 ? 0 : _heap[0].DueKey;
    }
}
