namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// A real <see cref="InMemoryJobStore"/> with faults injected at two points, as a busy or slow database would show them:
/// a completion write that throws, and a claim that blocks until the test lets it go.
/// </summary>
internal sealed class FaultyStore : IJobStore
{
    private readonly InMemoryJobStore _inner = new();

    /// <summary>Gets or sets a test that makes a completion write throw when it returns true.</summary>
    public Func<RunCompletion, bool>? FailCompletion { get; set; }

    /// <summary>Gets or sets what a claim awaits first.</summary>
    public Func<DateTimeOffset, Task>? BeforeClaim { get; set; }

    /// <summary>Gets or sets what a claim awaits after the store claimed, before it returns the batch.</summary>
    public Func<ClaimBatch, Task>? AfterClaim { get; set; }

    public event EventHandler? Changed
    {
        add => _inner.Changed += value;
        remove => _inner.Changed -= value;
    }

    public bool IsDurable => false;

    public ValueTask AddAsync(Job job, CancellationToken cancellationToken = default) => _inner.AddAsync(job, cancellationToken);

    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default) => _inner.ListAsync(query, cancellationToken);

    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default) => _inner.UpdateAsync(job, cancellationToken);

    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default) => _inner.CancelAsync(id, cancellationToken);

    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default) =>
        _inner.SetPausedAsync(id, paused, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default) => _inner.DeleteAsync(id, cancellationToken);

    public async ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        if (BeforeClaim is { } hook)
        {
            await hook(now);
        }

        ClaimBatch batch = await _inner.ClaimDueAsync(now, max, node, leaseUntil, cancellationToken);
        if (AfterClaim is { } after)
        {
            await after(batch);
        }

        return batch;
    }

    public ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        _inner.ClaimNowAsync(id, now, node, leaseUntil, cancellationToken);

    public ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        FailCompletion?.Invoke(completion) == true
            ? throw new InvalidOperationException("database is locked (a simulated SQLITE_BUSY)")
            : _inner.CompleteRunAsync(completion, cancellationToken);

    public ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default) =>
        _inner.RenewLeasesAsync(node, leaseUntil, cancellationToken);

    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _inner.RecoverExpiredAsync(now, cancellationToken);

    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.GetRunsAsync(query, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default) => _inner.NextDueAsync(cancellationToken);
}
