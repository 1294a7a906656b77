using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Sqlite.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>Claiming due runs, completing them, their leases and the recovery of lost runs.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Another live process dispatches from this file; the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        long nowTicks = now.UtcTicks;
        List<ClaimedRun>? runs = null;
        List<SkippedOccurrence>? skipped = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureDispatchLock();
            if (max <= 0)
            {
                return new(ClaimBatch.Empty);
            }

            using StoreTransaction transaction = BeginWrite();
            while ((runs?.Count ?? 0) < max)
            {
                JobRow? row = _jobs.FirstDue(nowTicks);
                if (row is null)
                {
                    break;
                }

                Trigger? trigger;
                try
                {
                    trigger = _jobs.TriggerOf(row);
                }
                catch (InvalidOperationException exception) when (exception.InnerException is FormatException)
                {
                    // One job whose stored trigger is damaged fails, saying why; it must not stop every other job.
                    row.State.Fail();
                    row.Error = $"{nameof(InvalidOperationException)}: {exception.Message}";
                    _jobs.WriteState(row);
                    continue;
                }

                ClaimDecision decision = row.State.Claim(trigger, row.Options, row.MaxRuns, nowTicks, out long scheduled, out int attempt,
                    out SkipReason reason, out bool recovery);
                _jobs.WriteState(row);
                if (decision == ClaimDecision.Run)
                {
                    (runs ??= []).Add(InsertClaim(row, scheduled, now, node, leaseUntil, manual: false, attempt, recovery));
                }
                else if (decision == ClaimDecision.Skip)
                {
                    (skipped ??= []).Add(new SkippedOccurrence(row.Id, row.Name, Utc(scheduled), reason));
                }
            }

            transaction.Commit();
        }

        return new(runs is null && skipped is null ? ClaimBatch.Empty : new ClaimBatch(runs ?? [], skipped ?? []));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Does not take the dispatch lock, so a manual run may be made while another process dispatches from the file. Unless this
    /// store holds the lock, the run is recovered only when its lease expires: keep it renewed with <see cref="RenewLeasesAsync"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The job is cancelled, or its <see cref="Job.MaxRuns"/> are used up.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            JobRow? row = _jobs.ById(id);
            if (row is null)
            {
                return new((ClaimedRun?)null);
            }

            if (row.State.Status == JobStatus.Cancelled)
            {
                throw new InvalidOperationException($"Job '{id}' ({row.Name}) is cancelled; a cancelled job never runs again.");
            }

            if (row.State.LimitReached(row.MaxRuns))
            {
                throw new InvalidOperationException($"Job '{id}' ({row.Name}) has made or started all of its {row.MaxRuns} runs (MaxRuns).");
            }

            row.State.ClaimNow(now.UtcTicks, row.MaxRuns);
            _jobs.WriteState(row);
            ClaimedRun run = InsertClaim(row, now.UtcTicks, now, node, leaseUntil, manual: true);
            transaction.Commit();
            return new(run);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        cancellationToken.ThrowIfCancellationRequested();
        ClaimedRun run = completion.Run;
        string? result = completion.Outcome == RunOutcome.Succeeded ? JsonValues.FromResult(completion.Result) : null;
        RunRecord record = RunRecords.FromCompletion(completion, _history.Options);
        Job job;
        bool dueEarlier;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            if (_claims.JobOf(run.RunId) is not { } seq)
            {
                return new((Job?)null);
            }

            _claims.Delete(run.RunId);
            JobRow row = _jobs.BySeq(seq)!;
            long dueBefore = DueKey(row.State);
            row.State.Complete(completion.Outcome, completion.StartedAt.UtcTicks, completion.FinishedAt.UtcTicks,
                run.ScheduledTime.UtcTicks, run.Attempt, completion.RetryAt?.UtcTicks ?? 0);
            if (completion.Outcome == RunOutcome.Succeeded)
            {
                row.Result = result;
                row.Error = null;
            }
            else if (completion.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
            {
                row.Error = completion.Error;
            }

            _jobs.WriteState(row);
            _history.Insert(record);
            transaction.Commit();
            dueEarlier = DueKey(row.State) < dueBefore;

            // The caller gets back the value itself; a later read gets its JSON.
            job = _jobs.ToJob(row, completion.Outcome == RunOutcome.Succeeded ? completion.Result : null,
                keepStoredResult: completion.Outcome != RunOutcome.Succeeded);
        }

        if (dueEarlier)
        {
            RaiseChanged();
        }

        return new(job);
    }

    /// <inheritdoc/>
    /// <remarks>Does not take the dispatch lock: it extends only the leases of <paramref name="node"/>, whichever process holds the lock.</remarks>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfReadOnly();
            return new(_claims.Renew(node, leaseUntil.UtcTicks));
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Runs claimed by an earlier holder of the file's dispatch lock are recovered too, whatever their lease: that process has ended.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Another live process dispatches from this file; the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long nowTicks = now.UtcTicks;
        List<ClaimedRun>? lost = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureDispatchLock();
            using StoreTransaction transaction = BeginWrite();
            foreach (ClaimRow claim in _claims.Expired(nowTicks, _epoch))
            {
                _claims.Delete(claim.RunId);
                JobRow row = _jobs.BySeq(claim.JobSeq)!;
                var run = new ClaimedRun(claim.RunId, _jobs.ToJob(row), Utc(claim.Scheduled), Utc(claim.ClaimedAt), claim.Node, Utc(claim.LeaseUntil),
                    claim.IsManual, claim.Attempt, claim.IsRecovery);
                row.State.Interrupt(claim.ClaimedAt, nowTicks, claim.Scheduled, claim.Attempt, row.Options.Recoverable);
                row.Error = claim.Epoch != _epoch
                    ? $"{nameof(RunOutcome.Interrupted)}: the process that ran it on node '{claim.Node}' ended before the run completed."
                    : RunRecords.LeaseExpired(run);
                _jobs.WriteState(row);
                _history.Insert(RunRecords.Interrupted(run, now, row.Error));
                (lost ??= []).Add(run);
            }

            transaction.Commit();
        }

        if (lost is not null)
        {
            RaiseChanged();
        }

        return new(lost is null ? [] : lost);
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new(_jobs.NextDue() is { } due ? Utc(due) : null);
        }
    }

    private static long DueKey(in JobState state) => state.DueAt is 0 ? long.MaxValue : state.DueAt;

    private ClaimedRun InsertClaim(JobRow row, long scheduled, DateTimeOffset now, string node, DateTimeOffset leaseUntil, bool manual, int attempt = 1,
        bool recovery = false)
    {
        var run = new ClaimedRun(JobIds.Format(JobIds.NewKey()), _jobs.ToJob(row), Utc(scheduled), now, node, leaseUntil, manual, attempt, recovery);
        _claims.Insert(new ClaimRow(run.RunId, row.Seq, scheduled, now.UtcTicks, node, leaseUntil.UtcTicks, attempt, manual, recovery, _epoch));
        return run;
    }
}
