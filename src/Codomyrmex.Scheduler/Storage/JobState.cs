namespace Codomyrmex.Scheduler.Internal;

/// <summary>What a claim decided for one due job.</summary>
internal enum ClaimDecision : byte
{
    /// <summary>A run was claimed for the occurrence.</summary>
    Run,

    /// <summary>The occurrence was skipped (see the skip reason).</summary>
    Skip,

    /// <summary>The occurrence was queued behind the running run.</summary>
    Queue,

    /// <summary>A missed occurrence waits for the running run before it catches up (<see cref="MisfirePolicy.RunAll"/>).</summary>
    Wait,
}

/// <summary>
/// The changing part of a job and the rules that change it, shared by every store so that claims, misfires, overlap,
/// limits and status follow DESIGN §3 identically whatever keeps the job. Times are UTC ticks; 0 means none.
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)] // Longs first, then ints and flags: no padding.
internal struct JobState
{
    public JobStatus Status;
    public bool LastFailed;
    public int RunCount;
    public int FailureCount;
    public int ActiveRuns;
    public long NextRun;
    public long Queued;
    public long LastRun;
    public long LastDuration;
    public long Version;

    /// <summary>When a failed attempt is tried again; with the occurrence it belongs to and the attempt number.</summary>
    public long RetryAt;
    public long RetryOf;
    public int RetryAttempt;

    /// <summary>Whether the pending retry re-runs an occurrence lost with its node or stopped by a shutdown (<see cref="JobOptions.Recoverable"/>).</summary>
    public bool RetryIsRecovery;

    /// <summary>Catch-up runs (RunAll) wait for the running run instead of overlapping it.</summary>
    public bool WaitsForIdle;

    /// <summary>
    /// Whether the job is paused: it keeps its schedule, but nothing of it is due until it is resumed. Occurrences that pass
    /// meanwhile stay due, so on resume they are misfires that follow the job's misfire policy. Never set on a finished job.
    /// </summary>
    public bool Paused;

    /// <summary>Gets whether the job is completed, failed or cancelled: nothing of it runs again unless an update gives it runs.</summary>
    public readonly bool IsFinished => Status is JobStatus.Cancelled or JobStatus.Completed or JobStatus.Failed;

    /// <summary>Gets when the job is next due: its next occurrence, or a queued run once nothing is running.</summary>
    public readonly long DueAt
    {
        get
        {
            if (IsFinished || Paused)
            {
                return 0;
            }

            long due = WaitsForIdle && ActiveRuns > 0 ? 0 : NextRun;
            due = Earliest(due, ActiveRuns == 0 ? Queued : 0);
            return Earliest(due, RetryAt);
        }
    }

    /// <summary>Gets the next run a user should see: the next occurrence, or a pending retry if that comes first.</summary>
    public readonly long ShownNextRun => Earliest(NextRun, RetryAt);

    public static JobState ForNewJob(DateTimeOffset firstRun) => new() { Status = JobStatus.Pending, NextRun = firstRun.UtcTicks, Version = 1 };

    /// <summary>Claims the due occurrence at <paramref name="now"/> (the caller checked <see cref="DueAt"/> ≤ now).</summary>
    public ClaimDecision Claim(Trigger? trigger, JobOptions options, int? maxRuns, long now, out long scheduled, out int attempt, out SkipReason reason)
        => Claim(trigger, options, maxRuns, now, out scheduled, out attempt, out reason, out _);

