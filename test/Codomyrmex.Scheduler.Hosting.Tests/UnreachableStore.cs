namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>An in-memory store whose "connection" can be cut: every call then throws, as a durable store's would.</summary>
internal sealed class UnreachableStore : IJobStore
{
    private readonly InMemoryJobStore _inner = new();

    public bool Unreachable { get; set; }

    /// <summary>Gets or sets a value indicating whether only claims fail (a corrupt row, a lock): the store still reads.</summary>
    public bool ClaimsFail { get; set; }

    public event EventHandler? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public ValueTask AddAsync(Job job, CancellationToken cancellationToken = default) => Check()._inner.AddAsync(job, cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.GetAsync(id, cancellationToken);

    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => Check()._inner.ListAsync(query, cancellationToken);

    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default) => Check()._inner.UpdateAsync(job, cancellationToken);

    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.CancelAsync(id, cancellationToken);

    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        Check()._inner.SetPausedAsync(id, paused, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => Check()._inner.DeleteAsync(id, cancellationToken);

    public ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        ClaimsFail ? throw new InvalidDataException("database disk image is malformed") : Check()._inner.ClaimDueAsync(now, max, node, leaseUntil, cancellationToken);

    public ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        Check()._inner.ClaimNowAsync(id, now, node, leaseUntil, cancellationToken);

    public ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        Check()._inner.CompleteRunAsync(completion, cancellationToken);

    public ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        Check()._inner.RenewLeasesAsync(node, leaseUntil, cancellationToken);

    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Check()._inner.RecoverExpiredAsync(now, cancellationToken);

    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => Check()._inner.GetRunsAsync(query, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => Check()._inner.NextDueAsync(cancellationToken);

    private UnreachableStore Check() => Unreachable ? throw new IOException("The database server is not answering.") : this;
}
