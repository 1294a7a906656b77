using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The store's clock is the clock of record: what is due, leases and their expiry are decided by it alone.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task Claim_TimesAreTheStoresClock_AndTheBatchSaysWhenToLookAgain()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        Job later = NewJob(firstRun: T0.AddMinutes(7));
        await store.AddAsync(job, Token);
        await store.AddAsync(later, Token);
        Assert.Same(Clock, store.TimeProvider);

        ClaimBatch early = await ClaimAsync(store, T0.AddSeconds(59));
        Assert.Empty(early.Runs);
        Assert.Equal(T0.AddSeconds(59), early.Now);
        Assert.Equal(T0.AddMinutes(1), early.NextDueAt);

        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1).AddSeconds(3), lease: TimeSpan.FromSeconds(90));
        ClaimedRun run = Assert.Single(batch.Runs);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(3), batch.Now);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(3), run.ClaimedAt);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(93), run.LeaseUntil);
        Assert.Equal(T0.AddMinutes(1), run.ScheduledTime);

        // Limited to one run while two are due: the batch says more is due now.
        await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(4));
        At(T0.AddMinutes(8));
        ClaimBatch limited = await store.ClaimDueAsync(Request(max: 1), Token);
        Assert.Single(limited.Runs);
        Assert.True(limited.NextDueAt <= limited.Now);
    }

    [Fact]
    public async Task Lease_EndsByTheStoresClock_WhateverTheNodes()
    {
        // Two nodes whose own clocks disagree by minutes: neither passes its time, so neither can end the other's lease early.
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true });
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(2))).Runs);

        At(T0.AddMinutes(3).AddTicks(-1));
        Assert.Empty(await second.RecoverExpiredAsync(Token));
        Assert.DoesNotContain((await second.ClaimDueAsync(Request(NodeB), Token)).Runs, r => r.Job.Id == job.Id && r.IsRecovery);
        At(T0.AddMinutes(3));
        Assert.Equal(run.RunId, Assert.Single(await second.RecoverExpiredAsync(Token)).RunId);
        RunRecord lost = Assert.Single((await second.GetRunsAsync(new RunQuery { JobId = job.Id, Outcome = RunOutcome.Interrupted }, Token)).Items);
        Assert.Equal(T0.AddMinutes(3), lost.FinishedAt);
        Assert.Equal(NodeA.InstanceId, lost.InstanceId);
        Assert.Contains(NodeA.InstanceId, lost.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextDue_IsStoreTime_PausedAndFinishedJobsAreNeverDue()
    {
        IJobStore store = CreateStore();
        Job paused = NewJob(firstRun: T0.AddMinutes(1));
        Job due = NewJob(firstRun: T0.AddMinutes(2));
        await store.AddAsync(paused, Token);
        await store.AddAsync(due, Token);
        await store.SetPausedAsync(paused.Id, paused: true, Token);
        Assert.Equal(T0.AddMinutes(2), await store.NextDueAsync(Token));
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(2))).Runs);
        await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(2));
        Assert.Null(await store.NextDueAsync(Token));
        Assert.Null((await store.ClaimDueAsync(Request(), Token)).NextDueAt);
    }

    [Fact]
    public async Task Complete_RetryAfter_CountsFromTheStoresNow_NotTheNodesTimes()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(options: new JobOptions { MaxAttempts = 2 });
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0)).Runs);

        // The node's clock is an hour behind; its delay still means thirty seconds from when the store records the failure.
        At(T0.AddSeconds(10));
        RunCompletion failed = new()
        {
            Run = run,
            Outcome = RunOutcome.Failed,
            StartedAt = T0.AddHours(-1),
            FinishedAt = T0.AddHours(-1).AddSeconds(5),
            Error = "E: x",
            RetryAfter = TimeSpan.FromSeconds(30),
            RetryAt = T0.AddHours(5),
        };
        Job waiting = (await store.CompleteRunAsync(failed, Token)).Job!;
        Assert.Equal(T0.AddSeconds(40), waiting.NextRun);
        Assert.Equal(T0.AddSeconds(40), await store.NextDueAsync(Token));
        ClaimedRun retry = Assert.Single((await ClaimAsync(store, T0.AddSeconds(40))).Runs);
        Assert.Equal(2, retry.Attempt);
    }
}