    /// <summary>Claims the due occurrence at <paramref name="now"/>; <paramref name="recovery"/> tells whether the run re-runs a lost one.</summary>
    public ClaimDecision Claim(Trigger? trigger, JobOptions options, int? maxRuns, long now, out long scheduled, out int attempt, out SkipReason reason,
        out bool recovery)
    {
        reason = default;
        attempt = 1;
        recovery = false;
        Version++;
        if (RetryAt != 0 && RetryAt <= now && RetryAt == DueAt)
        {
            scheduled = RetryOf;
            attempt = RetryAttempt;
            recovery = RetryIsRecovery;
            RetryAt = RetryOf = 0;
            RetryAttempt = 0;
            RetryIsRecovery = false;
            StartRun(now, maxRuns);
            return ClaimDecision.Run;
        }

        if (Queued != 0 && ActiveRuns == 0 && (NextRun == 0 || Queued <= NextRun))
        {
            scheduled = Queued;
            Queued = 0;
            StartRun(now, maxRuns);
            return ClaimDecision.Run;
        }

        scheduled = NextRun;
        bool misfired = now - NextRun > options.MisfireGraceTime.Ticks;
        if (misfired && options.Misfire == MisfirePolicy.RunAll && ActiveRuns > 0 && options.Overlap != OverlapPolicy.Allow)
        {
            // Catch up one occurrence at a time: this one waits until the running run ends.
            WaitsForIdle = true;
            return ClaimDecision.Wait;
        }

        // RunOnce: the run now stands for every missed occurrence up to now. Skip: the next occurrence not in the past
        // (one at exactly now still runs). RunAll: the next missed occurrence, which is due at once.
        NextRun = !misfired || options.Misfire == MisfirePolicy.RunAll ? Advance(trigger, NextRun)
            : options.Misfire == MisfirePolicy.Skip ? Advance(trigger, now - 1)
            : Advance(trigger, now);
        ClaimDecision decision;
        if (misfired && options.Misfire == MisfirePolicy.Skip)
        {
            reason = SkipReason.Misfire;
            decision = ClaimDecision.Skip;
        }
        else if (ActiveRuns > 0 && options.Overlap == OverlapPolicy.Skip)
        {
            reason = SkipReason.Overlap;
            decision = ClaimDecision.Skip;
        }
        else if (ActiveRuns > 0 && options.Overlap == OverlapPolicy.Queue)
        {
            if (Queued == 0)
            {
                Queued = scheduled;
                decision = ClaimDecision.Queue;
            }
            else
            {
                reason = SkipReason.Overlap;
                decision = ClaimDecision.Skip;
            }
        }
        else
        {
            StartRun(now, maxRuns);
            return ClaimDecision.Run;
        }

        ApplyLimit(maxRuns);
        Settle();
        return decision;
    }

    /// <summary>Starts a run outside the schedule (RunNow): counts as a run, the next run is unchanged.</summary>
    public void ClaimNow(long now, int? maxRuns)
    {
        Version++;
        StartRun(now, maxRuns);
    }

    /// <summary>Records how a run ended; a failed attempt with <paramref name="retryAt"/> is tried again then instead of failing.</summary>
    public void Complete(RunOutcome outcome, long startedAt, long finishedAt, long scheduled = 0, int attempt = 1, long retryAt = 0)
    {
        Version++;
        ActiveRuns = Math.Max(0, ActiveRuns - 1);
        WaitsForIdle = false;
        if (retryAt != 0 && outcome is (RunOutcome.Failed or RunOutcome.Interrupted) && Status != JobStatus.Cancelled)
        {
            // An interrupted run with a retry time is a recoverable job's occurrence that a shutdown stopped: it runs again first.
            RetryIsRecovery |= outcome == RunOutcome.Interrupted;
            RetryAt = retryAt;
            RetryOf = scheduled;
            RetryAttempt = attempt + 1;
            outcome = RunOutcome.Skipped; // not a failure yet: nothing is counted until the last attempt.
            LastFailed = true;
            LastRun = startedAt;
            LastDuration = Math.Max(0, finishedAt - startedAt);
        }

        switch (outcome)
        {
            case RunOutcome.Succeeded:
                RunCount++;
                LastFailed = false;
                break;
            case RunOutcome.Failed:
                FailureCount++;
                LastFailed = true;
                break;
            case RunOutcome.Interrupted:
                // Stopped from outside (a shutdown), not by a fault of the job's own: the run did not succeed, so a job with
                // nothing left to run ends failed, but it is not counted among the job's failures. A run lost with its node
                // is counted (see Interrupt).
                LastFailed = true;
                break;
        }

        if (outcome != RunOutcome.Skipped)
        {
            LastRun = startedAt;
            LastDuration = Math.Max(0, finishedAt - startedAt);
        }

        Settle();
    }

