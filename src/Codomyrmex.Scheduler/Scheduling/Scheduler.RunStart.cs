using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>
    /// Records a run that was stopped before its start (<see cref="RunHandle.TryStart"/> lost to Cancel, the heartbeat or Stop)
    /// without entering its job's code: cancelled if its job was cancelled; given back to the store if the shutdown stopped it
    /// (<see cref="GiveBackAsync"/>); a lost run is not written at all.
    /// </summary>
    /// <remarks>
    /// As a run found cancelled while it waited for a worker: no started event, no run metric, at most one history row. A RunNow
    /// caller gets the same <see cref="InvalidOperationException"/> as one whose job was cancelled before its claim.
    /// </remarks>
    private async ValueTask<RunResult> NotStartedAsync(RunHandle handle, DateTimeOffset now)
    {
        ClaimedRun run = handle.Run;
        bool cancelled = handle.JobCancelled;
        if (!cancelled && !handle.Lost && !run.IsManual && handle.ShutDown)
        {
            await GiveBackAsync([handle], now, CancellationToken.None).ConfigureAwait(false);
            return new RunResult(null, null);
        }

        await RecordAsync(handle, new RunCompletion { Run = run, Outcome = cancelled ? RunOutcome.Cancelled : RunOutcome.Skipped, StartedAt = now, FinishedAt = now })
            .ConfigureAwait(false);
        return new RunResult(null, !run.IsManual ? null
            : cancelled ? StoreErrors.ClaimCancelled(run.JobId, run.JobName)
            : new InvalidOperationException($"Job '{run.JobId}' ({run.JobName}) did not run: this node lost its claim before the run started."));
    }

    /// <summary>
    /// Settles scheduled runs that the shutdown kept from starting: those of a cancelled job are recorded as cancelled, lost ones
    /// are not written, and the others are given back to the store in one call (<see cref="IJobStore.ReleaseRunsAsync"/>), so that
    /// their occurrences are due again as if never claimed: a run that never started did not fire. Never throws.
    /// </summary>
    /// <remarks>
    /// A run the store keeps (<see cref="RunReleaseStatus.Kept"/>: its job cannot take the occurrence back safely) is recorded as
    /// skipped instead. A give-back that fails (the store cannot be reached) is logged, and the runs are let go: no heartbeat
    /// renews them, so their leases lapse and the store recovers them as interrupted (a recoverable job runs them again).
    /// So does a give-back that <paramref name="shutdown"/> ends first (the shutdown wait is over, or the caller of Stop gave up):
    /// Stop does not wait for the store longer than for its jobs. No event and no run metric for a run given back; the runs given
    /// back are logged once per stop (see <see cref="CountGivenBack"/>).
    /// </remarks>
    private async Task GiveBackAsync(IReadOnlyList<RunHandle> handles, DateTimeOffset now, CancellationToken shutdown)
    {
        List<RunHandle>? release = null;
        List<(RunHandle Handle, RunOutcome Outcome)>? record = null;
        foreach (RunHandle handle in handles)
        {
            if (handle.JobCancelled || handle.Lost)
            {
                // A lost run is written nowhere (RecordAsync knows); a cancelled job's run records Cancelled, as it always has.
                (record ??= []).Add((handle, handle.JobCancelled ? RunOutcome.Cancelled : RunOutcome.Skipped));
            }
            else
            {
                (release ??= []).Add(handle);
            }
        }

        if (release is not null)
        {
            IReadOnlyList<RunReleaseStatus>? statuses = null;
            try
            {
                // WaitAsync as well: a store call stuck in a driver may not heed its token.
                IReadOnlyList<RunReleaseStatus> answer = await _store.ReleaseRunsAsync(release.ConvertAll(h => h.Run), shutdown).AsTask()
                    .WaitAsync(shutdown).ConfigureAwait(false);

                // A store that breaks the contract: which runs it took back is unknown, so none is trusted (as a failed call).
                statuses = answer.Count == release.Count ? answer
                    : throw new InvalidOperationException($"The store answered {answer.Count} statuses for {release.Count} runs given back.");
            }
#pragma warning disable CA1031 // Stop must not fail, nor wait, because the store is out of reach: the leases lapse instead.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.GiveBackFailed(_logger, release.Count, exception);
            }

            int given = 0;
            for (int i = 0; i < release.Count; i++)
            {
                RunReleaseStatus status = statuses?[i] ?? RunReleaseStatus.Fenced;
                if (status == RunReleaseStatus.Kept)
                {
                    (record ??= []).Add((release[i], RunOutcome.Skipped));
                    continue;
                }

                given += status == RunReleaseStatus.Released ? 1 : 0;
                SettleUnrecorded(release[i]);
            }

            if (given > 0 && !CountGivenBack(given))
            {
                Log.RunsGivenBack(_logger, given);
            }
        }

        foreach ((RunHandle handle, RunOutcome outcome) in record ?? [])
        {
            try
            {
                await RecordAsync(handle, new RunCompletion { Run = handle.Run, Outcome = outcome, StartedAt = now, FinishedAt = now }).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // It left the active set all the same; the store recovers it once its lease lapses.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.RunNotRecorded(_logger, handle.Run.JobName, handle.Run.JobId, exception);
            }
            finally
            {
                handle.Dispose();
            }
        }
    }

    /// <summary>
    /// The runs given back during the stop in progress, which logs them once as it ends (workers give back one run each, so one
    /// line per call would be a line per worker); -1 while no stop counts them.
    /// </summary>
    private int _givenBack = -1;

    /// <summary>Begins counting the runs a stop gives back (<see cref="CountGivenBack"/>).</summary>
    private void BeginGiveBackCount() => Volatile.Write(ref _givenBack, 0);

    /// <summary>Ends the count <see cref="BeginGiveBackCount"/> began and logs its total, if any run was given back.</summary>
    private void EndGiveBackCount()
    {
        int given = Interlocked.Exchange(ref _givenBack, -1);
        if (given > 0)
        {
            Log.RunsGivenBack(_logger, given);
        }
    }

    /// <summary>
    /// Adds <paramref name="runs"/> to the stop's count; <see langword="false"/> if no stop counts them any more (a worker's give-back
    /// that outlasted the stop), so that the caller logs them itself.
    /// </summary>
    private bool CountGivenBack(int runs)
    {
        int seen = Volatile.Read(ref _givenBack);
        while (seen >= 0)
        {
            int was = Interlocked.CompareExchange(ref _givenBack, seen + runs, seen);
            if (was == seen)
            {
                return true;
            }

            seen = was;
        }

        return false;
    }

    /// <summary>Lets go of a run that leaves without a record here, as <see cref="RecordAsync(RunHandle, RunEnd, string?, TimeSpan)"/> does after its write.</summary>
    private void SettleUnrecorded(RunHandle handle)
    {
        _activeRuns.Remove(handle);
        if (handle.Settled())
        {
            Interlocked.Decrement(ref _startingRuns);
        }

        handle.Dispose();
        SignalChange(wakeDispatcher: false);
    }
}
