using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The in-memory store's combined record and claim (<see cref="InMemoryJobStore.CompleteAndClaim"/>), which a scheduler's
/// worker uses when its queue runs low: the same outcome as a completion followed by a claim.
/// </summary>
public sealed class InMemoryJobStoreRunPathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
    private static readonly NodeIdentity Node = new() { InstanceId = "node-a/1", Name = "node-a", Host = "test-host", ProcessId = 42, StartedAt = T0 };
    private static readonly NodeIdentity Other = new() { InstanceId = "node-b/1", Name = "node-b", Host = "test-host", ProcessId = 43, StartedAt = T0 };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompleteAndClaim_RecordsTheRunAndClaimsTheNextDueRunsInOrder()
    {
        var clock = new FakeTimeProvider(T0);
        var store = new InMemoryJobStore(timeProvider: clock);
        string[] ids = new string[5];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = (await store.AddAsync(NewJob(i, T0.AddSeconds(i)), Token)).Job.Id;
        }

        clock.SetUtcNow(T0.AddSeconds(10));
        ClaimedRun first = Assert.Single((await store.ClaimDueAsync(Request(1), Token)).Runs);
        Assert.Equal(ids[0], first.Job.Id);

        RunCompletionStatus status = store.CompleteAndClaim(first, RunOutcome.Succeeded, first.ClaimedAt, T0.AddSeconds(11), "done", null, null, null,
            Request(3), out ClaimBatch batch, out Exception? claimError);

        Assert.Equal(RunCompletionStatus.Recorded, status);
        Assert.Null(claimError);
        Assert.Equal(ids[1..4], batch.Runs.Select(r => r.Job.Id));
        Assert.Empty(batch.Skipped);
        Assert.Equal(T0.AddSeconds(4), batch.NextDueAt);
        Job done = (await store.GetAsync(ids[0], Token))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Equal(1, done.RunCount);
        RunRecord row = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = ids[0] }, Token)).Items);
        Assert.Equal(RunOutcome.Succeeded, row.Outcome);
        Assert.Equal(first.RunId, row.RunId);
        foreach (ClaimedRun run in batch.Runs)
        {
            Assert.Equal(JobStatus.Running, (await store.GetAsync(run.Job.Id, Token))!.Status);
        }

        // The claimed runs are held as any claim's: each completes once, and a second completion is fenced.
        ClaimedRun second = batch.Runs[0];
        Assert.Equal(RunCompletionStatus.Recorded, store.CompleteAndClaim(second, RunOutcome.Failed, second.ClaimedAt, T0.AddSeconds(12), null, "boom",
            null, null, Request(10), out ClaimBatch next, out _));
        Assert.Equal([ids[4]], next.Runs.Select(r => r.Job.Id));
        Assert.Null(next.NextDueAt);
        Assert.Equal(RunCompletionStatus.Fenced, store.CompleteAndClaim(second, RunOutcome.Succeeded, second.ClaimedAt, T0.AddSeconds(13), null, null,
            null, null, Request(10), out ClaimBatch none, out _));
        Assert.Empty(none.Runs);
        Assert.Equal(JobStatus.Failed, (await store.GetAsync(ids[1], Token))!.Status);
    }

    [Fact]
    public async Task CompleteAndClaim_OfARunHeldByAnotherClaim_IsFencedAndStillClaims()
    {
        var clock = new FakeTimeProvider(T0);
        var store = new InMemoryJobStore(timeProvider: clock);
        string lapsing = (await store.AddAsync(NewJob(0, T0, recoverable: true), Token)).Job.Id;
        ClaimedRun stale = Assert.Single((await store.ClaimDueAsync(Request(1, lease: TimeSpan.FromSeconds(30)), Token)).Runs);

        // Its lease lapses, the store recovers the run and another node claims it again.
        clock.SetUtcNow(T0.AddMinutes(1));
        Assert.Single(await store.RecoverExpiredAsync(Token));
        ClaimedRun current = Assert.Single((await store.ClaimDueAsync(Request(1, Other), Token)).Runs);
        string waiting = (await store.AddAsync(NewJob(1, T0.AddSeconds(30)), Token)).Job.Id;

        RunCompletionStatus status = store.CompleteAndClaim(stale, RunOutcome.Succeeded, stale.ClaimedAt, T0.AddMinutes(1), null, null, null, null,
            Request(5), out ClaimBatch batch, out Exception? claimError);

        Assert.Equal(RunCompletionStatus.Fenced, status);
        Assert.Null(claimError);
        Assert.Equal([waiting], batch.Runs.Select(r => r.Job.Id));
        Assert.Equal(JobStatus.Running, (await store.GetAsync(lapsing, Token))!.Status);
        Assert.Equal(RunCompletionStatus.Recorded,
            (await store.CompleteRunAsync(new RunCompletion { Run = current, Outcome = RunOutcome.Succeeded, StartedAt = current.ClaimedAt, FinishedAt = T0.AddMinutes(2) }, Token)).Status);
    }

    private static ClaimRequest Request(int max, NodeIdentity? node = null, TimeSpan? lease = null) =>
        new() { Node = node ?? Node, MaxRuns = max, LeaseDuration = lease ?? TimeSpan.FromMinutes(5) };

    private static Job NewJob(int n, DateTimeOffset due, bool recoverable = false) => new()
    {
        Id = $"0000000000{n:000}",
        Name = $"job-{n}",
        Task = "task",
        Trigger = new OnceTrigger(due),
        Status = JobStatus.Pending,
        CreatedAt = T0,
        NextRun = due,
        Options = recoverable ? JobOptions.Default with { Recoverable = true } : JobOptions.Default,
        Version = 1,
    };
}