    /// <summary>
    /// Records a run lost with its node, noticed at <paramref name="now"/>. A recoverable job runs the occurrence again
    /// before any later one (a retry due at the lost occurrence, marked as a recovery, so the loss is not counted as a
    /// failure); any other job counts a failure.
    /// </summary>
    public void Interrupt(long claimedAt, long now, long scheduled, int attempt, bool recoverable)
    {
        if (recoverable && Status != JobStatus.Cancelled && RetryAt == 0)
        {
            Complete(RunOutcome.Failed, claimedAt, now, scheduled, attempt, retryAt: Math.Min(scheduled, now));
            RetryIsRecovery = true;
            return;
        }

        Complete(RunOutcome.Interrupted, claimedAt, now);
        FailureCount++;
    }

    /// <summary>Moves the next run after the trigger or the limit changed (an update): a finished job with runs left is pending again.</summary>
    public void Reschedule(long nextRun, int? maxRuns)
    {
        Version++;
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        NextRun = nextRun;
        ApplyLimit(maxRuns);
        Settle();
    }

    /// <summary>Ends the job as failed without a run, when its definition cannot be read (a damaged store row): nothing more runs.</summary>
    public void Fail()
    {
        Version++;
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        NextRun = 0;
        Queued = 0;
        RetryAt = 0;
        RetryIsRecovery = false;
        WaitsForIdle = false;
        LastFailed = true;
        Settle();
    }

    /// <summary>Pauses or resumes the job; a finished job is left as it is (it has nothing left to pause).</summary>
    /// <returns>Whether the state changed.</returns>
    public bool SetPaused(bool paused)
    {
        if (IsFinished || Paused == paused)
        {
            return false;
        }

        Version++;
        Paused = paused;
        return true;
    }

    /// <summary>Cancels the job: final, nothing more runs; runs in progress finish on their own.</summary>
    public void Cancel()
    {
        if (Status != JobStatus.Cancelled)
        {
            Version++;
            Status = JobStatus.Cancelled;
            Paused = false;
            NextRun = 0;
            Queued = 0;
            RetryAt = 0;
            RetryIsRecovery = false;
        }
    }

    private static long Earliest(long a, long b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);

    private static long Advance(Trigger? trigger, long afterTicks)
    {
        if (trigger is null or OnceTrigger)
        {
            return 0;
        }

        DateTimeOffset? next = trigger.GetNextRun(new DateTimeOffset(afterTicks, TimeSpan.Zero));
        return next?.UtcTicks ?? 0;
    }

    private void StartRun(long now, int? maxRuns)
    {
        ActiveRuns++;
        LastRun = now;
        ApplyLimit(maxRuns);
        Settle();
    }

    /// <summary>Whether <see cref="Job.MaxRuns"/> runs are made or under way (failed, running, queued and retrying ones included).</summary>
    public readonly bool LimitReached(int? maxRuns) =>
        maxRuns is { } max && RunCount + FailureCount + ActiveRuns + (Queued != 0 ? 1 : 0) + (RetryAt != 0 ? 1 : 0) >= max;

    private void ApplyLimit(int? maxRuns)
    {
        if (LimitReached(maxRuns))
        {
            NextRun = 0;
        }
    }

    private void Settle()
    {
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        Status = ActiveRuns > 0 ? JobStatus.Running
            : NextRun != 0 || Queued != 0 || RetryAt != 0 ? JobStatus.Pending
            : LastFailed ? JobStatus.Failed
            : JobStatus.Completed;

        // A paused job whose last run used up its runs is simply finished: there is nothing left to resume.
        Paused &= !IsFinished;
    }
}
