using Codomyrmex.Scheduler.Sqlite.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Claiming due runs, completing them, and the recovery of lost runs.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Joins or takes the file's dispatch lock first (see the class remarks): a store of another live process that dispatches
    /// from the file is refused. The fencing counter is read once and written once per batch, in the claim's transaction.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ClaimRequest.MaxRuns"/> is less than 1.</exception>
    /// <exception cref="InvalidOperationException">
    /// Another live process dispatches from this file (the message names it), or the store was opened read-only. Also thrown when the
    /// file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxRuns, 1, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        JoinDispatchLock();
        return WriteAsync(() =>
        {
            List<ClaimedRun>? runs = null;
            List<SkippedOccurrence>? skipped = null;
            (DateTimeOffset now, DateTimeOffset leaseUntil) = NowPlus(request.LeaseDuration);
            long nowTicks = now.UtcTicks;
            long token = 0;
            while ((runs?.Count ?? 0) < request.MaxRuns)
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

                ClaimResult claim = row.State.Claim(trigger, row.Options, row.MaxRuns, now);
                _jobs.WriteState(row);
                if (claim.Decision == ClaimDecision.Run)
                {
                    token = token == 0 ? _claims.LastToken() + 1 : token + 1;
                    (runs ??= []).Add(InsertClaim(row, claim.ScheduledTime, now, request.Node, leaseUntil, token, manual: false, claim.Attempt, claim.IsRecovery));
                }
                else if (claim.Decision == ClaimDecision.Skip)
                {
                    (skipped ??= []).Add(new SkippedOccurrence
                    {
                        JobId = row.Id,
                        JobName = row.Name,
                        ScheduledTime = claim.ScheduledTime,
                        Reason = claim.SkipReason.GetValueOrDefault(),
                    });
                }
            }

            if (token != 0)
            {
                _claims.WriteLastToken(token);
            }

            long? next = _jobs.NextDue();
            return new ClaimBatch { Runs = runs ?? [], Skipped = skipped ?? [], Now = now, NextDueAt = next is { } due ? Utc(due) : null };
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Does not take the dispatch lock, so a manual run may be made while another process dispatches from the file. Unless this
    /// store's process holds the lock, the run is recovered only when its lease expires: keep it renewed with <see cref="RenewAsync"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The job is cancelled, its <see cref="Job.MaxRuns"/> are used up, it is a finished declared job whose source and name a newer
    /// live job has, or the store was opened read-only. Also thrown when the file is damaged: the message names it, and the
    /// operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        cancellationToken.ThrowIfCancellationRequested();
        return WriteAsync(() =>
        {
            JobRow? row = _jobs.ById(jobId);
            if (row is null)
            {
                return (ClaimedRun?)null;
            }

            if (row.State.Status == JobStatus.Cancelled)
            {
                throw StoreErrors.ClaimCancelled(jobId, row.Name);
            }

            if (row.State.LimitReached(row.MaxRuns))
            {
                throw StoreErrors.ClaimLimitReached(jobId, row.Name, row.MaxRuns);
            }

            if (row.State.IsFinished && row.Source is { } source && _jobs.LiveDeclared(source, row.Name) is { } live)
            {
                throw StoreErrors.ClaimNameTaken(jobId, row.Name, live.Id);
            }

            (DateTimeOffset now, DateTimeOffset leaseUntil) = NowPlus(request.LeaseDuration);
            row.State.ClaimNow(now, row.MaxRuns);
            _jobs.WriteState(row);
            long token = _claims.LastToken() + 1;
            ClaimedRun run = InsertClaim(row, now, now, request.Node, leaseUntil, token, manual: true);
            _claims.WriteLastToken(token);
            return run;
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The job's <see cref="Job.FinishedAt"/>, if the run finished it, is the store's time of the completion, and a
    /// <see cref="RunCompletion.RetryAfter"/> counts from that time too.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        cancellationToken.ThrowIfCancellationRequested();
        ClaimedRun run = completion.Run;
        string? result = completion.Outcome == RunOutcome.Succeeded ? JsonValues.FromResult(completion.Result) : null;
        RunRecord record = RunRecords.FromCompletion(completion, _history.Options);
        (RunCompletionResult outcome, JobStoreChange? change) = await WriteAsync<(RunCompletionResult, JobStoreChange?)>(() =>
        {
            if (_claims.LiveJobOf(run.RunId, run.InstanceId, run.FencingToken) is not { } seq)
            {
                // Recovered, re-claimed or completed already (fenced), or the job is gone: nothing is recorded.
                return (new RunCompletionResult
                {
                    Status = _jobs.ById(run.Job.Id) is null ? RunCompletionStatus.NotFound : RunCompletionStatus.Fenced,
                }, null);
            }

            _claims.Delete(run.RunId);
            JobRow row = _jobs.BySeq(seq)!;
            long dueBefore = DueKey(row.State);
            DateTimeOffset now = _time.GetUtcNow();
            row.State.Complete(completion, now);
            if (completion.Outcome == RunOutcome.Succeeded)
            {
                row.Result = result;
                row.Error = null;
            }
            else if (completion.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
            {
                row.Error = record.Error;
            }

            _jobs.WriteState(row);
            _history.Insert(record);

            // A queued run or a retry that made the job due earlier is logged: a dispatcher must look again.
            JobStoreChange? earlier = DueKey(row.State) < dueBefore ? LogChange(JobStoreChangeKind.Completed, row, now.UtcTicks) : null;

            // The caller gets back the value itself; a later read gets its JSON.
            Job job = _jobs.ToJob(row, completion.Outcome == RunOutcome.Succeeded ? completion.Result : null,
                keepStoredResult: completion.Outcome != RunOutcome.Succeeded);
            return (new RunCompletionResult { Status = RunCompletionStatus.Recorded, Job = job }, earlier);
        }).ConfigureAwait(false);

        if (change is { } changed)
        {
            Raise(changed);
        }

        return outcome;
    }

    /// <inheritdoc/>
    /// <remarks>One transaction for the whole batch; one change is logged per job given a run back, so that other processes see it due.</remarks>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default)
    {
        int[] order = JobState.GetReleaseOrder(runs);
        cancellationToken.ThrowIfCancellationRequested();
        if (runs.Count == 0)
        {
            return [];
        }

        (RunReleaseStatus[] statuses, List<JobStoreChange>? changes) = await WriteAsync(() =>
        {
            var statuses = new RunReleaseStatus[runs.Count];
            List<JobRow>? released = null;
            foreach (int i in order)
            {
                ClaimedRun run = runs[i];
                if (_claims.LiveJobOf(run.RunId, run.InstanceId, run.FencingToken) is not { } seq)
                {
                    statuses[i] = _jobs.ById(run.Job.Id) is null ? RunReleaseStatus.NotFound : RunReleaseStatus.Fenced;
                    continue;
                }

                JobRow row = _jobs.BySeq(seq)!;
                Trigger? trigger;
                try
                {
                    trigger = _jobs.TriggerOf(row);
                }
                catch (InvalidOperationException exception) when (exception.InnerException is FormatException)
                {
                    // A damaged trigger cannot say where the occurrence goes: the run stays claimed, and its node completes it.
                    statuses[i] = RunReleaseStatus.Kept;
                    continue;
                }

                if (!row.State.Release(trigger, row.MaxRuns, run))
                {
                    statuses[i] = RunReleaseStatus.Kept;
                    continue;
                }

                _claims.Delete(run.RunId);
                _jobs.WriteState(row);
                statuses[i] = RunReleaseStatus.Released;
                // One change per job, with its state after the last of its runs.
                int seen = released?.FindIndex(r => r.Seq == row.Seq) ?? -1;
                if (seen >= 0)
                {
                    released![seen] = row;
                }
                else
                {
                    (released ??= []).Add(row);
                }
            }

            long now = _time.GetUtcNow().UtcTicks;
            return (statuses, released?.ConvertAll(row => LogChange(JobStoreChangeKind.Released, row, now)));
        }).ConfigureAwait(false);

        foreach (JobStoreChange change in changes ?? [])
        {
            Raise(change);
        }

        return statuses;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Runs claimed by an earlier holder of the file's dispatch lock are recovered too, whatever their lease: that process has
    /// ended. Joins or takes the dispatch lock first, as <see cref="ClaimDueAsync"/> does.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// Another live process dispatches from this file (the message names it), or the store was opened read-only. Also thrown when the
    /// file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        JoinDispatchLock();
        (List<ClaimedRun>? lost, List<JobStoreChange>? changes) = await WriteAsync(() =>
        {
            List<ClaimedRun>? lost = null;
            List<JobStoreChange>? changes = null;
            DateTimeOffset now = _time.GetUtcNow();
            foreach (ClaimRow claim in _claims.Expired(now.UtcTicks, Epoch))
            {
                JobRow row = _jobs.BySeq(claim.JobSeq)!;
                if (row.State.DefersRecovery(row.Options.Recoverable))
                {
                    // Its job's retry slot holds another lost occurrence: this run stays claimed until a later look.
                    continue;
                }

                _claims.Delete(claim.RunId);
                var run = new ClaimedRun
                {
                    RunId = claim.RunId,
                    Job = _jobs.ToJob(row),
                    ScheduledTime = Utc(claim.Scheduled),
                    ClaimedAt = Utc(claim.ClaimedAt),
                    InstanceId = claim.InstanceId,
                    NodeName = claim.NodeName,
                    LeaseUntil = Utc(claim.LeaseUntil),
                    IsManual = claim.IsManual,
                    Attempt = claim.Attempt,
                    IsRecovery = claim.IsRecovery,
                    FencingToken = claim.FencingToken,
                };
                row.State.Interrupt(run, now, row.Options.Recoverable);
                row.Error = claim.Epoch != 0 && claim.Epoch != Epoch
                    ? $"{nameof(RunOutcome.Interrupted)}: the process that ran it on node '{claim.NodeName}' ({claim.InstanceId}) ended before the run completed."
                    : RunRecords.LeaseExpired(run, run.LeaseUntil);
                _jobs.WriteState(row);
                _history.Insert(RunRecords.Interrupted(run, now, row.Error));
                (changes ??= []).Add(LogChange(JobStoreChangeKind.Recovered, row, now.UtcTicks));
                (lost ??= []).Add(run);
            }

            return (lost, changes);
        }).ConfigureAwait(false);

        foreach (JobStoreChange change in changes ?? [])
        {
            Raise(change);
        }

        return lost is null ? [] : lost;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(() => _jobs.NextDue() is { } due ? Utc(due) : (DateTimeOffset?)null));
    }

    private static long DueKey(in JobState state) => state.DueAtTicks is 0 ? long.MaxValue : state.DueAtTicks;

    private ClaimedRun InsertClaim(JobRow row, DateTimeOffset scheduled, DateTimeOffset now, NodeIdentity node, DateTimeOffset leaseUntil, long token,
        bool manual, int attempt = 1, bool recovery = false)
    {
        var run = new ClaimedRun
        {
            RunId = RunIds.New(),
            Job = _jobs.ToJob(row),
            ScheduledTime = scheduled,
            ClaimedAt = now,
            InstanceId = node.InstanceId,
            NodeName = node.Name,
            LeaseUntil = leaseUntil,
            IsManual = manual,
            Attempt = attempt,
            IsRecovery = recovery,
            FencingToken = token,
        };
        _claims.Insert(new ClaimRow(run.RunId, row.Seq, scheduled.UtcTicks, now.UtcTicks, node.InstanceId, node.Name, leaseUntil.UtcTicks, attempt,
            manual, recovery, token, Epoch));
        return run;
    }
}
