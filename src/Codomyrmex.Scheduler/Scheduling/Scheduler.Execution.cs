using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

public sealed partial class Scheduler
{
    /// <summary>Runs a job now, on the caller, as the spec's <c>run_now(job_id)</c>.</summary>
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
        ClaimedRun run = await _store.ClaimNowAsync(id, now, _node, LongTime.Add(now, _options.LeaseDuration), cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"Unknown job id: '{id}'.", nameof(id));
        using var handle = new RunHandle(run, now, cancellationToken);
        _activeRuns[run.RunId] = handle;

        // A Cancel that came between the claim and the registration may not have seen this run: look again.
        if (Interlocked.Read(ref _cancelEpoch) != cancels && (await _store.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Status == JobStatus.Cancelled)
        {
            handle.CancelJob();
        }

        RunResult result = await ExecuteRunAsync(handle).ConfigureAwait(false);
        if (result.Exception is { } exception)
        {
            ExceptionDispatchInfo.Throw(exception);
        }

        return result.Value;
    }

    /// <summary>Runs a claimed run from the queue: skipped if the scheduler is stopping or the occurrence misfired under Skip.</summary>
    private async Task ExecuteAsync(RunHandle handle, Dispatcher dispatcher)
    {
        using (handle)
        {
            ClaimedRun run = handle.Run;
            DateTimeOffset now = _time.GetUtcNow();
            JobOptions options = run.Job.Options;
            if (dispatcher.IsStopping)
            {
                // Claimed but not started when Stop came: it does not run.
                await RecordAsync(new RunCompletion(run, RunOutcome.Skipped, now, now)).ConfigureAwait(false);
                return;
            }

            if (handle.JobCancelled)
            {
                await RecordAsync(new RunCompletion(run, RunOutcome.Cancelled, now, now)).ConfigureAwait(false);
                return;
            }

            if (options.Misfire == MisfirePolicy.Skip && run.Attempt == 1 && handle.ToStoreTime(now) - run.ScheduledTime > options.MisfireGraceTime)
            {
                // It waited for a worker longer than the grace time. (A retry is late by design: it is never skipped.)
                OnSkipped(new SkippedOccurrence(run.Job.Id, run.Job.Name, run.ScheduledTime, SkipReason.Misfire), now);
                await RecordAsync(new RunCompletion(run, RunOutcome.Skipped, now, now)).ConfigureAwait(false);
                return;
            }

            await ExecuteRunAsync(handle).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt of a run, with its timeout; records the outcome and raises the events. A failed attempt with attempts
    /// left is recorded with a retry time: the store makes the retry the job's next due run, so no worker waits for it.
    /// </summary>
    private async Task<RunResult> ExecuteRunAsync(RunHandle handle)
    {
        ClaimedRun run = handle.Run;
        Job job = run.Job;
        JobOptions options = job.Options;
        DateTimeOffset startedAt = _time.GetUtcNow();
        using Activity? activity = SchedulerMetrics.ActivitySource.StartActivity("codomyrmex.scheduler.job.run", ActivityKind.Internal);
        activity?.SetTag("job.name", job.Name);
        activity?.SetTag("job.id", job.Id);
        activity?.SetTag("job.attempt", run.Attempt);
        activity?.SetTag("job.scheduled_time", run.ScheduledTime.ToString("O", CultureInfo.InvariantCulture));
        _metrics.RunStarted(job.Name, run.IsManual || run.Attempt > 1 ? TimeSpan.Zero : handle.ToStoreTime(startedAt) - run.ScheduledTime);
        Log.RunStarted(_logger, job.Name, job.Id, run.ScheduledTime, run.Attempt);
        Raise(JobStarted, nameof(JobStarted), new JobEvent(job.Id, job.Name, run.ScheduledTime, startedAt) { Attempt = run.Attempt });

        object? value = null;
        Exception? failure = null;
        RunOutcome outcome;
        using (var timeout = options.Timeout is { } limit ? new LongTimeout(limit, _time) : null)
        using (var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(handle.Token, timeout.Token))
        {
            try
            {
                value = await InvokeAsync(ResolveHandler(job), new JobContext(run, startedAt, _time), linked?.Token ?? handle.Token)
                    .ConfigureAwait(false);
                outcome = RunOutcome.Succeeded;
                if (timeout?.IsCancellationRequested == true)
                {
                    // It ignored its token and returned after the deadline: still a timeout.
                    failure = new TimeoutException($"Job '{job.Name}' timed out after {options.Timeout}.");
                    outcome = RunOutcome.Failed;
                }
            }
#pragma warning disable CA1031 // A job's exception never escapes into the scheduler: it is recorded, logged and counted.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                outcome = RunOutcome.Failed;
                failure = exception;
                if (timeout?.IsCancellationRequested == true && !handle.Token.IsCancellationRequested)
                {
                    failure = new TimeoutException($"Job '{job.Name}' timed out after {options.Timeout}.", exception);
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

        DateTimeOffset finishedAt = _time.GetUtcNow();
        TimeSpan duration = finishedAt - startedAt;
        string? error = outcome == RunOutcome.Interrupted ? RunRecords.ShutDown(_node) : failure is null ? null : Describe(failure);
        DateTimeOffset? retryAt = null;
        if (outcome == RunOutcome.Failed && !run.IsManual && run.Attempt < options.MaxAttempts && !handle.Token.IsCancellationRequested)
        {
            TimeSpan delay = options.GetRetryDelay(run.Attempt + 1, Random.Shared.NextDouble());
            retryAt = LongTime.Add(handle.ToStoreTime(finishedAt), delay);
            Log.RunRetrying(_logger, job.Name, job.Id, run.Attempt, delay, error!);
        }
        else if (outcome == RunOutcome.Interrupted && options.Recoverable && !run.IsManual)
        {
            // Due again at once: the next start runs it first, marked as a recovery.
            DateTimeOffset storeFinishedAt = handle.ToStoreTime(finishedAt);
            retryAt = run.ScheduledTime < storeFinishedAt ? run.ScheduledTime : storeFinishedAt;
        }

        _metrics.RunEnded(job.Name, outcome == RunOutcome.Failed && retryAt is not null ? "retrying" : SchedulerMetrics.OutcomeTag(outcome), duration);
        activity?.SetTag("job.outcome", SchedulerMetrics.OutcomeTag(outcome));
        await RecordAsync(new RunCompletion(run, outcome, startedAt, finishedAt, outcome == RunOutcome.Succeeded ? value : null, error, retryAt))
            .ConfigureAwait(false);
        var args = new JobEvent(job.Id, job.Name, run.ScheduledTime, finishedAt)
        {
            Attempt = run.Attempt,
            Outcome = outcome,
            Duration = duration,
            Result = outcome == RunOutcome.Succeeded ? value : null,
            Error = error,
            Exception = failure,
        };
        if (outcome == RunOutcome.Succeeded)
        {
            Log.RunSucceeded(_logger, job.Name, job.Id, duration);
            Raise(JobSucceeded, nameof(JobSucceeded), args);
        }
        else if (outcome == RunOutcome.Cancelled)
        {
            Log.RunCancelled(_logger, job.Name, job.Id);
        }
        else if (outcome == RunOutcome.Interrupted)
        {
            Log.RunStoppedByShutdown(_logger, job.Name, job.Id, retryAt is not null);
            Raise(JobFailed, nameof(JobFailed), args with { RetryAt = retryAt });
        }
        else if (retryAt is null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
            Log.RunFailed(_logger, job.Name, job.Id, run.Attempt, error!, failure);
            Raise(JobFailed, nameof(JobFailed), args);
        }
        else
        {
            Raise(JobRetrying, nameof(JobRetrying), args with { RetryAt = retryAt });
        }

        return new RunResult(value, outcome == RunOutcome.Succeeded ? null : failure);
    }

    /// <summary>How long to wait before each new try to record an outcome the store refused (a busy or briefly unreachable database).</summary>
    private static readonly TimeSpan[] RecordRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Writes the outcome to the store, trying again a few times if the store fails; the run leaves the active set only after
    /// that, so <see cref="WhenIdleAsync"/> sees it recorded. If every try fails the exception propagates, and the run stays
    /// claimed in the store until its lease is recovered.
    /// </summary>
    private async Task RecordAsync(RunCompletion completion)
    {
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    if (_store is InMemoryJobStore memory)
                    {
                        // The default store's fast path: the same write, without a Job snapshot nobody reads.
                        memory.CompleteRun(completion, snapshot: false, out _);
                    }
                    else
                    {
                        await _store.CompleteRunAsync(completion).ConfigureAwait(false);
                    }

                    return;
                }
                catch (Exception exception) when (attempt < RecordRetryDelays.Length && exception is not ObjectDisposedException)
                {
                    Log.RecordRetrying(_logger, completion.Run.Job.Name, completion.Run.Job.Id, attempt + 1, RecordRetryDelays[attempt], exception);
                    await Task.Delay(RecordRetryDelays[attempt], _time).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _activeRuns.TryRemove(completion.Run.RunId, out _);
            SignalChange(wakeDispatcher: false);
        }
    }

    /// <summary>Records runs whose node vanished (their lease expired), and reports them: failures, unless they will run again.</summary>
    private async Task RecoverLostRunsAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        IReadOnlyList<ClaimedRun> lost = await _store.RecoverExpiredAsync(now, cancellationToken).ConfigureAwait(false);
        foreach (ClaimedRun run in lost)
        {
            Job job = run.Job;
            Log.RunInterrupted(_logger, run.RunId, job.Name, job.Id, run.Node);
            _metrics.RunEnded(job.Name, SchedulerMetrics.OutcomeTag(RunOutcome.Interrupted), now - run.ClaimedAt);
            if (!job.Options.Recoverable)
            {
                Raise(JobFailed, nameof(JobFailed), new JobEvent(job.Id, job.Name, run.ScheduledTime, now)
                {
                    Attempt = run.Attempt,
                    Outcome = RunOutcome.Interrupted,
                    Duration = now - run.ClaimedAt,
                    Error = RunRecords.LeaseExpired(run),
                });
            }
        }

        if (lost.Count > 0)
        {
            SignalChange();
        }
    }

    /// <summary>Keeps this node's runs leased and picks up runs that other nodes lost.</summary>
    private async Task MaintainLeasesAsync()
    {
        if (!_activeRuns.IsEmpty)
        {
            DateTimeOffset now = _time.GetUtcNow();
            await _store.RenewLeasesAsync(_node, LongTime.Add(now, _options.LeaseDuration)).ConfigureAwait(false);
        }

        await RecoverLostRunsAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void OnSkipped(SkippedOccurrence skipped, DateTimeOffset now)
    {
        _metrics.Skipped(skipped.JobName, skipped.Reason);
        Log.OccurrenceSkipped(_logger, skipped.JobName, skipped.JobId, skipped.ScheduledTime, skipped.Reason);
        Raise(JobSkipped, nameof(JobSkipped), new JobEvent(skipped.JobId, skipped.JobName, skipped.ScheduledTime, now) { SkipReason = skipped.Reason });
    }

    /// <summary>The spec's error text: <c>Type: message</c>.</summary>
    private static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";

    /// <summary>Calls a job's delegate in whichever of the supported shapes it has.</summary>
    private static async Task<object?> InvokeAsync(Delegate func, JobContext context, CancellationToken token)
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
                await cancellable(token).ConfigureAwait(false);
                return null;
            case Func<JobContext, CancellationToken, Task<object?>> contextual:
                return await contextual(context, token).ConfigureAwait(false);
            default:
                throw new InvalidOperationException($"Job '{context.JobName}' has a delegate of an unsupported shape: {func.GetType()}.");
        }
    }

    private readonly record struct RunResult(object? Value, Exception? Exception);
}
