using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Pausing, resuming and deleting jobs, and when a job finished.</summary>
public abstract partial class JobStoreContractTests
{
    private static JobOptions Misfire(MisfirePolicy policy) => JobOptions.Default with { Misfire = policy };

    [Fact]
    public async Task Pause_KeepsTheSchedule_ClaimsNothing_UntilResumed()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Job paused = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Assert.True(paused.IsPaused);
        Assert.Equal(JobStatus.Pending, paused.Status);
        Assert.Equal(T0.AddMinutes(1), paused.NextRun);
        Assert.NotEqual(job.Version, paused.Version);
        Assert.Null(await store.NextDueAsync(Token));
        Assert.Empty((await ClaimAsync(store, T0.AddSeconds(90))).Runs);
        Assert.True((await store.GetAsync(job.Id, Token))!.IsPaused);

        Job resumed = (await store.SetPausedAsync(job.Id, paused: false, Token))!;
        Assert.False(resumed.IsPaused);
        Assert.Equal(T0.AddMinutes(1), await store.NextDueAsync(Token));
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddSeconds(90))).Runs);
        Assert.Equal(T0.AddMinutes(1), run.ScheduledTime);
    }

    [Fact]
    public async Task Pause_Twice_AndResumeUnpaused_ChangeNothing_UnknownIsNull()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Job resumed = (await store.SetPausedAsync(job.Id, paused: false, Token))!;
        Assert.False(resumed.IsPaused);
        Assert.Equal(job.Version, resumed.Version);
        Job first = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Job second = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Assert.True(second.IsPaused);
        Assert.Equal(first.Version, second.Version);
        Assert.Null(await store.SetPausedAsync("0000000000999", paused: true, Token));
        Assert.Null(await store.SetPausedAsync("not-an-id", paused: false, Token));
    }

    [Fact]
    public async Task Pause_FinishedJob_LeavesItAsItIs()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Job cancelled = (await store.CancelAsync(job.Id, Token))!;
        Job paused = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Assert.False(paused.IsPaused);
        Assert.Equal(JobStatus.Cancelled, paused.Status);
        Assert.Equal(cancelled.Version, paused.Version);
    }

    [Fact]
    public async Task Cancel_PausedJob_CancelsIt_AndItIsNoLongerPaused()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        await store.SetPausedAsync(job.Id, paused: true, Token);
        Job cancelled = (await store.CancelAsync(job.Id, Token))!;
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.False(cancelled.IsPaused);
    }

    [Fact]
    public async Task Pause_RunningJob_TheRunFinishes_NothingMoreIsClaimed()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        Job paused = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Assert.Equal(JobStatus.Running, paused.Status);
        Assert.True(paused.IsPaused);
        Job after = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(1)))!;
        Assert.Equal(JobStatus.Pending, after.Status);
        Assert.True(after.IsPaused);
        Assert.Equal(1, after.RunCount);
        Assert.Empty((await ClaimAsync(store, T0.AddMinutes(10))).Runs);
    }

    [Fact]
    public async Task ClaimNow_PausedJob_Runs_AndLeavesItPaused()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        await store.SetPausedAsync(job.Id, paused: true, Token);
        ClaimedRun run = (await ClaimNowAsync(store, job.Id, T0.AddSeconds(10)))!;
        Job after = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddSeconds(11)))!;
        Assert.Equal(1, after.RunCount);
        Assert.True(after.IsPaused);
        Assert.Equal(T0.AddMinutes(1), after.NextRun);
    }

    [Theory]
    [InlineData(MisfirePolicy.RunOnce, 1, 0)]
    [InlineData(MisfirePolicy.Skip, 0, 1)]
    [InlineData(MisfirePolicy.RunAll, 1, 0)]
    public async Task Resume_AfterMissedOccurrences_FollowsTheMisfirePolicy(MisfirePolicy policy, int runs, int skipped)
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: Misfire(policy));
        await store.AddAsync(job, Token);
        await store.SetPausedAsync(job.Id, paused: true, Token);
        DateTimeOffset now = T0.AddMinutes(10).AddSeconds(30); // ten occurrences passed while paused
        Assert.Empty((await ClaimAsync(store, now)).Runs);
        await store.SetPausedAsync(job.Id, paused: false, Token);

        ClaimBatch batch = await ClaimAsync(store, now);
        Assert.Equal(runs, batch.Runs.Count);
        Assert.Equal(skipped, batch.Skipped.Count);
        Job after = (await store.GetAsync(job.Id, Token))!;
        DateTimeOffset expectedNext = policy == MisfirePolicy.RunAll ? T0.AddMinutes(2) : T0.AddMinutes(11);
        Assert.Equal(expectedNext, after.NextRun);
        if (batch.Runs is [var run])
        {
            Assert.Equal(T0.AddMinutes(1), run.ScheduledTime);
        }
    }

    [Fact]
    public async Task Update_KeepsThePause()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Job paused = (await store.SetPausedAsync(job.Id, paused: true, Token))!;
        Job updated = (await store.UpdateAsync(paused with { Name = "renamed", Trigger = new IntervalTrigger(TimeSpan.FromMinutes(5), T0) }, Token))!;
        Assert.True(updated.IsPaused);
        Assert.Null(await store.NextDueAsync(Token));
    }

    [Fact]
    public async Task Delete_RemovesTheJobAndItsHistory_KeepsOthers()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        Job other = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        await store.AddAsync(other, Token);
        foreach (ClaimedRun run in (await ClaimAsync(store, T0.AddMinutes(1))).Runs)
        {
            await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(1));
        }

        Assert.True(await store.DeleteAsync(job.Id, Token));
        Assert.Null(await store.GetAsync(job.Id, Token));
        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Total);
        Assert.Equal([other.Id], (await store.ListAsync(default, Token)).Items.Select(j => j.Id));
        Assert.Equal(1, (await store.ListAsync(new JobQuery { Status = JobStatus.Pending }, Token)).Total);
        Assert.Equal(1, (await store.GetRunsAsync(default, Token)).Total);
        Assert.Equal(T0.AddMinutes(2), await store.NextDueAsync(Token));
        Assert.Single((await ClaimAsync(store, T0.AddMinutes(2))).Runs);
        Assert.False(await store.DeleteAsync(job.Id, Token));
        Assert.False(await store.DeleteAsync("not-an-id", Token));
    }

    [Fact]
    public async Task Delete_RunningJob_IsRefused_ThenWorksOnceTheRunEnded()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), name: "nightly");
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.DeleteAsync(job.Id, Token));
        Assert.Contains(job.Id, error.Message, StringComparison.Ordinal);
        Assert.Contains("nightly", error.Message, StringComparison.Ordinal);
        Assert.Contains("run in progress", error.Message, StringComparison.Ordinal);
        Assert.NotNull(await store.GetAsync(job.Id, Token));
        await store.CancelAsync(job.Id, Token);
        await CompleteAsync(store, run, RunOutcome.Cancelled, T0.AddMinutes(1).AddSeconds(1));
        Assert.True(await store.DeleteAsync(job.Id, Token));
    }

    [Fact]
    public async Task FinishedAt_IsStampedWhenTheJobFinishes_AndClearedIfItMayRunAgain()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), maxRuns: 1);
        await store.AddAsync(job, Token);
        Assert.Null((await store.GetAsync(job.Id, Token))!.FinishedAt);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        // Stamped by the store's clock, not with the time the node reports.
        At(T0.AddMinutes(1).AddSeconds(5));
        Job completed = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(1)))!;
        Assert.Equal(JobStatus.Completed, completed.Status);
        Assert.Equal(T0.AddMinutes(1).AddSeconds(5), completed.FinishedAt);
        Assert.Equal(completed.FinishedAt, (await store.GetAsync(job.Id, Token))!.FinishedAt);

        // A higher limit gives it runs again: it is pending, not finished.
        Job more = (await store.UpdateAsync(completed with { MaxRuns = 5, NextRun = T0.AddMinutes(2) }, Token))!;
        Assert.Equal(JobStatus.Pending, more.Status);
        Assert.Null(more.FinishedAt);
        Job cancelled = (await store.CancelAsync(job.Id, Token))!;
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Equal(cancelled.FinishedAt, (await store.GetAsync(job.Id, Token))!.FinishedAt);
    }
}
