using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>Runs a job now, on the caller, outside its schedule.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">
    /// Cancels the run (the job sees it in its token). A job that ends by throwing <see cref="OperationCanceledException"/>
    /// then is recorded as <see cref="RunOutcome.Interrupted"/>, as a run stopped by a shutdown, not as a failure.
    /// </param>
    /// <returns>The job's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="ArgumentException">There is no job with that id.</exception>
    /// <exception cref="InvalidOperationException">The job is cancelled, or has used up its <see cref="Job.MaxRuns"/>.</exception>
    /// <remarks>
    /// The run counts as a run (toward <see cref="Job.MaxRuns"/> too) but leaves the next scheduled run unchanged. It
    /// ignores the overlap policy and the worker limit: it runs because it was asked to. If the job fails, the error is
    /// recorded and the job's exception is rethrown (a <see cref="TimeoutException"/> if it timed out).
    /// </remarks>
    public async Task<object?> RunNowAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ThrowIfDisposed();
        DateTimeOffset now = _time.GetUtcNow();
        long cancels = Interlocked.Read(ref _cancelEpoch);
        ClaimedRun run = await _store.ClaimNowAsync(id, ClaimRequestFor(1), cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"Unknown job id: '{id}'.", nameof(id));
        using var handle = new RunNowHandle(run, now, cancellationToken);
        _activeRuns.Add(handle);
        ArmHeartbeat();

        // A Cancel that came between the claim and the registration may not have seen this run: look again.
        try
        {
            if (Interlocked.Read(ref _cancelEpoch) != cancels && (await _store.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Status == JobStatus.Cancelled)
            {
                handle.CancelJob();
            }
        }
        catch
        {
            // The run does not start: this node lets it go (no heartbeat renews it), and its lease lapses in the store.
            _activeRuns.Remove(handle);
            SignalChange(wakeDispatcher: false);
            throw;
        }

        RunResult result = await ExecuteRunAsync(handle).ConfigureAwait(false);
        if (result.Exception is { } exception)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return result.Value;
    }

    /// <summary>Runs a claimed run from the queue: given back if the scheduler is stopping, skipped if the occurrence misfired under Skip.</summary>
    private async Task ExecuteAsync(RunHandle handle, Dispatcher dispatcher)
    {
        using (handle)
        {
            ClaimedRun run = handle.Run;
            DateTimeOffset now = _time.GetUtcNow();
            JobOptions options = run.JobOptions;
            if (handle.JobCancelled)
            {
                await RecordAsync(handle, new RunCompletion { Run = run, Outcome = RunOutcome.Cancelled, StartedAt = now, FinishedAt = now }).ConfigureAwait(false);
                return;
            }

            if (handle.Lost)
            {
                // The heartbeat found it taken over (or its lease lapsing with the store out of reach) while it waited for a
                // worker: another node may be running it now, so it does not start here, and nothing is written for it.
                await RecordAsync(handle, new RunCompletion { Run = run, Outcome = RunOutcome.Skipped, StartedAt = now, FinishedAt = now }).ConfigureAwait(false);
                return;
            }

            if (dispatcher.IsStopping)
            {
                // Claimed but not started when Stop came: it does not run, and goes back to the store unstarted (it did not fire).
                handle.StopIfQueued();
                await GiveBackAsync([handle], now, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            if (options.Misfire == MisfirePolicy.Skip && run.Attempt == 1 && handle.ToStoreTime(now) - run.ScheduledTime > options.MisfireGraceTime)
            {
                // It waited for a worker longer than the grace time. (A retry is late by design: it is never skipped.)
                OnSkipped(new SkippedOccurrence { JobId = run.JobId, JobName = run.JobName, ScheduledTime = run.ScheduledTime, Reason = SkipReason.Misfire }, now);
                await RecordAsync(handle, new RunCompletion { Run = run, Outcome = RunOutcome.Skipped, StartedAt = now, FinishedAt = now }).ConfigureAwait(false);
                return;
            }

            await ExecuteRunAsync(handle).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt of a run, with its timeout; records the outcome and raises the events. A failed attempt with attempts
    /// left is recorded with a retry time: the store makes the retry the job's next due run, so no worker waits for it.
    /// </summary>
    private async ValueTask<RunResult> ExecuteRunAsync(RunHandle handle)
    {
        ClaimedRun run = handle.Run;
        string jobName = run.JobName;
        JobOptions options = run.JobOptions;
        if (BeforeRunStart is { } beforeRunStart)
        {
            await beforeRunStart(handle).ConfigureAwait(false);
        }

        DateTimeOffset startedAt = _time.GetUtcNow();
        if (!handle.TryStart())
        {
            // Cancel, the heartbeat or Stop came after the last look and before this: the run never starts.
            return await NotStartedAsync(handle, startedAt).ConfigureAwait(false);
        }

        // Nothing here formats the job's id, reads the clock again or builds an event unless someone listens: most runs have
        // no listener at all, and each of these is a cost per run.
        using Activity? activity = SchedulerMetrics.ActivitySource.HasListeners()
            ? SchedulerMetrics.ActivitySource.StartActivity("codomyrmex.scheduler.job.run", ActivityKind.Internal)
            : null;
        if (activity is not null)
        {
            activity.SetTag("job.name", jobName);
            activity.SetTag("job.id", run.JobId);
            activity.SetTag("job.attempt", run.Attempt);
            activity.SetTag("job.scheduled_time", run.ScheduledTime.ToString("O", CultureInfo.InvariantCulture));
        }

        bool tracked = _metrics.IsRunTracked;
        if (tracked)
        {
            _metrics.RunStarted(jobName, run.IsManual || run.Attempt > 1 ? TimeSpan.Zero : handle.ToStoreTime(startedAt) - run.ScheduledTime);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.RunStarted(_logger, jobName, run.JobId, run.ScheduledTime, run.Attempt);
        }

        if (JobStarted is { } started)
        {
            Raise(started, nameof(JobStarted), new JobEvent(run.JobId, jobName, run.ScheduledTime, startedAt) { Attempt = run.Attempt });
        }

        object? value = null;
        Exception? failure = null;
        RunOutcome outcome;
        using (var timeout = options.Timeout is { } limit ? new LongTimeout(limit, _time) : null)
        using (var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(handle.Token, timeout.Token))
        {
            try
            {
#pragma warning disable CA2012 // Consumed once: checked for completion (which consumes nothing), then awaited or made a task.
                ValueTask<object?> invocation = InvokeAsync(ResolveHandler(run), handle, linked, startedAt);
                if (invocation.IsCompleted)
                {
                    value = await invocation.ConfigureAwait(false);
                }
                else
                {
                    // Inside its code, waiting for what the job waits for. (A job that returned at once is still settling.) It
                    // settles again the moment its code returns, on the thread that completes it: the await below may resume
                    // on another thread much later (always, under a synchronization context, such as a test's).
                    EndStarting(handle);
                    Task<object?> pending = invocation.AsTask();
                    // A static lambda with its state: a lambda capturing the handle would make the compiler allocate its closure
                    // when the method is entered, on every run, though few runs come here.
                    _ = pending.ContinueWith(
                        static (_, state) =>
                        {
                            (Scheduler scheduler, RunHandle settling) = ((Scheduler, RunHandle))state!;
                            scheduler.BeginSettling(settling);
                        },
                        (this, handle), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    value = await pending.ConfigureAwait(false);
                }
#pragma warning restore CA2012

                outcome = RunOutcome.Succeeded;
                if (timeout?.IsCancellationRequested == true)
                {
                    // It ignored its token and returned after the deadline: still a timeout.
                    failure = new TimeoutException($"Job '{jobName}' timed out after {options.Timeout}.");
                    outcome = RunOutcome.Failed;
                }
            }
#pragma warning disable CA1031 // A job's exception never escapes into the scheduler: it is recorded, logged and counted.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                outcome = RunOutcome.Failed;
                failure = exception;
                if (timeout?.IsCancellationRequested == true && !handle.IsCancellationRequested)
                {
                    failure = new TimeoutException($"Job '{jobName}' timed out after {options.Timeout}.", exception);
                }
                else if (handle.JobCancelled && exception is OperationCanceledException)
                {
                    outcome = RunOutcome.Cancelled;
                }
                else if ((handle.ShutDown || (run.IsManual && handle.CallerCancelled)) && exception is OperationCanceledException)
                {
                    // A RunNow whose caller gave up (a CLI stopped by Ctrl+C) is stopped from outside as a shutdown stops a run.
                    // Stopped by the shutdown, not by a fault of its own: not a failure, and a recoverable job runs the occurrence again.
                    outcome = RunOutcome.Interrupted;
                }
            }
        }

        // Its code has returned, but the store counts it as running until its outcome is written: settling again until then.
        BeginSettling(handle);
        DateTimeOffset finishedAt = _time.GetUtcNow();
        handle.EndBody();
        TimeSpan duration = finishedAt - startedAt;
        string? error = outcome == RunOutcome.Interrupted ? RunRecords.ShutDown(_node) : failure is null ? null : Describe(failure);
        DateTimeOffset? retryAt = null;
        TimeSpan? retryAfter = null;
        if (outcome == RunOutcome.Failed && !run.IsManual && run.Attempt < options.MaxAttempts && !handle.IsCancellationRequested)
        {
            TimeSpan delay = options.GetRetryDelay(run.Attempt + 1, Random.Shared.NextDouble());
            retryAt = LongTime.Add(handle.ToStoreTime(finishedAt), delay);

            // The store times the retry by its own clock from the delay; retryAt is this node's estimate, for the event.
            retryAfter = delay;
            Log.RunRetrying(_logger, jobName, run.JobId, run.Attempt, delay, error!);
        }
        else if (outcome == RunOutcome.Interrupted && options.Recoverable && !run.IsManual)
        {
            // Due again at once: the next start runs it first, marked as a recovery.
            DateTimeOffset storeFinishedAt = handle.ToStoreTime(finishedAt);
            retryAt = run.ScheduledTime < storeFinishedAt ? run.ScheduledTime : storeFinishedAt;
        }

        activity?.SetTag("job.outcome", SchedulerMetrics.OutcomeTag(outcome));
        var completion = new RunEnd(outcome, startedAt, finishedAt, outcome == RunOutcome.Succeeded ? value : null, error, retryAt, retryAfter);
        string? outcomeTag = !tracked ? null : outcome == RunOutcome.Failed && retryAt is not null ? "retrying" : SchedulerMetrics.OutcomeTag(outcome);
        if (!await RecordAsync(handle, completion, outcomeTag, duration).ConfigureAwait(false))
        {
            // Lost to another claim: whatever happened here is not this node's to report (the other claim reports its own).
            activity?.SetTag("job.outcome", "lost");
            return new RunResult(value, outcome == RunOutcome.Succeeded ? null : failure);
        }

        if (outcome == RunOutcome.Succeeded)
        {
            // The common case, with no listener: nothing to build.
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.RunSucceeded(_logger, jobName, run.JobId, duration);
            }

            if (JobSucceeded is { } succeeded)
            {
                Raise(succeeded, nameof(JobSucceeded), EndEvent(run, finishedAt, outcome, duration, value, error, failure));
            }
        }
        else if (outcome == RunOutcome.Cancelled)
        {
            Log.RunCancelled(_logger, jobName, run.JobId);
        }
        else if (outcome == RunOutcome.Interrupted)
        {
            Log.RunStoppedByShutdown(_logger, jobName, run.JobId, retryAt is not null);
            Raise(JobFailed, nameof(JobFailed), EndEvent(run, finishedAt, outcome, duration, value, error, failure) with { RetryAt = retryAt });
        }
        else if (retryAt is null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
            Log.RunFailed(_logger, jobName, run.JobId, run.Attempt, error!, failure);
            Raise(JobFailed, nameof(JobFailed), EndEvent(run, finishedAt, outcome, duration, value, error, failure));
        }
        else
        {
            Raise(JobRetrying, nameof(JobRetrying), EndEvent(run, finishedAt, outcome, duration, value, error, failure) with { RetryAt = retryAt });
        }

        return new RunResult(value, outcome == RunOutcome.Succeeded ? null : failure);
    }

    /// <summary>The event of a run that ended and was recorded.</summary>
    private static JobEvent EndEvent(ClaimedRun run, DateTimeOffset finishedAt, RunOutcome outcome, TimeSpan duration, object? value, string? error,
        Exception? failure) => new(run.JobId, run.JobName, run.ScheduledTime, finishedAt)
        {
            Attempt = run.Attempt,
            Outcome = outcome,
            Duration = duration,
            Result = outcome == RunOutcome.Succeeded ? value : null,
            Error = error,
            Exception = failure,
        };

    /// <summary>How long to wait before each new try to record an outcome the store refused (a busy or briefly unreachable database).</summary>
    private static readonly TimeSpan[] RecordRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Writes the outcome to the store, trying again a few times if the store fails; the run leaves the active set and stops
    /// settling only after that (and after its metric), so <see cref="WhenIdleAsync"/> and <see cref="WhenQuietAsync"/> see it
    /// recorded. If every try fails the exception propagates, and the run stays claimed in the store until its lease is recovered.
    /// </summary>
    /// <param name="handle">The run.</param>
    /// <param name="completion">Its outcome.</param>
    /// <param name="outcomeTag">The metric's outcome for a run that started while the run metrics had a listener, or <see langword="null"/> (one that never started, or no listener then).</param>
    /// <param name="duration">How long it ran.</param>
    /// <returns>
    /// <see langword="false"/> if the run was lost: the store gave it to another claim (this node's lease lapsed), so its
    /// outcome is not recorded, and is not this node's to report.
    /// </returns>
    private Task<bool> RecordAsync(RunHandle handle, RunCompletion completion, string? outcomeTag = null, TimeSpan duration = default) =>
        RecordAsync(handle, new RunEnd(completion.Outcome, completion.StartedAt, completion.FinishedAt, completion.Result, completion.Error,
            completion.RetryAt, completion.RetryAfter), outcomeTag, duration);

    /// <inheritdoc cref="RecordAsync(RunHandle, RunCompletion, string?, TimeSpan)"/>
    private async Task<bool> RecordAsync(RunHandle handle, RunEnd completion, string? outcomeTag = null, TimeSpan duration = default)
    {
        ClaimedRun run = handle.Run;
        bool lost = handle.Lost;
        try
        {
            // A run the heartbeat reported lost is not written at all: the store would refuse it (fenced) anyway.
            lost = lost || await WriteAsync(handle, completion).ConfigureAwait(false) == RunCompletionStatus.Fenced;
            if (lost)
            {
                Log.RunLost(_logger, run.RunId, run.JobName, run.JobId);
            }

            return !lost;
        }
        finally
        {
            if (outcomeTag is not null)
            {
                _metrics.RunEnded(run.JobName, lost ? SchedulerMetrics.LostTag : outcomeTag, duration);
            }

            _activeRuns.Remove(handle);
            if (handle.Settled())
            {
                Interlocked.Decrement(ref _startingRuns);
            }

            SignalChange(wakeDispatcher: false);
        }
    }

    private async ValueTask<RunCompletionStatus> WriteAsync(RunHandle handle, RunEnd end)
    {
        ClaimedRun run = handle.Run;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                // The default store's fast path: the same write, without a RunCompletion or a Job snapshot nobody reads.
                return _store is InMemoryJobStore memory
                    ? memory.CompleteRun(run, end.Outcome, end.StartedAt, end.FinishedAt, end.Result, end.Error, end.RetryAt, end.RetryAfter, snapshot: false, out _)
                    : (await _store.CompleteRunAsync(new RunCompletion
                    {
                        Run = run,
                        Outcome = end.Outcome,
                        StartedAt = end.StartedAt,
                        FinishedAt = end.FinishedAt,
                        Result = end.Result,
                        Error = end.Error,
                        RetryAt = end.RetryAt,
                        RetryAfter = end.RetryAfter,
                    }).ConfigureAwait(false)).Status;
            }
            catch (Exception exception) when (attempt < RecordRetryDelays.Length && exception is not ObjectDisposedException)
            {
                Log.RecordRetrying(_logger, run.JobName, run.JobId, attempt + 1, RecordRetryDelays[attempt], exception);

                // Backing off is waiting for the clock, not settling: one that waits for quiet moves the clock that ends it.
                EndStarting(handle);
                await Task.Delay(RecordRetryDelays[attempt], _time).ConfigureAwait(false);
                BeginSettling(handle);
            }
        }
    }

    /// <summary>Records runs whose node vanished (their lease expired), and reports them: failures, unless they will run again.</summary>
    private async Task RecoverLostRunsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ClaimedRun> lost = await _store.RecoverExpiredAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset storeNow = _store.TimeProvider.GetUtcNow();
        foreach (ClaimedRun run in lost)
        {
            Job job = run.Job;
            Log.RunInterrupted(_logger, run.RunId, job.Name, job.Id, run.NodeName);
            _metrics.RunRecovered(job.Name, SchedulerMetrics.OutcomeTag(RunOutcome.Interrupted), storeNow - run.ClaimedAt);
            if (!job.Options.Recoverable)
            {
                Raise(JobFailed, nameof(JobFailed), new JobEvent(job.Id, job.Name, run.ScheduledTime, now)
                {
                    Attempt = run.Attempt,
                    Outcome = RunOutcome.Interrupted,
                    Duration = storeNow - run.ClaimedAt,
                    Error = RunRecords.LeaseExpired(run, run.LeaseUntil),
                });
            }
        }

        if (lost.Count > 0)
        {
            SignalChange();
        }
    }

    /// <summary>How often retention runs (<see cref="IJobStore.PurgeExpiredAsync"/>).</summary>
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    /// <summary>The most retention batches one maintenance deletes; the rest waits for the next.</summary>
    private const int MaxPurgeBatches = 100;

    /// <summary>The maintenance: retention, then the jobs-by-status gauge's count (a store other than the in-memory one is counted here, off the metrics thread).</summary>
    private async Task MaintainAsync()
    {
        await PurgeAsync().ConfigureAwait(false);
        if (_store is not InMemoryJobStore)
        {
            await RefreshJobCountsAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes what retention says has expired, a bounded batch per call, calling again while a call deleted anything, up to
    /// a bound per maintenance so that a store with a huge backlog is caught up over several maintenances.
    /// </summary>
    private async Task PurgeAsync()
    {
        int jobs = 0, runs = 0;
        for (int batch = 0; batch < MaxPurgeBatches; batch++)
        {
            RetentionResult result = await _store.PurgeExpiredAsync().ConfigureAwait(false);
            jobs += result.JobsDeleted;
            runs += result.RunsDeleted;
            if (result.JobsDeleted == 0 && result.RunsDeleted == 0)
            {
                break;
            }
        }

        if (jobs > 0 || runs > 0)
        {
            Log.Purged(_logger, jobs, runs);
        }
    }

    /// <summary>A claim for this node: the runs it holds are leased for <see cref="SchedulerOptions.LeaseDuration"/> by the store's clock.</summary>
    private ClaimRequest ClaimRequestFor(int maxRuns) =>
        new() { Node = _identity, MaxRuns = maxRuns, LeaseDuration = _options.LeaseDuration };

    /// <summary>Counts, logs and raises a skipped occurrence.</summary>
    /// <param name="skipped">The occurrence.</param>
    /// <param name="now">When it was skipped.</param>
    /// <param name="claimedWith">The runs claimed in the same claim, if any: an overlap with one of them is an overlap here even once that run has ended.</param>
    private void OnSkipped(SkippedOccurrence skipped, DateTimeOffset now, IReadOnlyList<ClaimedRun>? claimedWith = null)
    {
        _metrics.Skipped(skipped.JobName, skipped.Reason);
        Log.OccurrenceSkipped(_logger, skipped.JobName, skipped.JobId, skipped.ScheduledTime, skipped.Reason);
        Raise(JobSkipped, nameof(JobSkipped), new JobEvent(skipped.JobId, skipped.JobName, skipped.ScheduledTime, now)
        {
            SkipReason = skipped.Reason,
            // Every held run is read (a copy of the set): for skips, not a hot path.
            OverlapsRunHere = skipped.Reason == SkipReason.Overlap
                && (_activeRuns.Values.Any(run => run.JobId == skipped.JobId) || (claimedWith?.Any(run => run.JobId == skipped.JobId) ?? false)),
        });
    }

    /// <summary>A run's error text, as <see cref="Job.Error"/> shows it: <c>Type: message</c>.</summary>
    private static string Describe(Exception exception)
    {
        string message;
        try
        {
            message = exception.Message;
        }
#pragma warning disable CA1031 // A job's exception whose Message throws must not keep its run from being recorded.
        catch (Exception)
#pragma warning restore CA1031
        {
            message = "(its Message threw)";
        }

        return $"{exception.GetType().Name}: {message}";
    }

    /// <summary>Calls a job's delegate in whichever of the supported shapes it has.</summary>
    /// <remarks>
    /// The token (and with it the run's cancellation source) and the <see cref="JobContext"/> are made only for the shapes
    /// that take them: most jobs take neither, and each is an allocation per run.
    /// </remarks>
    private async ValueTask<object?> InvokeAsync(Delegate func, RunHandle handle, CancellationTokenSource? linked, DateTimeOffset startedAt)
    {
        switch (func)
        {
            case Action action:
                action();
                return null;
            case Func<Task> asyncAction:
                // Before Func<object?>: by covariance a Func<Task> is also a Func<object?>.
                await asyncAction().ConfigureAwait(false);
                return null;
            case Func<object?> function:
                return function();
            case Func<CancellationToken, Task> cancellable:
                await cancellable(linked?.Token ?? handle.Token).ConfigureAwait(false);
                return null;
            case Func<JobContext, CancellationToken, Task<object?>> contextual:
                return await contextual(new JobContext(handle.Run, startedAt, _time), linked?.Token ?? handle.Token).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Job '{handle.Run.JobName}' has a delegate of an unsupported shape: {func.GetType()}.");
        }
    }

    private readonly record struct RunResult(object? Value, Exception? Exception);

    /// <summary>How a run ended, before it is written: the fields of a <see cref="RunCompletion"/>, which only a store other than the in-memory one gets.</summary>
    private readonly record struct RunEnd(RunOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, object? Result, string? Error,
        DateTimeOffset? RetryAt, TimeSpan? RetryAfter);
}
