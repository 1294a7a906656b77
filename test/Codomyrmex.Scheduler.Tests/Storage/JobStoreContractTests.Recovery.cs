using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Recovery of several lost runs of one recoverable job: each occurrence runs again, one after another.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task RecoverExpired_TwoLostRunsOfOneRecoverableJob_BothRunAgain_OneAfterTheOther()
    {
        // Node A died with both runs: the first is due again, the second waits, claimed, until that recovery is claimed.
        (IJobStore store, IJobStore second, Job job, ClaimedRun first, ClaimedRun next) = await TwoLostRunsFirstRecoveredAsync();
        Assert.Empty(await second.RecoverExpiredAsync(Token));
        Job waiting = (await second.GetAsync(job.Id, Token))!;
        Assert.Equal(1, waiting.ActiveRuns);
        Assert.Equal(0, waiting.FailureCount);

        // Once the first recovery is claimed, the next look records the second, which runs again in turn.
        ClaimedRun rerunFirst = (await second.ClaimDueAsync(Request(NodeB, max: 1), Token)).Runs.Single();
        Assert.True(rerunFirst.IsRecovery);
        Assert.Equal(first.ScheduledTime, rerunFirst.ScheduledTime);
        Assert.Equal([next.RunId], (await second.RecoverExpiredAsync(Token)).Select(r => r.RunId));
        ClaimedRun rerunNext = (await second.ClaimDueAsync(Request(NodeB, max: 1), Token)).Runs.Single();
        Assert.True(rerunNext.IsRecovery);
        Assert.Equal(next.ScheduledTime, rerunNext.ScheduledTime);

        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(0, after.FailureCount);
        Assert.Equal(2, after.ActiveRuns);
        RunPage history = await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token);
        string[] interrupted = [.. history.Items.Where(r => r.Outcome == RunOutcome.Interrupted).Select(r => r.RunId).Order(StringComparer.Ordinal)];
        Assert.Equal([.. new[] { first.RunId, next.RunId }.Order(StringComparer.Ordinal)], interrupted);
    }

    [Fact]
    public async Task RecoverExpired_LostRunWaitingForTheRetrySlot_StaysItsNodes_ARenewalKeepsIt()
    {
        (IJobStore store, IJobStore second, _, ClaimedRun first, ClaimedRun next) = await TwoLostRunsFirstRecoveredAsync();

        // Node A was only paused: its heartbeat finds the first run lost and keeps the second, which nobody took over.
        LeaseRenewal renewal = await store.RenewAsync(Heartbeat(NodeA, TimeSpan.FromMinutes(10), first, next), Token);
        Assert.Equal([first.RunId], renewal.Lost);
        Assert.Equal(1, renewal.Renewed);
        Assert.NotNull(await second.ClaimDueAsync(Request(NodeB, max: 1), Token));
        Assert.Empty(await second.RecoverExpiredAsync(Token));
        Job recorded = (await CompleteAsync(store, next, RunOutcome.Succeeded, T0.AddMinutes(14)))!;
        Assert.Equal(1, recorded.RunCount);
        Assert.Equal(0, recorded.FailureCount);
    }

    [Fact]
    public async Task RecoverExpired_LostRunWhileAFailedAttemptWaitsOutItsBackoff_IsRecordedAtOnce()
    {
        // The retry slot holds a failed attempt due in an hour, not a recovery: waiting for it would leave the job holding a
        // dead run (and skipping its occurrences as overlaps) for that hour, so the lost run is recorded now.
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true, Overlap = OverlapPolicy.Allow, MaxAttempts = 3, MisfireGraceTime = TimeSpan.FromDays(1) });
        await store.AddAsync(job, Token);
        ClaimedRun failing = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(10))).Runs);
        ClaimedRun lost = Assert.Single((await ClaimAsync(store, T0.AddMinutes(2), node: NodeA, lease: TimeSpan.FromMinutes(10))).Runs);
        Assert.NotNull(await CompleteAsync(store, failing, RunOutcome.Failed, T0.AddMinutes(3), error: "boom", retryAt: T0.AddHours(1)));
        At(T0.AddMinutes(13));

        Assert.Equal([lost.RunId], (await second.RecoverExpiredAsync(Token)).Select(r => r.RunId));
        Job after = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(0, after.ActiveRuns);
        Assert.NotEqual(JobStatus.Running, after.Status);
    }

    /// <summary>
    /// A recoverable job with two runs claimed by node A, whose leases have both lapsed; a look for lost runs on the second
    /// instance has recorded the first (due again as a recovery) and left the second waiting, claimed.
    /// </summary>
    private async Task<(IJobStore Store, IJobStore Second, Job Job, ClaimedRun First, ClaimedRun Next)> TwoLostRunsFirstRecoveredAsync()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        Job job = NewJob(EveryMinute(), options: new JobOptions { Recoverable = true, Overlap = OverlapPolicy.Allow, MisfireGraceTime = TimeSpan.FromDays(1) });
        await store.AddAsync(job, Token);
        ClaimedRun first = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), node: NodeA, lease: TimeSpan.FromMinutes(10))).Runs);
        ClaimedRun next = Assert.Single((await ClaimAsync(store, T0.AddMinutes(2), node: NodeA, lease: TimeSpan.FromMinutes(10))).Runs);
        At(T0.AddMinutes(13));
        Assert.Equal([first.RunId], (await second.RecoverExpiredAsync(Token)).Select(r => r.RunId));
        return (store, second, job, first, next);
    }
}
