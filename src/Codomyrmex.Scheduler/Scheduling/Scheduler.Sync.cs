using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>The spec's blocking lifecycle, with its asynchronous counterparts.</summary>
public sealed partial class Scheduler
{
    /// <summary>Starts firing jobs, as the spec's <c>start()</c>. Starting a started scheduler does nothing.</summary>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public void Start() => StartAsync().GetAwaiter().GetResult();

    /// <summary>Starts firing jobs. Starting a started scheduler does nothing; a stopped one starts again.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>A task that completes when the dispatcher runs.</returns>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>
    /// First, runs whose node vanished (on a durable store: runs that were in progress when a previous process died) are
    /// recorded as <see cref="RunOutcome.Interrupted"/>; those of <see cref="JobOptions.Recoverable"/> jobs run again.
    /// Occurrences missed while nothing ran follow each job's misfire policy. A store may refuse to start (for example a
    /// SQLite file that another live process is running); its exception comes out of this method.
    /// </remarks>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_dispatcher is null)
            {
                // Runs lost while no scheduler watched (a crash, a killed process) are recorded before anything new fires.
                await RecoverLostRunsAsync(cancellationToken).ConfigureAwait(false);
                await HeartbeatAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _dispatcher, new Dispatcher(this));
                Log.Started(_logger, _node, _options.MaxWorkers);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>How long <see cref="StopAsync"/> waits, after cancelling the tokens of jobs that outlived the shutdown timeout, for them to end.</summary>
    private static readonly TimeSpan RecordGrace = TimeSpan.FromSeconds(5);

    /// <summary>Stops firing jobs and waits for running ones, as the spec's <c>stop()</c>.</summary>
    /// <remarks>See <see cref="StopAsync"/>.</remarks>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Stops firing jobs at once, waits for running jobs up to <see cref="SchedulerOptions.ShutdownTimeout"/>, then cancels their tokens.</summary>
    /// <param name="cancellationToken">Stops waiting for running jobs early (their tokens are then cancelled).</param>
    /// <returns>A task that completes when the scheduler has stopped.</returns>
    /// <remarks>
    /// Runs that were claimed but had not started are recorded as skipped. A run that ends because its token was cancelled
    /// here is recorded as <see cref="RunOutcome.Interrupted"/> (interrupted by the shutdown, not a failure of its own:
    /// <see cref="Job.FailureCount"/> leaves it out, though a job with nothing left to run ends <see cref="JobStatus.Failed"/>), and
    /// a <see cref="JobOptions.Recoverable"/> job runs that occurrence again at the next start. After cancelling the tokens it waits up to five
    /// seconds more for the jobs to end and their outcomes to be recorded. A job that ignores its token may still be
    /// running when this returns; its outcome is recorded when it ends. Stopping a stopped scheduler does nothing, and
    /// <see cref="Start"/> starts it again. Called from inside a job, it waits for that job too, so it returns only after
    /// the shutdown timeout: prefer stopping from outside.
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            Dispatcher? dispatcher = _dispatcher;
            if (dispatcher is null)
            {
                return;
            }

            Volatile.Write(ref _dispatcher, null);
            await dispatcher.StopAsync().ConfigureAwait(false);
            Log.Stopping(_logger, _node, _options.ShutdownTimeout, _activeRuns.Count);
            Task workers = dispatcher.WorkersAsync();
            using var shutdownWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task timeout = LongTime.DelayAsync(_options.ShutdownTimeout, _time, shutdownWait.Token);
            if (await Task.WhenAny(workers, timeout).ConfigureAwait(false) != workers)
            {
                Log.ShutdownTimedOut(_logger, _activeRuns.Count);
                dispatcher.CancelRuns();

                // Jobs that honour their token end now: give them a moment to record how they ended, so that a durable
                // store does not find them lost (interrupted) at the next start.
                // Not the caller's token: a host whose own shutdown timeout cancelled it still wants the outcomes recorded.
                using var recordWait = new CancellationTokenSource();
                await Task.WhenAny(workers, Task.Delay(RecordGrace, _time, recordWait.Token)).ConfigureAwait(false);
                await recordWait.CancelAsync().ConfigureAwait(false);
            }

            await shutdownWait.CancelAsync().ConfigureAwait(false);
            dispatcher.Dispose();
            Volatile.Write(ref _dispatchError, null);
            SignalChange(wakeDispatcher: false);
            await LeaveAsync().ConfigureAwait(false);
            Log.Stopped(_logger, _node);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Runs a job now, on the calling thread, as the spec's <c>run_now(job_id)</c>.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns>The job's result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="ArgumentException">There is no job with that id.</exception>
    /// <exception cref="InvalidOperationException">The job is cancelled, or has used up its <see cref="Job.MaxRuns"/>.</exception>
    /// <remarks>See <see cref="RunNowAsync"/>. The job's own exception is rethrown if it fails.</remarks>
    public object? RunNow(string id) => RunNowAsync(id).GetAwaiter().GetResult();

    /// <summary>Stops the scheduler (as <see cref="Stop"/>) and releases it.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Tells the store this node has stopped, so that it is no longer listed as alive; a store that fails here is logged, not thrown.</summary>
    private async Task LeaveAsync()
    {
        try
        {
            await _store.LeaveAsync(_identity.InstanceId).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Stopping must not fail because a store cannot be written: the node's heartbeat simply runs out.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.DispatcherFailed(_logger, exception);
        }
    }
}
