using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>An in-memory store whose "connection" can be cut: every call then throws, as a durable store's would.</summary>
/// <param name="clock">The store's clock, the clock of record for its leases and due times.</param>
internal sealed class UnreachableStore(TimeProvider clock) : IJobStore
{
    private readonly InMemoryJobStore _inner = new(new InMemoryJobStoreOptions { TimeProvider = clock });

    public bool Unreachable { get; set; }

    /// <summary>Gets or sets a value indicating whether only claims fail (a corrupt row, a lock): the store still reads.</summary>
    public bool ClaimsFail { get; set; }

    public event EventHandler<JobStoreChange>? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public TimeProvider TimeProvider => _inner.TimeProvider;

    public ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default) => Check()._inner.AddAsync(job, cancellationToken);

    public ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default) =>
        Check()._inner.AddManyAsync(jobs, cancellationToken);

    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default) => Check()._inner.CountAsync(cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.GetAsync(id, cancellationToken);

    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => Check()._inner.ListAsync(query, cancellationToken);

    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default) => Check()._inner.UpdateAsync(job, cancellationToken);

    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.CancelAsync(id, cancellationToken);

    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        Check()._inner.SetPausedAsync(id, paused, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.DeleteAsync(id, cancellationToken);

    public ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default) =>
        ClaimsFail ? throw new InvalidDataException("database disk image is malformed") : Check()._inner.ClaimDueAsync(request, cancellationToken);

    public ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default) =>
        Check()._inner.ClaimNowAsync(jobId, request, cancellationToken);

    public ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        Check()._inner.CompleteRunAsync(completion, cancellationToken);

    public ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default) =>
        Check()._inner.ReleaseRunsAsync(runs, cancellationToken);

    public ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default) =>
        Check()._inner.RenewAsync(heartbeat, cancellationToken);

    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default) =>
        Check()._inner.RecoverExpiredAsync(cancellationToken);

    public ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default) => Check()._inner.PurgeExpiredAsync(cancellationToken);

    public ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default) => Check()._inner.LeaveAsync(instanceId, cancellationToken);

    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default) => Check()._inner.ListNodesAsync(cancellationToken);

    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => Check()._inner.GetRunsAsync(query, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => Check()._inner.NextDueAsync(cancellationToken);

    private UnreachableStore Check() => Unreachable ? throw new IOException("The database server is not answering.") : this;
}
