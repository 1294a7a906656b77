using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A real <see cref="InMemoryJobStore"/> with faults injected at two points, as a busy or slow database would show them:
/// a completion write that throws, and a claim that blocks until the test lets it go.
/// </summary>
internal sealed class FaultyStore(TimeProvider time) : IJobStore
{
    private readonly InMemoryJobStore _inner = new(timeProvider: time);

    /// <summary>Gets or sets a test that makes a completion write throw when it returns true.</summary>
    public Func<RunCompletion, bool>? FailCompletion { get; set; }

    /// <summary>Gets or sets what a claim awaits first; it is given the store's time.</summary>
    public Func<DateTimeOffset, Task>? BeforeClaim { get; set; }

    /// <summary>Gets or sets what a claim awaits after the store claimed, before it returns the batch.</summary>
    public Func<ClaimBatch, Task>? AfterClaim { get; set; }

    public event EventHandler<JobStoreChange>? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public TimeProvider TimeProvider => _inner.TimeProvider;

    public ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default) => _inner.AddAsync(job, cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

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

    public ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default) =>
        _inner.ClaimNowAsync(jobId, request, cancellationToken);

    public ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        FailCompletion?.Invoke(completion) == true
            ? throw new InvalidOperationException("database is locked (a simulated SQLITE_BUSY)")
            : _inner.CompleteRunAsync(completion, cancellationToken);

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
