using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// A real <see cref="InMemoryJobStore"/> that runs a step of the test after each <see cref="ListAsync"/>: a job's status can
/// change between two lookups, as when <c>schedctl run</c> starts or ends a run while a jobs command reads the store.
/// </summary>
internal sealed class MovingStore(InMemoryJobStore inner) : IJobStore
{
    private readonly InMemoryJobStore _inner = inner;

    /// <summary>Gets or sets what runs after each list, given the query it answered.</summary>
    public Func<JobQuery, ValueTask>? AfterList { get; set; }

    public event EventHandler<JobStoreChange>? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public TimeProvider TimeProvider => _inner.TimeProvider;

    public async ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        JobPage page = await _inner.ListAsync(query, cancellationToken);
        if (AfterList is { } after)
        {
            await after(query);
        }

        return page;
    }

    public ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default) => _inner.AddAsync(job, cancellationToken);

    public ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default) =>
        _inner.AddManyAsync(jobs, cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default) => _inner.CountAsync(cancellationToken);

    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default) => _inner.UpdateAsync(job, cancellationToken);

    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default) => _inner.CancelAsync(id, cancellationToken);

    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        _inner.SetPausedAsync(id, paused, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _inner.DeleteAsync(id, cancellationToken);

    public ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default) =>
        _inner.ClaimDueAsync(request, cancellationToken);

    public ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default) =>
        _inner.ClaimNowAsync(jobId, request, cancellationToken);

    public ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        _inner.CompleteRunAsync(completion, cancellationToken);

    public ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default) =>
        _inner.ReleaseRunsAsync(runs, cancellationToken);

    public ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default) =>
        _inner.RenewAsync(heartbeat, cancellationToken);

    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default) =>
        _inner.RecoverExpiredAsync(cancellationToken);

    public ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default) => _inner.PurgeExpiredAsync(cancellationToken);

    public ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default) => _inner.LeaveAsync(instanceId, cancellationToken);

    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) => _inner.ListNodesAsync(cancellationToken);

    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.GetRunsAsync(query, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => _inner.NextDueAsync(cancellationToken);
}
