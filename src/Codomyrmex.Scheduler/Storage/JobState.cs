using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>
/// The changing part of a job and the rules that change it: claims, misfires, overlap, limits, retries, recovery, give-back,
/// pause, cancel and status. Every store keeps one per job and changes it only through these methods, so jobs behave the same
/// whatever keeps them.
/// </summary>
/// <remarks>
/// <para>
/// A store persists every settable property (they are plain numbers and flags, so they map to columns) and calls the
/// methods inside the atomic step that reads and writes the job: a transaction, or a lock. Times are UTC ticks
/// (<see cref="DateTimeOffset.UtcTicks"/>) where a store keeps them as numbers, with 0 for none; the methods take and return
/// <see cref="DateTimeOffset"/>. The methods never read a clock: the store passes its own time.
/// </para>
/// <para>
/// The rules, in short: a job is due at <see cref="DueAtTicks"/>. <see cref="Claim"/> at that time either starts a run, skips
/// the occurrence (misfire policy Skip, or overlap Skip), queues it behind the running run (overlap Queue), or makes it
/// wait for the running run (misfire RunAll); in every case it advances the next occurrence by the trigger. <see cref="Complete(RunCompletion, DateTimeOffset)"/>
/// records an outcome, turning a failed attempt with a retry time into a pending retry; <see cref="Interrupt"/> records a run
/// lost with its node; <see cref="Release"/> takes back a claimed run that never started, as if it had not been claimed. Every change adds one to <see cref="Version"/>. The repository's <c>docs/stores.md</c> explains each rule.
/// </para>
/// <para>The struct is not thread-safe: the store serializes access to each job.</para>
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public struct JobState
{
    /// <summary>Gets or sets the job's status.</summary>
    public JobStatus Status { get; set; }

    /// <summary>Gets or sets a value indicating whether the last run (or attempt) failed, which makes a job with nothing left to run <see cref="JobStatus.Failed"/>.</summary>
    public bool LastFailed { get; set; }

    /// <summary>Gets or sets the number of successful runs.</summary>
    public int RunCount { get; set; }

    /// <summary>Gets or sets the number of failed runs (each counted once, at its last attempt).</summary>
    public int FailureCount { get; set; }

    /// <summary>Gets or sets the number of runs claimed and not yet completed or recovered.</summary>
    public int ActiveRuns { get; set; }

    /// <summary>Gets or sets the job's next occurrence, in UTC ticks; 0 when the trigger (or the limit) has none left.</summary>
    public long NextRunTicks { get; set; }

    /// <summary>Gets or sets the occurrence queued behind the running run (<see cref="OverlapPolicy.Queue"/>), in UTC ticks; 0 for none.</summary>
    public long QueuedTicks { get; set; }

    /// <summary>
    /// Gets or sets when the last run started (set at its claim), in UTC ticks; 0 if the job has not run. A run given back
    /// (<see cref="Release"/>) leaves its claim's time: the earlier value is not restored, since the claim does not carry it.
    /// </summary>
    public long LastRunTicks { get; set; }

    /// <summary>Gets or sets how long the last run took, in ticks.</summary>
    public long LastDurationTicks { get; set; }

    /// <summary>Gets or sets the job's version, which every change increments (for optimistic concurrency).</summary>
    public long Version { get; set; }

    /// <summary>Gets or sets when a failed attempt is tried again, in UTC ticks; 0 for no pending retry.</summary>
    public long RetryAtTicks { get; set; }

    /// <summary>Gets or sets the occurrence the pending retry belongs to, in UTC ticks.</summary>
    public long RetryOfTicks { get; set; }

    /// <summary>Gets or sets the attempt number of the pending retry.</summary>
    public int RetryAttempt { get; set; }

    /// <summary>Gets or sets a value indicating whether the pending retry re-runs an occurrence lost with its node or stopped by a shutdown (<see cref="JobOptions.Recoverable"/>).</summary>
    public bool RetryIsRecovery { get; set; }

    /// <summary>Gets or sets a value indicating whether a missed occurrence waits for the running run before it catches up (<see cref="MisfirePolicy.RunAll"/>).</summary>
    public bool WaitsForIdle { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the job is paused: it keeps its schedule, but nothing of it is due until it is
    /// resumed. Occurrences that pass meanwhile stay due, so on resume they are misfires that follow the job's misfire
    /// policy. Never set on a finished job.
    /// </summary>
    public bool IsPaused { get; set; }

    /// <summary>Gets a value indicating whether the job is completed, failed or cancelled: nothing of it runs again unless an update gives it runs.</summary>
    public readonly bool IsFinished => Status is JobStatus.Cancelled or JobStatus.Completed or JobStatus.Failed;

    /// <summary>Gets when the job is next due, in UTC ticks (0 for never): its next occurrence, a queued run once nothing is running, or a pending retry.</summary>
    /// <remarks>A store keeps this in an indexed column: the claim takes the jobs whose due time is at or before its now, earliest first.</remarks>
    public readonly long DueAtTicks
    {
        get
        {
            if (IsFinished || IsPaused)
            {
                return 0;
            }

            long due = WaitsForIdle && ActiveRuns > 0 ? 0 : NextRunTicks;
            due = Earliest(due, ActiveRuns == 0 ? QueuedTicks : 0);
            return Earliest(due, RetryAtTicks);
        }
    }

    /// <summary>Gets when the job is next due (see <see cref="DueAtTicks"/>), or <see langword="null"/> if it is not due ever.</summary>
    public readonly DateTimeOffset? DueAt => ToInstant(DueAtTicks);

    /// <summary>Gets the next run a user should see, in UTC ticks: the next occurrence, or a pending retry if that comes first.</summary>
    public readonly long ShownNextRunTicks => Earliest(NextRunTicks, RetryAtTicks);

    /// <summary>Creates the state of a job being added.</summary>
    /// <param name="job">The job, with <see cref="Job.NextRun"/> its first run (<see langword="null"/>: nothing to run, so it is completed).</param>
    /// <returns>The state: pending at its first run, version 1.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is null.</exception>
    public static JobState ForNewJob(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.NextRun is { } first
            ? new JobState { Status = JobStatus.Pending, NextRunTicks = first.UtcTicks, Version = 1 }
            : new JobState { Status = JobStatus.Completed, Version = 1 };
    }

    /// <summary>Gets the next run to show as <see cref="Job.NextRun"/>: <see cref="ShownNextRunTicks"/> in the offset the trigger's users expect.</summary>
    /// <param name="trigger">The job's trigger.</param>
    /// <returns>The next run, in the cron trigger's zone or the interval or one-time trigger's offset; <see langword="null"/> for none.</returns>
    public readonly DateTimeOffset? GetShownNextRun(Trigger? trigger)
    {
        long next = ShownNextRunTicks;
        if (next == 0)
        {
            return null;
        }

        var instant = new DateTimeOffset(next, TimeSpan.Zero);
        return trigger?.Localize(instant) ?? instant;
    }

    /// <summary>Claims the occurrence that is due, deciding whether it runs, is skipped, queued or waits.</summary>
    /// <param name="trigger">The job's trigger.</param>
    /// <param name="options">The job's policies.</param>
    /// <param name="maxRuns">The job's limit (<see cref="Job.MaxRuns"/>).</param>
    /// <param name="now">The store's time; the caller has checked that <see cref="DueAtTicks"/> is not 0 and not after it.</param>
    /// <returns>The decision. For <see cref="ClaimDecision.Run"/> the store records a claimed run with the returned occurrence and attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public ClaimResult Claim(Trigger? trigger, JobOptions options, int? maxRuns, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ClaimTicks(trigger, options, maxRuns, now.UtcTicks);
    }

    /// <summary>The claim in ticks, for stores that hold times as numbers already.</summary>
    internal ClaimResult ClaimTicks(Trigger? trigger, JobOptions options, int? maxRuns, long now)
    {
        Version++;
        if (RetryAtTicks != 0 && RetryAtTicks <= now && RetryAtTicks == DueAtTicks)
        {
            var retry = new ClaimResult
            {
                Decision = ClaimDecision.Run,
                ScheduledTime = new DateTimeOffset(RetryOfTicks, TimeSpan.Zero),
                Attempt = RetryAttempt,
                IsRecovery = RetryIsRecovery,
            };
            RetryAtTicks = RetryOfTicks = 0;
            RetryAttempt = 0;
            RetryIsRecovery = false;
            StartRun(now, maxRuns);
            return retry;
        }

        if (QueuedTicks != 0 && ActiveRuns == 0 && (NextRunTicks == 0 || QueuedTicks <= NextRunTicks))
        {
            long queued = QueuedTicks;
            QueuedTicks = 0;
            StartRun(now, maxRuns);
            return Decided(ClaimDecision.Run, queued);
        }

        long scheduled = NextRunTicks;
        bool misfired = now - NextRunTicks > options.MisfireGraceTime.Ticks;
        if (misfired && options.Misfire == MisfirePolicy.RunAll && ActiveRuns > 0 && options.Overlap != OverlapPolicy.Allow)
        {
            // Catch up one occurrence at a time: this one waits until the running run ends.
            WaitsForIdle = true;
            return Decided(ClaimDecision.Wait, scheduled);
        }

        // RunOnce: the run now stands for every missed occurrence up to now. Skip: the next occurrence not in the past
        // (one at exactly now still runs). RunAll: the next missed occurrence, which is due at once.
        NextRunTicks = !misfired || options.Misfire == MisfirePolicy.RunAll ? Advance(trigger, NextRunTicks)
            : options.Misfire == MisfirePolicy.Skip ? Advance(trigger, now - 1)
            : Advance(trigger, now);
        ClaimResult result;
        if (misfired && options.Misfire == MisfirePolicy.Skip)
        {
            result = Skipped(scheduled, SkipReason.Misfire);
        }
        else if (ActiveRuns > 0 && options.Overlap == OverlapPolicy.Skip)
        {
            result = Skipped(scheduled, SkipReason.Overlap);
        }
        else if (ActiveRuns > 0 && options.Overlap == OverlapPolicy.Queue)
        {
            if (QueuedTicks == 0)
            {
                QueuedTicks = scheduled;
                result = Decided(ClaimDecision.Queue, scheduled);
            }
            else
            {
                result = Skipped(scheduled, SkipReason.Overlap);
            }
        }
        else
        {
            StartRun(now, maxRuns);
            return Decided(ClaimDecision.Run, scheduled);
        }

        ApplyLimit(maxRuns);
        Settle();
        return result;
    }

    /// <summary>Starts a run outside the schedule (<c>RunNow</c>): it counts as a run, and the next run is unchanged.</summary>
    /// <param name="now">The store's time.</param>
    /// <param name="maxRuns">The job's limit.</param>
    /// <remarks>
    /// The store checks first that the job is not cancelled and that <see cref="LimitReached"/> is false, and refuses with
    /// <see cref="StoreErrors.ClaimCancelled"/> or <see cref="StoreErrors.ClaimLimitReached"/> otherwise. A paused job may run now.
    /// </remarks>
    public void ClaimNow(DateTimeOffset now, int? maxRuns)
    {
        Version++;
        StartRun(now.UtcTicks, maxRuns);
    }

    /// <summary>
    /// Records how a claimed run ended; a failed attempt with a <see cref="RunCompletion.RetryAfter"/> or
    /// <see cref="RunCompletion.RetryAt"/> becomes a pending retry instead of a failure.
    /// </summary>
    /// <param name="completion">The completion; the store has checked that its run is the live claim.</param>
    /// <param name="now">The store's time, from which <see cref="RunCompletion.RetryAfter"/> counts.</param>
    /// <exception cref="ArgumentNullException"><paramref name="completion"/> is null.</exception>
    public void Complete(RunCompletion completion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(completion);
        CompleteTicks(completion.Outcome, completion.StartedAt.UtcTicks, completion.FinishedAt.UtcTicks, completion.Run.ScheduledTime.UtcTicks,
            completion.Run.Attempt, RetryTicks(completion, now.UtcTicks));
    }

    /// <summary>The retry time of a completion in UTC ticks (0 for none): its delay counted from <paramref name="now"/>, else its time.</summary>
    internal static long RetryTicks(RunCompletion completion, long now) =>
        completion.RetryAfter is { } delay ? LongTime.Add(new DateTimeOffset(now, TimeSpan.Zero), delay).UtcTicks : completion.RetryAt?.UtcTicks ?? 0;

    /// <summary>The completion in ticks; a failed attempt with <paramref name="retryAt"/> is tried again then instead of failing.</summary>
    internal void CompleteTicks(RunOutcome outcome, long startedAt, long finishedAt, long scheduled = 0, int attempt = 1, long retryAt = 0)
    {
        Version++;
        ActiveRuns = Math.Max(0, ActiveRuns - 1);
        WaitsForIdle = false;
        if (retryAt != 0 && outcome is (RunOutcome.Failed or RunOutcome.Interrupted) && Status != JobStatus.Cancelled)
        {
            // An interrupted run with a retry time is a recoverable job's occurrence that a shutdown stopped: it runs again first.
            RetryIsRecovery |= outcome == RunOutcome.Interrupted;
            RetryAtTicks = retryAt;
            RetryOfTicks = scheduled;
            RetryAttempt = attempt + 1;
            outcome = RunOutcome.Skipped; // not a failure yet: nothing is counted until the last attempt.
            LastFailed = true;
            LastRunTicks = startedAt;
            LastDurationTicks = Math.Max(0, finishedAt - startedAt);
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
            LastRunTicks = startedAt;
            LastDurationTicks = Math.Max(0, finishedAt - startedAt);
        }

        Settle();
    }

    /// <summary>
    /// Gets a value indicating whether a lost run of this job must wait before it is recorded: the job is recoverable and one
    /// lost occurrence already waits in its one retry slot as a recovery (due at once, so the wait is short). A failed attempt
    /// waiting out its backoff does not hold a lost run back (that could stall the job for as long as the backoff): the lost
    /// run is recorded at once, and with the slot taken it counts as a failure.
    /// </summary>
    /// <param name="recoverable">The job's <see cref="JobOptions.Recoverable"/>.</param>
    /// <returns>
    /// <see langword="true"/> when the store must leave the lost run's claim as it is (its lease lapsed) and look again later:
    /// once the pending retry is claimed the slot is free, and the next look records the run with <see cref="Interrupt"/>,
    /// which runs its occurrence again. So every lost occurrence of a recoverable job runs again, one after another, lost runs
    /// of one job in the order they were claimed. <see langword="false"/> for a job that is not recoverable, has no pending
    /// recovery, or is cancelled, paused or finished (its lost run is recorded now, as <see cref="Interrupt"/> says).
    /// </returns>
    public readonly bool DefersRecovery(bool recoverable) => recoverable && RetryAtTicks != 0 && RetryIsRecovery && !IsFinished && !IsPaused;

    /// <summary>Records a run lost with its node (its lease expired), noticed at <paramref name="now"/>.</summary>
    /// <param name="run">The lost run.</param>
    /// <param name="now">The store's time.</param>
    /// <param name="recoverable">The job's <see cref="JobOptions.Recoverable"/>.</param>
    /// <remarks>
    /// A recoverable job runs the occurrence again before any later one (a retry due at the lost occurrence, marked as a
    /// recovery, so the loss is not counted as a failure); any other job counts a failure. A store calls it only when
    /// <see cref="DefersRecovery"/> is false: a recoverable job with a retry already pending is recorded as failed here.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="run"/> is null.</exception>
    public void Interrupt(ClaimedRun run, DateTimeOffset now, bool recoverable)
    {
        ArgumentNullException.ThrowIfNull(run);
        InterruptTicks(run.ClaimedAt.UtcTicks, now.UtcTicks, run.ScheduledTime.UtcTicks, run.Attempt, recoverable);
    }

    /// <summary>The interruption in ticks.</summary>
    internal void InterruptTicks(long claimedAt, long now, long scheduled, int attempt, bool recoverable)
    {
        if (recoverable && Status != JobStatus.Cancelled && RetryAtTicks == 0)
        {
            CompleteTicks(RunOutcome.Failed, claimedAt, now, scheduled, attempt, retryAt: Math.Min(scheduled, now));
            RetryIsRecovery = true;
            return;
        }

        CompleteTicks(RunOutcome.Interrupted, claimedAt, now);
        FailureCount++;
    }

    /// <summary>
    /// Gives back a claimed run that never started (<see cref="IJobStore.ReleaseRunsAsync"/>), as if it had not been claimed:
    /// its occurrence is due again, and nothing is counted.
    /// </summary>
    /// <param name="trigger">The job's trigger.</param>
    /// <param name="maxRuns">The job's limit (<see cref="Job.MaxRuns"/>).</param>
    /// <param name="run">
    /// The run; the store has checked that it is the live claim (run id, instance id and fencing token). A store gives back a
    /// batch's runs in the order of <see cref="GetReleaseOrder"/> (latest scheduled time first).
    /// </param>
    /// <returns>
    /// <see langword="true"/> if the run was given back: the store deletes the claim and saves the state. <see langword="false"/>
    /// if the state cannot take the occurrence back without running another occurrence twice: nothing changed, the claim stays,
    /// and the store answers <see cref="RunReleaseStatus.Kept"/> (the node then completes the run instead).
    /// </returns>
    /// <remarks>
    /// <para>
    /// No counter moves (<see cref="RunCount"/>, <see cref="FailureCount"/>, the attempt), no history record is written, and
    /// <see cref="LastRunTicks"/> keeps what the claim set. The run stops counting in <see cref="ActiveRuns"/>, so the job is
    /// pending again (or still running, if another run of it is going).
    /// </para>
    /// <para>
    /// Where the occurrence goes: a retry or a recovery (<see cref="ClaimedRun.Attempt"/> above 1, or
    /// <see cref="ClaimedRun.IsRecovery"/>) goes back to the job's one retry slot, due at once as the same attempt and still a
    /// recovery. Any other occurrence moves the next occurrence back to it when the trigger, advanced from it, comes exactly to
    /// the job's next occurrence: nothing between them was decided while the run was held, so it is due at its scheduled time
    /// again, and the misfire policy applies at its next claim with its real lateness. Otherwise (a later occurrence was run,
    /// skipped for overlap, queued or caught up meanwhile, the limit was reached, or the trigger was changed) what was decided
    /// stands: the occurrence goes to the retry slot as attempt 1, due at once, and a queued occurrence stays queued. When that
    /// slot is taken, the run is kept (<see langword="false"/>).
    /// </para>
    /// <para>
    /// A <see cref="ClaimedRun.IsManual"/> run (<c>RunNow</c>) only drops its claim: its claim left the schedule alone, so no
    /// occurrence moves and nothing is counted. A job cancelled while the run was claimed stays cancelled, and the occurrence is dropped: cancel is final, and a run that
    /// never started leaves no record. A paused job keeps the occurrence until it is resumed (then it is late, and the misfire
    /// policy decides). A job whose definition changed meanwhile gets the occurrence back unless its next occurrence now comes
    /// before it (the new schedule stands) or its new <see cref="Job.MaxRuns"/> is reached.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="run"/> is null.</exception>
    public bool Release(Trigger? trigger, int? maxRuns, ClaimedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ReleaseTicks(trigger, maxRuns, run.ScheduledTime.UtcTicks, run.Attempt, run.IsRecovery, run.IsManual);
    }

    /// <summary>Gets the order in which a store gives back a batch of runs (<see cref="IJobStore.ReleaseRunsAsync"/>): latest scheduled time first.</summary>
    /// <param name="runs">The runs of the batch, in the order given.</param>
    /// <returns>The indexes of <paramref name="runs"/>, the latest <see cref="ClaimedRun.ScheduledTime"/> first; runs of one time in the order given.</returns>
    /// <remarks>
    /// <see cref="Release"/> moves a job's next occurrence back only to the occurrence just before it, so several runs of one job
    /// (overlap <see cref="OverlapPolicy.Allow"/>) given back latest first each step it back by one. In the order they were claimed,
    /// the earliest would find the later ones still claimed, go to the retry slot, and leave the others nowhere to go.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="runs"/> or one of its items is null.</exception>
    public static int[] GetReleaseOrder(IReadOnlyList<ClaimedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        int[] order = new int[runs.Count];
        for (int i = 0; i < order.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(runs[i], nameof(runs));
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            int byTime = runs[b].ScheduledTime.UtcTicks.CompareTo(runs[a].ScheduledTime.UtcTicks);
            return byTime != 0 ? byTime : a.CompareTo(b);
        });
        return order;
    }

    /// <summary>The give-back in ticks (see <see cref="Release"/>).</summary>
    internal bool ReleaseTicks(Trigger? trigger, int? maxRuns, long scheduled, int attempt, bool recovery, bool manual)
    {
        // A RunNow claim left the schedule alone, so giving it back only drops the claim: no occurrence moves.
        bool cancelled = Status == JobStatus.Cancelled;
        if (manual)
        {
            Version++;
            ActiveRuns = Math.Max(0, ActiveRuns - 1);
            WaitsForIdle = false;
            Settle();
            return true;
        }

        bool toRetrySlot = attempt > 1 || recovery;
        bool rewind = false;
        if (!cancelled && !toRetrySlot)
        {
            if (NextRunTicks == 0 || scheduled < NextRunTicks)
            {
                // Back only to the occurrence just before the next one: any occurrence between them was decided while this run
                // was held (run, skipped, queued), and must not come again.
                rewind = Advance(trigger, scheduled) == NextRunTicks;
                toRetrySlot = !rewind;
            }
        }

        if (!cancelled && toRetrySlot && RetryAtTicks != 0)
        {
            return false;
        }

        Version++;
        ActiveRuns = Math.Max(0, ActiveRuns - 1);
        WaitsForIdle = false;
        if (cancelled)
        {
            return true;
        }

        if (toRetrySlot)
        {
            RetryAtTicks = RetryOfTicks = scheduled;
            RetryAttempt = attempt;
            RetryIsRecovery = recovery;
        }
        else if (rewind)
        {
            NextRunTicks = scheduled;
        }

        ApplyLimit(maxRuns);
        Settle();
        return true;
    }

    /// <summary>Applies an update of the job's definition (<see cref="IJobStore.UpdateAsync"/>).</summary>
    /// <param name="trigger">The job's trigger before the update.</param>
    /// <param name="maxRuns">The job's limit before the update.</param>
    /// <param name="updated">The new definition; its <see cref="Job.NextRun"/> is the next run the caller computed for a new trigger.</param>
    /// <returns><see langword="true"/> if the trigger or the limit changed, so the next run moved to <paramref name="updated"/>'s.</returns>
    /// <remarks>The store has checked <see cref="Version"/> against <paramref name="updated"/>'s first. A finished job given runs again is pending again.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="updated"/> is null.</exception>
    public bool ApplyUpdate(Trigger? trigger, int? maxRuns, Job updated)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (maxRuns == updated.MaxRuns && Equals(trigger, updated.Trigger))
        {
            Version++;
            return false;
        }

        Reschedule(updated.NextRun, updated.MaxRuns);
        return true;
    }

    /// <summary>Moves the next run after the trigger or the limit changed: a finished job with runs left is pending again; a cancelled one stays cancelled.</summary>
    /// <param name="nextRun">The new next occurrence, or <see langword="null"/> for none.</param>
    /// <param name="maxRuns">The job's limit.</param>
    public void Reschedule(DateTimeOffset? nextRun, int? maxRuns)
    {
        Version++;
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        NextRunTicks = nextRun?.UtcTicks ?? 0;
        ApplyLimit(maxRuns);
        Settle();
    }

    /// <summary>Ends the job as failed without a run, when its definition cannot be read (a damaged row): nothing more runs.</summary>
    public void Fail()
    {
        Version++;
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        NextRunTicks = 0;
        QueuedTicks = 0;
        RetryAtTicks = 0;
        RetryIsRecovery = false;
        WaitsForIdle = false;
        LastFailed = true;
        Settle();
    }

    /// <summary>Pauses or resumes the job; a finished job is left as it is (it has nothing left to pause).</summary>
    /// <param name="paused"><see langword="true"/> to pause, <see langword="false"/> to resume.</param>
    /// <returns>Whether the state changed.</returns>
    public bool SetPaused(bool paused)
    {
        if (IsFinished || IsPaused == paused)
        {
            return false;
        }

        Version++;
        IsPaused = paused;
        return true;
    }

    /// <summary>Cancels the job: final, nothing more runs; runs in progress finish on their own.</summary>
    /// <returns>Whether the state changed (<see langword="false"/> if the job was cancelled already).</returns>
    public bool Cancel()
    {
        if (Status == JobStatus.Cancelled)
        {
            return false;
        }

        Version++;
        Status = JobStatus.Cancelled;
        IsPaused = false;
        NextRunTicks = 0;
        QueuedTicks = 0;
        RetryAtTicks = 0;
        RetryIsRecovery = false;
        return true;
    }

    /// <summary>Determines whether <see cref="Job.MaxRuns"/> runs are made or under way (failed, running, queued and retrying ones included).</summary>
    /// <param name="maxRuns">The job's limit.</param>
    /// <returns><see langword="true"/> if no further run may start.</returns>
    public readonly bool LimitReached(int? maxRuns) =>
        maxRuns is { } max && RunCount + FailureCount + ActiveRuns + (QueuedTicks != 0 ? 1 : 0) + (RetryAtTicks != 0 ? 1 : 0) >= max;

    private static DateTimeOffset? ToInstant(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    private static ClaimResult Decided(ClaimDecision decision, long scheduled) =>
        new() { Decision = decision, ScheduledTime = new DateTimeOffset(scheduled, TimeSpan.Zero), Attempt = 1 };

    private static ClaimResult Skipped(long scheduled, SkipReason reason) =>
        new() { Decision = ClaimDecision.Skip, ScheduledTime = new DateTimeOffset(scheduled, TimeSpan.Zero), Attempt = 1, SkipReason = reason };

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
        LastRunTicks = now;
        ApplyLimit(maxRuns);
        Settle();
    }

    private void ApplyLimit(int? maxRuns)
    {
        if (LimitReached(maxRuns))
        {
            NextRunTicks = 0;
        }
    }

    private void Settle()
    {
        if (Status == JobStatus.Cancelled)
        {
            return;
        }

        Status = ActiveRuns > 0 ? JobStatus.Running
            : NextRunTicks != 0 || QueuedTicks != 0 || RetryAtTicks != 0 ? JobStatus.Pending
            : LastFailed ? JobStatus.Failed
            : JobStatus.Completed;

        // A paused job whose last run used up its runs is simply finished: there is nothing left to resume.
        IsPaused &= !IsFinished;
    }
}
