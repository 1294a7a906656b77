using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A real <see cref="InMemoryJobStore"/> with faults injected, as a busy, slow or unreachable database would show them:
/// a completion write, a read or a renewal that throws, and a claim or a purge that blocks until the test lets it go.
/// </summary>
internal sealed class FaultyStore(InMemoryJobStore inner) : IJobStore
{
    private readonly InMemoryJobStore _inner = inner;

    /// <summary>Creates a faulty store over a new in-memory store on <paramref name="time"/>.</summary>
    public FaultyStore(TimeProvider time)
        : this(new InMemoryJobStore(timeProvider: time))
    {
    }

    /// <summary>Gets or sets a test that makes a completion write throw when it returns true.</summary>
    public Func<RunCompletion, bool>? FailCompletion { get; set; }

    /// <summary>Gets or sets what a claim awaits first; it is given the store's time.</summary>
    public Func<DateTimeOffset, Task>? BeforeClaim { get; set; }

    /// <summary>Gets or sets what a claim awaits after the store claimed, before it returns the batch.</summary>
    public Func<ClaimBatch, Task>? AfterClaim { get; set; }

    /// <summary>Gets or sets what a claim for RunNow calls after the store claimed, before it returns the run.</summary>
    public Action? AfterClaimNow { get; set; }

    /// <summary>Gets or sets a test that makes a read of a job throw when it returns true.</summary>
    public Func<string, bool>? FailGet { get; set; }

    /// <summary>Gets or sets a value indicating whether giving runs back throws (the store cannot be reached).</summary>
    public bool FailRelease { get; set; }

    /// <summary>Gets or sets what a give-back awaits first; it is given the call's token (a store that ignores it may await something else).</summary>
    public Func<CancellationToken, Task>? BeforeRelease { get; set; }

    /// <summary>Gets or sets what a give-back answers instead of the statuses the store gave (a store that breaks the contract).</summary>
    public Func<IReadOnlyList<RunReleaseStatus>, IReadOnlyList<RunReleaseStatus>>? AfterRelease { get; set; }

    /// <summary>Gets or sets a value indicating whether renewals throw (the store cannot be reached).</summary>
    public bool FailRenew { get; set; }

    /// <summary>Gets or sets what a renewal awaits first (a slow round trip); it is given the heartbeat and the renewal's token.</summary>
    public Func<NodeHeartbeat, CancellationToken, Task>? BeforeRenew { get; set; }

    /// <summary>Gets or sets what a look for lost runs awaits first; it is given the look's token.</summary>
    public Func<CancellationToken, Task>? BeforeRecover { get; set; }

    /// <summary>Gets or sets what a node's leave awaits first; it is given the leave's token.</summary>
    public Func<CancellationToken, Task>? BeforeLeave { get; set; }

    /// <summary>Gets or sets what a purge awaits first.</summary>
    public Func<Task>? BeforePurge { get; set; }

    /// <summary>Gets what is released once per renewal that reached the store with at least one run.</summary>
    public SemaphoreSlim RenewedRuns { get; } = new(0);

    /// <summary>Gets how many renewals with at least one run reached the store on a thread-pool thread.</summary>
    public int RenewalsOnThreadPool => Volatile.Read(ref _renewalsOnThreadPool);

    private int _renewalsOnThreadPool;

    public event EventHandler<JobStoreChange>? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public TimeProvider TimeProvider => _inner.TimeProvider;

    public ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default) => _inner.AddAsync(job, cancellationToken);

    public ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default) =>
        _inner.AddManyAsync(jobs, cancellationToken);

    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default) => _inner.CountAsync(cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        FailGet?.Invoke(id) == true ? throw new InvalidOperationException("database is locked (a simulated SQLITE_BUSY)") : _inner.GetAsync(id, cancellationToken);

    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => _inner.ListAsync(query, cancellationToken);

    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default) => _inner.UpdateAsync(job, cancellationToken);

    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default) => _inner.CancelAsync(id, cancellationToken);

    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        _inner.SetPausedAsync(id, paused, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _inner.DeleteAsync(id, cancellationToken);

    public async ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        if (BeforeClaim is { } hook)
        {
            await hook(TimeProvider.GetUtcNow());
        }

        ClaimBatch batch = await _inner.ClaimDueAsync(request, cancellationToken);
        if (AfterClaim is { } after)
        {
            await after(batch);
        }

        return batch;
    }

    public async ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ClaimedRun? run = await _inner.ClaimNowAsync(jobId, request, cancellationToken);
        AfterClaimNow?.Invoke();
        return run;
    }

    public ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        FailCompletion?.Invoke(completion) == true
            ? throw new InvalidOperationException("database is locked (a simulated SQLITE_BUSY)")
            : _inner.CompleteRunAsync(completion, cancellationToken);

    public async ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default)
    {
        if (BeforeRelease is { } hook)
        {
            await hook(cancellationToken);
        }

        return FailRelease
            ? throw new TimeoutException("the store cannot be reached (a simulated partition)")
            : AfterRelease is { } answer ? answer(await _inner.ReleaseRunsAsync(runs, cancellationToken))
            : await _inner.ReleaseRunsAsync(runs, cancellationToken);
    }

    public async ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        if (BeforeRenew is { } hold)
        {
            await hold(heartbeat, cancellationToken);
        }

        if (FailRenew)
        {
            throw new TimeoutException("the store cannot be reached (a simulated partition)");
        }

        if (heartbeat.Runs.Count > 0 && Thread.CurrentThread.IsThreadPoolThread)
        {
            Interlocked.Increment(ref _renewalsOnThreadPool);
        }

        LeaseRenewal renewal = await _inner.RenewAsync(heartbeat, cancellationToken);
        if (heartbeat.Runs.Count > 0)
        {
            RenewedRuns.Release();
        }

        return renewal;
    }

    public async ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default)
    {
        if (BeforeRecover is { } hold)
        {
            await hold(cancellationToken);
        }

        return await _inner.RecoverExpiredAsync(cancellationToken);
    }

    public async ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        if (BeforePurge is { } hook)
        {
            await hook();
        }

        return await _inner.PurgeExpiredAsync(cancellationToken);
    }

    public async ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (BeforeLeave is { } hold)
        {
            await hold(cancellationToken);
        }

        await _inner.LeaveAsync(instanceId, cancellationToken);
    }

    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) => _inner.ListNodesAsync(cancellationToken);

    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.GetRunsAsync(query, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => _inner.NextDueAsync(cancellationToken);
}
