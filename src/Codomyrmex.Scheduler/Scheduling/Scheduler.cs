using System.Diagnostics.Metrics;
using Codomyrmex.Scheduler.Diagnostics;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codomyrmex.Scheduler;

/// <summary>Runs jobs on cron, interval and one-time triggers, on a bounded pool of workers.</summary>
/// <remarks>
/// <para>
/// Every public member may be called from any thread at any time, including from inside a running job. Every clock
/// read and every wait goes through <see cref="SchedulerOptions.TimeProvider"/>, so a test can drive the scheduler with
/// <c>FakeTimeProvider</c> and <see cref="WhenIdleAsync"/>.
/// </para>
/// <para>
/// One asynchronous dispatcher loop owns the timing: it sleeps until the earliest due job (woken early when a job is
/// scheduled, cancelled or finishes), claims due runs from the store and hands them to at most
/// <see cref="SchedulerOptions.MaxWorkers"/> workers. It never runs a job body itself, and a job that blocks or throws
/// never stalls or stops it. It awaits the store and holds no lock while it does, so no other member ever waits for a claim
/// in flight.
/// </para>
/// </remarks>
public sealed partial class Scheduler : IAsyncDisposable, IDisposable
{
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private readonly IJobStore _store;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly string _node;
    private readonly NodeIdentity _identity;
    /// <summary>This process's runs, by their handle (not by run id, which the in-memory store formats only when someone reads it).</summary>
    private readonly ActiveRunSet _activeRuns = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    /// <summary>
    /// Moved by every cancel after the store cancelled the job: a claim during which it moved reads its jobs again before
    /// their runs start, so that a Cancel never misses a run claimed just before it (without a lock around the claim).
    /// </summary>
    private long _cancelEpoch;
    /// <summary>
    /// Runs that are settling (see <see cref="WhenQuietAsync"/>): queued by the dispatcher with their job code not entered yet,
    /// or with their job code returned and their outcome not yet written.
    /// </summary>
    private int _startingRuns;
    private TaskCompletionSource _changed = NewSignal();
    private int _idleWaiters;
    private Dispatcher? _dispatcher;
    private Exception? _dispatchError;
    private int _disposed;

    /// <summary>The jobs-by-status gauge's last count of a store other than the in-memory one, and when it was made (this node's UTC ticks).</summary>
    private JobCounts? _jobCounts;
    private long _jobCountsAt;
    private int _countingJobs;

    /// <summary>Creates a scheduler with an in-memory store and <paramref name="maxWorkers"/> workers.</summary>
    /// <param name="maxWorkers">How many job bodies may run at once.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="maxWorkers"/> is less than 1 or more than <see cref="SchedulerOptions.MaxWorkersLimit"/>.
    /// </exception>
#pragma warning disable RS0027 // The short Scheduler(maxWorkers: 4) next to the options constructor.
    public Scheduler(int maxWorkers = 4)
#pragma warning restore RS0027
        : this(new SchedulerOptions { MaxWorkers = CheckWorkers(maxWorkers) })
    {
    }

    /// <summary>Creates a scheduler from options.</summary>
    /// <param name="options">The options; they are validated once, here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    public Scheduler(SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("The scheduler options are not valid: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = options.TimeProvider;
        _store = options.Store ?? new InMemoryJobStore(timeProvider: options.TimeProvider);
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Codomyrmex.Scheduler");
        _identity = NodeIdentity.Create(options.NodeName, _time.GetUtcNow());
        _node = _identity.Name;
        _metrics = new SchedulerMetrics(options.MeterFactory, ObserveJobsByStatus);
        _heartbeatTimer = _time.CreateTimer(static state => ((Scheduler)state!).OnHeartbeatTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _store.Changed += OnStoreChanged;
    }

    /// <summary>Raised when a run starts (each attempt). Handlers run on a worker; an exception in one is logged and ignored.</summary>
    public event EventHandler<JobEvent>? JobStarted;

    /// <summary>Raised when a run succeeds.</summary>
    public event EventHandler<JobEvent>? JobSucceeded;

    /// <summary>Raised when a run fails after its last attempt (or times out, or is interrupted): the place to send an alert.</summary>
    public event EventHandler<JobEvent>? JobFailed;

    /// <summary>Raised when an attempt fails and the run will be tried again (<see cref="JobOptions.MaxAttempts"/>); <see cref="JobEvent.RetryAt"/> says when.</summary>
    public event EventHandler<JobEvent>? JobRetrying;

    /// <summary>Raised when an occurrence is skipped by the overlap or misfire policy.</summary>
    public event EventHandler<JobEvent>? JobSkipped;

