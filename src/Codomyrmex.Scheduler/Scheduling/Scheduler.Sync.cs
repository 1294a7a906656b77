using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

#pragma warning disable RS0026 // Named optional arguments: one overload per delegate shape, each with the same optional parameters.

/// <summary>
/// The blocking methods, with the asynchronous lifecycle. Each blocking method is a thin edge over its asynchronous
/// counterpart; with the in-memory store (which completes synchronously) it never blocks.
/// </summary>
public sealed partial class Scheduler
{
    /// <summary>Schedules a job.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies; <see langword="null"/> for <see cref="JobOptions.Default"/>.</param>
    /// <returns>The job's id: unique and URL-safe.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// The trigger can never fire (for example <c>0 0 30 2 *</c>), the options are not valid, or the store is durable and
    /// cannot keep a delegate.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule(Action func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules a job whose result becomes <see cref="Job.Result"/>.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule(Func<object?> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules an asynchronous job.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule(Func<Task> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules an asynchronous job that observes cancellation (job cancelled, timeout, shutdown).</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule(Func<CancellationToken, Task> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules an asynchronous job that reads its <see cref="JobContext"/> and returns a result.</summary>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule(Func<JobContext, CancellationToken, Task<object?>> func, string? name = null, Trigger? trigger = null,
        IEnumerable<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules an asynchronous job with a typed result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule<T>(Func<CancellationToken, Task<T>> func, string? name = null, Trigger? trigger = null,
        IEnumerable<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync<T>(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules a job whose typed result becomes <see cref="Job.Result"/>; lets a method group such as <c>ComputeTotal</c> be passed directly.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="func">What the job runs.</param>
    /// <param name="name">A human-readable name; by default the method's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments, passed in <see cref="JobContext.Args"/>.</param>
    /// <param name="kwargs">Keyword arguments, passed in <see cref="JobContext.Kwargs"/>.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry and timeout policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="func"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">The trigger can never fire, the options are not valid, or the store is durable.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    public string Schedule<T>(Func<T> func, string? name = null, Trigger? trigger = null, IEnumerable<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync<T>(func, name, trigger, args, kwargs, maxRuns, options));

    /// <summary>Schedules a registered task, as a job a durable store can keep.</summary>
    /// <param name="task">The registered task's name.</param>
    /// <param name="trigger">When the job runs; <see langword="null"/> runs it once, as soon as possible.</param>
    /// <param name="args">Positional arguments as JSON, passed in <see cref="JobContext.Args"/> (each a <see cref="JsonNode"/>).</param>
    /// <param name="kwargs">Keyword arguments as JSON, passed in <see cref="JobContext.Kwargs"/> (each a <see cref="JsonNode"/>).</param>
    /// <param name="name">A human-readable name; by default the task's name.</param>
    /// <param name="maxRuns">The most runs, failed ones included; <see langword="null"/> for no limit.</param>
    /// <param name="options">Overlap, misfire, retry, timeout and recovery policies.</param>
    /// <returns>The job's id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRuns"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// No task has that name, the trigger can never fire, the options are not valid, or the arguments nest arrays and
    /// objects more than 64 levels deep (deeper than a store can read back).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>The arguments are copied: changing the nodes afterwards does not change the job.</remarks>
    public string Schedule(string task, Trigger? trigger = null, JsonArray? args = null, JsonObject? kwargs = null, string? name = null,
        int? maxRuns = null, JobOptions? options = null) =>
        Complete(ScheduleAsync(task, trigger, args, kwargs, name, maxRuns, options));

    /// <summary>Schedules many jobs of registered tasks in one call: all of them, or none if one is not valid.</summary>
    /// <param name="definitions">The jobs: each names a registered task.</param>
    /// <returns>The jobs' ids, in the order of <paramref name="definitions"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="definitions"/> or one of them is null.</exception>
    /// <exception cref="ArgumentException">A definition is not valid; the message lists every problem, and no job is added.</exception>
    /// <exception cref="ObjectDisposedException">The scheduler is disposed.</exception>
    /// <remarks>See <see cref="ScheduleManyAsync"/>.</remarks>
    public IReadOnlyList<string> ScheduleMany(IEnumerable<JobDefinition> definitions) => Complete(ScheduleManyAsync(definitions));

    /// <summary>Cancels a job: a pending job never runs again, and a running one has its token cancelled.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns><see langword="true"/> if the job exists (also when it was already cancelled); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>See <see cref="CancelAsync"/>: a run that has not started when this returns never starts.</remarks>
    public bool Cancel(string id) => Complete(CancelAsync(id));

    /// <summary>Gets a snapshot of a job.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns>The job, or <see langword="null"/> if there is none with that id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    public Job? GetJob(string id) => Complete(GetJobAsync(id));

    /// <summary>Lists jobs in the order they were scheduled, optionally only those of one status.</summary>
    /// <param name="status">Only jobs with this status, or <see langword="null"/> for all.</param>
    /// <returns>Snapshots of the jobs.</returns>
    public IReadOnlyList<Job> ListJobs(JobStatus? status = null) => Complete(ListJobsAsync(new JobQuery { Status = status })).Items;

    /// <summary>Pauses a job: it keeps its schedule and fires nothing until <see cref="Resume"/>.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns><see langword="true"/> if the job exists (also when it was already paused, or is finished); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>See <see cref="PauseAsync"/>.</remarks>
    public bool Pause(string id) => Complete(PauseAsync(id));

    /// <summary>Resumes a paused job.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns><see langword="true"/> if the job exists (also when it was not paused); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>See <see cref="ResumeAsync"/>.</remarks>
    public bool Resume(string id) => Complete(ResumeAsync(id));

    /// <summary>Deletes a job and its run history.</summary>
    /// <param name="id">The job's id.</param>
    /// <returns><see langword="true"/> if the job was deleted; <see langword="false"/> if there is none with that id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A run of the job is in progress.</exception>
    /// <remarks>See <see cref="DeleteAsync"/>.</remarks>
    public bool Delete(string id) => Complete(DeleteAsync(id));

    /// <summary>Starts firing jobs. Starting a started scheduler does nothing.</summary>
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
                ArmHeartbeat();
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

    /// <summary>
    /// The least time <see cref="StopAsync"/> gives the store to take back the runs it claimed and did not start, however short the
    /// shutdown timeout (the caller's token still ends it at once).
    /// </summary>
    /// <remarks>
    /// A give-back is one write that waits for no job: milliseconds on a healthy SQLite file or PostgreSQL server. Two seconds
    /// cover that write queued behind a few others, a flush to a slow disk or a round trip over a slow network, and keep a stop
    /// asked to be immediate well inside the few seconds a supervisor allows before it kills the process. Past it the runs are
    /// left to their leases, as when the store cannot be reached.
    /// </remarks>
    internal static readonly TimeSpan GiveBackFloor = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most time <see cref="StopAsync"/> gives the store to take the node off its node list, the stop's last store call (the
    /// caller's token ends it sooner, unless it was cancelled before that call began), and the most <see cref="DisposeAsync"/>
    /// waits for a heartbeat's store call it cancelled. One short write, as the give-back is; a node that could not leave
    /// drops off the list when its heartbeat runs out.
    /// </summary>
    internal static readonly TimeSpan LastCallsTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Stops firing jobs and waits for running ones.</summary>
    /// <remarks>See <see cref="StopAsync"/>.</remarks>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Stops firing jobs at once, waits for running jobs up to <see cref="SchedulerOptions.ShutdownTimeout"/>, then cancels their tokens.</summary>
    /// <param name="cancellationToken">
    /// Stops waiting early: for running jobs (their tokens are then cancelled), for the store to take back the runs that did not
    /// start, for the heartbeat's store calls in flight, and (if not cancelled before then) for the store to take this node off
    /// its node list, which gets two seconds at most.
    /// </param>
    /// <returns>A task that completes when the scheduler has stopped.</returns>
    /// <remarks>
    /// Runs that were claimed but had not started did not fire: they are given back to the store unstarted
    /// (<see cref="Storage.IJobStore.ReleaseRunsAsync"/>, one call for the runs still queued), with nothing counted or recorded, so their
    /// occurrences are due again at their scheduled times and run at the next start (by the misfire policy if late by then); a
    /// cancelled job's run is recorded as cancelled. The give-back counts in the shutdown wait, but gets at least two seconds however
    /// short <see cref="SchedulerOptions.ShutdownTimeout"/> is (zero included): it is one short store call that waits for no job, and
    /// without that floor an immediate stop would leave a durable store no time to take the runs back. (The running jobs' tokens
    /// are still cancelled when the timeout ends, while the give-back goes on; Stop returns once both are over.) If the store cannot take
    /// them back before the longer of the two ends it (or <paramref name="cancellationToken"/> does, at once), they stay claimed until
    /// their leases lapse, and are then recovered as interrupted (a recoverable job runs them again). The runs given back are
    /// logged once, as the stop ends (workers that find their runs stopped give them back one by one; one whose give-back ends
    /// after Stop has returned logs its own line). A run that ends because its
    /// token was cancelled here is recorded as <see cref="RunOutcome.Interrupted"/> (interrupted by the shutdown, not a failure of
    /// its own: <see cref="Job.FailureCount"/> leaves it out, though a job with nothing left to run ends <see cref="JobStatus.Failed"/>),
    /// and a <see cref="JobOptions.Recoverable"/> job runs that occurrence again at the next start. After cancelling the tokens it
    /// waits up to five seconds more for the jobs to end and their outcomes to be recorded. The heartbeat's store calls in flight
    /// (a lease renewal, a look for lost runs) are awaited too, and cancelled when the timeout or
    /// <paramref name="cancellationToken"/> ends, so a store that stops answering holds the stop no longer (the beats after
    /// that renew as before); the store's removal of this node from its node list, the stop's last call, gets two seconds at
    /// most. A job that ignores its token may still be running when this returns; its outcome is recorded when it ends. Stopping a stopped scheduler does nothing, and
    /// <see cref="Start"/> starts it again. Called from inside a job, it waits for that job too, so it returns only after
    /// the shutdown timeout: prefer stopping from outside.
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        bool counting = false;
        try
        {
            Dispatcher? dispatcher = _dispatcher;
            if (dispatcher is null)
            {
                return;
            }

            Volatile.Write(ref _dispatcher, null);
            BeginGiveBackCount();
            counting = true;

            // One deadline for the whole stop, counted from this call as a host counts its own shutdown timeout: it ends the
            // give-back of the queued runs and the wait for the running jobs, and the caller's token ends both at once. It starts
            // before the give-back and the beat in flight are awaited, and rightly: the jobs keep running meanwhile, so a slow
            // store takes none of their grace, and its time is not added to the grace either.
            TimeSpan limit = _options.ShutdownTimeout;
            using var limitTimer = new LongTimeout(limit, _time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limitTimer.Token);

            // Except that the give-back, one short store call that waits for no job, is never given less than GiveBackFloor (a
            // timeout of zero would leave a durable store no time at all, and the runs would be recovered as interrupted).
            using var floorTimer = limit < GiveBackFloor ? new LongTimeout(GiveBackFloor, _time) : null;
            using var floor = floorTimer is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, floorTimer.Token);

            // The running jobs' tokens are cancelled when the deadline passes, even while the give-back (given its floor) or the
            // beat in flight is still awaited: a stop with no time for its jobs stops them at once, whatever the store is doing.
            CancellationTokenRegistration cancelAtDeadline = deadline.Token.UnsafeRegister(static state => ((Dispatcher)state!).CancelRuns(), dispatcher);
            await dispatcher.StopAsync(floor?.Token ?? deadline.Token).ConfigureAwait(false);

            // The heartbeat's beat and look for lost runs in flight are awaited until the deadline, and their store calls
            // cancelled then: a store that stopped answering would hold them (and a beat that tries again) as long as it hangs.
            // The beats after that renew on a token of their own, for the jobs still running.
            Task beat = Volatile.Read(ref _beat);
            await beat.WaitAsync(deadline.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Task recovery = Volatile.Read(ref _recovery);
            await recovery.WaitAsync(deadline.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!beat.IsCompleted || !recovery.IsCompleted)
            {
                EndBackgroundCalls();
            }

            Log.Stopping(_logger, _node, _options.ShutdownTimeout, _activeRuns.Count);
            Task workers = dispatcher.WorkersAsync();
            Task timeout = Task.Delay(Timeout.InfiniteTimeSpan, _time, deadline.Token);
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

            // Ends the wait above if the workers won it (their runs are over: nothing is left to cancel).
            await cancelAtDeadline.DisposeAsync().ConfigureAwait(false);
            await deadline.CancelAsync().ConfigureAwait(false);
            dispatcher.Dispose();
            Volatile.Write(ref _dispatchError, null);
            SignalChange(wakeDispatcher: false);
            await LeaveAsync(cancellationToken).ConfigureAwait(false);
            EndGiveBackCount();
            counting = false;
            Log.Stopped(_logger, _node);
        }
        finally
        {
            if (counting)
            {
                // A stop that failed midway still ends its count, so that later give-backs log for themselves.
                EndGiveBackCount();
            }

            _lifecycle.Release();
        }
    }

    /// <summary>Runs a job now, on the calling thread, outside its schedule.</summary>
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
    /// <param name="cancellationToken">
    /// The stop's caller's token: a caller that gives up on the stop gives up on this too, unless it had given up before this
    /// began (a host whose own timeout ended the wait for the jobs still wants the node off the list).
    /// </param>
    private async Task LeaveAsync(CancellationToken cancellationToken)
    {
        using var timeout = new LongTimeout(LastCallsTimeout, _time);
        using CancellationTokenSource? linked = cancellationToken.IsCancellationRequested ? null
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        CancellationToken leave = linked?.Token ?? timeout.Token;
        try
        {
            await _store.LeaveAsync(_identity.InstanceId, leave).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (leave.IsCancellationRequested)
        {
            // Given up on: the node drops off the list when its heartbeat runs out.
        }
#pragma warning disable CA1031 // Stopping must not fail because a store cannot be written: the node's heartbeat simply runs out.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.LeaveFailed(_logger, _node, exception);
        }
    }
}