    /// <summary>Gets a value indicating whether the scheduler is started (and not stopped or disposed).</summary>
    public bool IsRunning => Volatile.Read(ref _dispatcher) is not null;

    /// <summary>Gets the error of the dispatcher's last attempt to claim due runs, or <see langword="null"/> if that attempt succeeded.</summary>
    /// <remarks>
    /// A dispatcher whose store fails (unreachable, locked, corrupt) logs the error and tries again every second; this
    /// property lets a health check see it. It is cleared by the next claim that succeeds, and by <see cref="StopAsync"/>.
    /// </remarks>
    public Exception? LastDispatchError => Volatile.Read(ref _dispatchError);

    /// <summary>Gets the store the scheduler keeps its jobs in.</summary>
    public IJobStore Store => _store;

    /// <summary>Gets the clock the scheduler uses.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>Gets who this scheduler is in its store: its configured name and an instance id no other scheduler has.</summary>
    /// <remarks>
    /// The store holds this scheduler's runs by <see cref="NodeIdentity.InstanceId"/>, so two processes configured with the same
    /// <see cref="SchedulerOptions.NodeName"/> never renew or complete each other's runs. A new instance id is made per
    /// scheduler, not per start.
    /// </remarks>
    public NodeIdentity Node => _identity;

    /// <summary>Lists the schedulers whose heartbeat in the store is current (this one while it is started, others sharing the store).</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The live nodes, each with its instance id, name, host, heartbeat times and runs in progress.</returns>
    /// <remarks>
    /// A started scheduler beats every third of <see cref="SchedulerOptions.LeaseDuration"/>; one that stops leaves the list
    /// at once, and one that dies leaves it when its last heartbeat lapses (by the store's clock).
    /// </remarks>
    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) => _store.ListNodesAsync(cancellationToken);

    /// <summary>Cancels a job: a pending job never runs again, and a running one has its token cancelled.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation (not the job).</param>
    /// <returns><see langword="true"/> if the job exists (also when it was already cancelled); <see langword="false"/> otherwise.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    /// <remarks>
    /// The rule is exact: a run of the job that has not started when this returns never starts, and a run that has started has
    /// its <see cref="CancellationToken"/> cancelled. A run claimed and still waiting for a worker is recorded as
    /// <see cref="RunOutcome.Cancelled"/> without entering the job's code; a <see cref="RunNowAsync"/> of the job that has not
    /// entered it yet throws <see cref="InvalidOperationException"/>. A run starts when its worker commits to entering the job's
    /// code, just before <see cref="JobStarted"/>: a job's first line may come after this returned, with its token cancelled by
    /// then. A cancel made elsewhere (another node, another process on the store) does the same here once this node hears of it.
    /// </remarks>
    public async ValueTask<bool> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        Job? job = await _store.CancelAsync(id, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return false;
        }

        // A claim in flight that took the job before the store cancelled it either registered its run before this look,
        // or sees the epoch moved and reads the job again before the run starts.
        Interlocked.Increment(ref _cancelEpoch);
        CancelActiveRuns(id);
        Log.JobCancelled(_logger, job.Name, job.Id);
        SignalChange(wakeDispatcher: false);
        return true;
    }

    /// <summary>Gets a snapshot of a job.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job, or <see langword="null"/> if there is none with that id.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="id"/> is null.</exception>
    public ValueTask<Job?> GetJobAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _store.GetAsync(id, cancellationToken);
    }

    /// <summary>Lists one page of jobs.</summary>
    /// <param name="query">The status filter and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page and the total number of matching jobs.</returns>
    public ValueTask<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken = default) => _store.ListAsync(query, cancellationToken);

    /// <summary>Completes when no run is queued or running and, while the scheduler runs, no job is due at the clock's current time.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the scheduler is idle.</returns>
    /// <remarks>
    /// Made for tests on <c>FakeTimeProvider</c>: advance the clock, then await this to let every run that came due
    /// finish, without sleeping.
    /// </remarks>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default) => WhenAsync(includeRuns: true, cancellationToken);

    /// <summary>
    /// Completes when, while the scheduler runs, nothing is due at the clock's current time, no claim or maintenance is in
    /// progress or due, every claimed run has entered its job's code (up to its first await), and every run whose code has
    /// returned has its outcome written, whatever runs are going: for tests whose jobs run across many steps of a fake clock.
    /// </summary>
    /// <remarks>
    /// The store counts a run as running until its outcome is written, so a step of the clock taken before that would see the
    /// next occurrence overlap it.
    /// </remarks>
    internal Task WhenQuietAsync(CancellationToken cancellationToken = default) => WhenAsync(includeRuns: false, cancellationToken);

    private async Task WhenAsync(bool includeRuns, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _idleWaiters);
        try
        {
            while (true)
            {
                Task changed = Volatile.Read(ref _changed).Task;
                if (await IsIdleAsync(includeRuns).ConfigureAwait(false))
                {
                    return;
                }

                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _idleWaiters);
        }
    }

    /// <summary>
    /// Idle: nothing due (while started) and nothing claimed. The order of the reads matters: the store is asked first,
    /// so a claim that empties it after the read is still seen in progress (or its runs in flight) by the reads after.
    /// </summary>
    private async ValueTask<bool> IsIdleAsync(bool includeRuns)
    {
        if (IsBeating)
        {
            return false;
        }

        if (Volatile.Read(ref _dispatcher) is { } dispatcher)
        {
            DateTimeOffset? next = await _store.NextDueAsync().ConfigureAwait(false);
            if (next <= _store.TimeProvider.GetUtcNow())
            {
                // Due, so the dispatcher should be at it. If a provider's timer woke it at a time in between (as
                // FakeTimeProvider.Advance does, firing timers before it sets the final time), nudge it.
                dispatcher.Wake();
                return false;
            }

            if (dispatcher.IsMaintenanceDue(_time.GetUtcNow()))
            {
                // Retention is due too: let it run first.
                dispatcher.Wake();
                return false;
            }

            if (includeRuns ? dispatcher.IsBusy : dispatcher.IsClaimingOrMaintaining || Volatile.Read(ref _startingRuns) > 0)
            {
                return false;
            }
        }

        return !includeRuns || _activeRuns.IsEmpty;
    }

    /// <summary>
    /// Gets or sets what a worker awaits just before it starts a run (<see cref="RunHandle.TryStart"/>), after every other look
    /// at the run: for tests that put a Cancel, a Stop or a lost lease in that window. Null outside tests: one check per run.
    /// </summary>
    internal Func<RunHandle, Task>? BeforeRunStart { get; set; }

    /// <summary>A one-line picture of the scheduler's state, for test failure messages.</summary>
    internal string DescribeState() => $"now={_time.GetUtcNow():O} next={Complete(_store.NextDueAsync()):O} busy={_dispatcher?.IsBusy} active={_activeRuns.Count} waiters={_idleWaiters}";

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
            _heartbeatTimer.Dispose();
            DisposeFenceTimer();

            // A beat or recovery still in flight (for jobs that outlived the stop) is cancelled, and waited for a short while.
            EndBackgroundCalls();
            await Volatile.Read(ref _beat).WaitAsync(LastCallsTimeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Volatile.Read(ref _recovery).WaitAsync(LastCallsTimeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _store.Changed -= OnStoreChanged;
            _metrics.Dispose();
        }
    }

    private static int CheckWorkers(int maxWorkers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWorkers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxWorkers, SchedulerOptions.MaxWorkersLimit);
        return maxWorkers;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Wakes whoever waits for a change of state (the dispatcher, <see cref="WhenIdleAsync"/>).</summary>
    private void SignalChange(bool wakeDispatcher = true)
    {
        if (wakeDispatcher)
        {
            Volatile.Read(ref _dispatcher)?.Wake();
        }

        if (Volatile.Read(ref _idleWaiters) > 0)
        {
            Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
        }
    }

    /// <summary>
    /// What a change in the store means here: a job due earlier wakes the dispatcher (an added job only if it is due before the
    /// dispatcher's planned wake), and a cancel or delete, by whoever made it (this scheduler, another node on the store,
    /// another process such as <c>schedctl jobs cancel</c>), cancels this node's runs of that job, without asking the store.
    /// </summary>
    private void OnStoreChanged(object? sender, JobStoreChange change)
    {
        if (change.Kind is JobStoreChangeKind.Cancelled or JobStoreChangeKind.Deleted && change.JobId is { } id)
        {
            // Before anything else, and even with no run here yet: a claim in flight reads its jobs again (see _cancelEpoch).
            Interlocked.Increment(ref _cancelEpoch);
            CancelActiveRuns(id);

            // A cancel never makes anything due earlier: the dispatcher need not wake (at worst it wakes for the cancelled job
            // and finds nothing), only waiters of WhenIdleAsync look again.
            SignalChange(wakeDispatcher: false);
            return;
        }

        if (change.Kind == JobStoreChangeKind.Added && change.DueAt is { } due && Volatile.Read(ref _dispatcher) is { } dispatcher
            && !dispatcher.WakesFor(due))
        {
            // A job due no earlier than the dispatcher's next wake changes nothing for it: only waiters of WhenIdleAsync look again.
            SignalChange(wakeDispatcher: false);
            return;
        }

        SignalChange();
        if (change.Kind == JobStoreChangeKind.Unknown || (change.JobId is null && change.Kind != JobStoreChangeKind.Purged))
        {
            // The store cannot say which jobs changed: a claim in flight reads its jobs again, and each job that runs here is read.
            Interlocked.Increment(ref _cancelEpoch);
            if (!_activeRuns.IsEmpty)
            {
                _ = CancelRunsOfCancelledJobsAsync();
            }
        }
    }

    private async Task CancelRunsOfCancelledJobsAsync()
    {
        try
        {
            foreach (RunHandle run in _activeRuns.Values)
            {
                if (!run.JobCancelled && (await _store.GetAsync(run.JobId).ConfigureAwait(false))?.Status == JobStatus.Cancelled)
                {
                    run.CancelJob();
                }
            }
        }
#pragma warning disable CA1031 // A store that cannot be read now is read again at its next change.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.DispatcherFailed(_logger, exception);
        }
    }

    /// <summary>Notes that a run's job code has returned (or never ran): it settles until its outcome is written.</summary>
    private void BeginSettling(RunHandle handle)
    {
        if (handle.BeginSettling())
        {
            Interlocked.Increment(ref _startingRuns);
        }
    }

    /// <summary>Notes that a settling run has entered its job's code, or has its outcome written.</summary>
    private void EndStarting(RunHandle handle)
    {
        if (handle.EndStarting())
        {
            Interlocked.Decrement(ref _startingRuns);
            SignalChange(wakeDispatcher: false);
        }
    }

    /// <summary>Cancels the tokens of this process's runs of a job.</summary>
    private void CancelActiveRuns(string jobId)
    {
        foreach (RunHandle run in _activeRuns.Values)
        {
            if (run.JobId == jobId)
            {
                run.CancelJob();
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>
    /// The jobs-by-status gauge. It never calls the store on the metrics thread: the in-memory store's own counts are read
    /// at once; any other store's come from the last count the maintenance made (every minute while started), and a
    /// collection that finds none, or finds them older than that, starts a count in the background and reports what it has.
    /// </summary>
    private Measurement<long>[] ObserveJobsByStatus()
    {
        JobCounts? counts;
        if (_store is InMemoryJobStore memory)
        {
            counts = memory.Counts();
        }
        else
        {
            counts = Volatile.Read(ref _jobCounts);
            if (Volatile.Read(ref _disposed) == 0 && (counts is null || _time.GetUtcNow().UtcTicks - Volatile.Read(ref _jobCountsAt) >= PurgeInterval.Ticks))
            {
                _ = Task.Run(RefreshJobCountsAsync);
            }
        }

        return counts is null ? [] : [.. Enum.GetValues<JobStatus>().Select(status =>
            new Measurement<long>(counts[status], new KeyValuePair<string, object?>("status", StatusTag(status))))];
    }

    /// <summary>Counts the jobs by status for the gauge (one count at a time; a count asked for while one runs is that one).</summary>
    private async Task RefreshJobCountsAsync()
    {
        if (Interlocked.CompareExchange(ref _countingJobs, 1, 0) != 0)
        {
            return;
        }

        try
        {
            JobCounts counts = await _store.CountAsync().ConfigureAwait(false);
            Volatile.Write(ref _jobCountsAt, _time.GetUtcNow().UtcTicks);
            Volatile.Write(ref _jobCounts, counts);
        }
#pragma warning disable CA1031 // A store that cannot count now is asked again at the next maintenance or collection.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.MaintenanceFailed(_logger, exception);
        }
        finally
        {
            Volatile.Write(ref _countingJobs, 0);
        }
    }

    private static string StatusTag(JobStatus status) => status switch
    {
        JobStatus.Pending => "pending",
        JobStatus.Running => "running",
        JobStatus.Completed => "completed",
        JobStatus.Failed => "failed",
        _ => "cancelled",
    };

    /// <summary>Waits for a store call synchronously: free when it completed synchronously, as the in-memory store always does.</summary>
    private static T Complete<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private void Raise(EventHandler<JobEvent>? handler, string eventName, in JobEvent args)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
#pragma warning disable CA1031 // A user's event handler must never stop a run or the dispatcher.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.EventHandlerFailed(_logger, eventName, exception);
        }
    }
}
