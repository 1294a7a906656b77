using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Retention: finished jobs and old history are deleted store-wide, in bounded batches, by the store's clock.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task Retention_FinishedJobsOlderThanTheAge_AreDeletedWithTheirHistory_LiveJobsNever()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = TimeSpan.FromHours(1) });
        IJobStore second = OpenSecond(store);
        Job completed = NewJob();
        Job failed = NewJob();
        Job cancelled = NewJob(EveryMinute());
        Job pending = NewJob(EveryMinute(), options: new JobOptions { Overlap = OverlapPolicy.Allow });
        Job paused = NewJob(EveryMinute());
        Job running = NewJob(firstRun: T0);
        foreach (Job job in new[] { completed, failed, cancelled, pending, paused, running })
        {
            await store.AddAsync(job, Token);
        }

        ClaimBatch batch = await ClaimAsync(store, T0);
        await CompleteAsync(store, batch.Runs.Single(r => r.Job.Id == completed.Id), RunOutcome.Succeeded, T0);
        await CompleteAsync(store, batch.Runs.Single(r => r.Job.Id == failed.Id), RunOutcome.Failed, T0, error: "E: x");
        await store.CancelAsync(cancelled.Id, Token);
        await store.SetPausedAsync(paused.Id, paused: true, Token);
        foreach (ClaimedRun run in (await ClaimAsync(store, T0.AddMinutes(1))).Runs)
        {
            await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1));
        }

        // Not yet an hour old: nothing goes.
        At(T0.AddHours(1));
        Assert.Equal(0, (await second.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.Equal(6, (await store.ListAsync(default, Token)).Total);

        At(T0.AddHours(2));
        RetentionResult purged = await second.PurgeExpiredAsync(Token);
        Assert.Equal(3, purged.JobsDeleted);
        Assert.Equal(2, purged.RunsDeleted);
        Assert.Equal(
            new[] { pending.Id, paused.Id, running.Id }.Order(StringComparer.Ordinal),
            (await store.ListAsync(default, Token)).Items.Select(j => j.Id).Order(StringComparer.Ordinal));
        Assert.Null(await store.GetAsync(completed.Id, Token));
        Assert.Equal(0, (await store.GetRunsAsync(new RunQuery { JobId = completed.Id }, Token)).Total);
        Assert.Equal(1, (await store.GetRunsAsync(new RunQuery { JobId = pending.Id }, Token)).Total);
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
    }

    [Fact]
    public async Task Retention_AgeIsFromWhenTheJobFinished_ByTheStoresClock()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = TimeSpan.FromHours(1) });
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        At(T0.AddDays(3));
        await store.CancelAsync(job.Id, Token);
        At(T0.AddDays(3).AddMinutes(59));
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        At(T0.AddDays(3).AddMinutes(61));
        Assert.Equal(1, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
    }

    [Fact]
    public async Task Retention_CancelledJobWithARunInProgress_WaitsForTheRun()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = TimeSpan.FromHours(1) });
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1), lease: TimeSpan.FromDays(1))).Runs);
        await store.CancelAsync(job.Id, Token);
        At(T0.AddHours(3));
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        await CompleteAsync(store, run, RunOutcome.Cancelled, T0.AddHours(3));
        RetentionResult purged = await store.PurgeExpiredAsync(Token);
        Assert.Equal(1, purged.JobsDeleted);
        Assert.Equal(1, purged.RunsDeleted);
    }

    [Fact]
    public async Task Retention_DeletesAtMostABatchPerCall_OldestFirst()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = TimeSpan.FromHours(1), BatchSize = 2 });
        var jobs = new List<Job>();
        for (int i = 0; i < 5; i++)
        {
            Job job = NewJob(EveryMinute());
            jobs.Add(job);
            await store.AddAsync(job, Token);
            At(T0.AddMinutes(i));
            await store.CancelAsync(job.Id, Token);
        }

        At(T0.AddHours(2));
        Assert.Equal(2, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.Equal(jobs.Skip(2).Select(j => j.Id), (await store.ListAsync(default, Token)).Items.Select(j => j.Id));
        Assert.Equal(2, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.Equal(1, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.Equal(0, (await store.ListAsync(default, Token)).Total);
    }

    [Fact]
    public async Task Retention_RunsOlderThanTheAge_AreDeletedStoreWide_InBatches_FromJobsThatNoLongerRun()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = null, Runs = TimeSpan.FromHours(1), BatchSize = 3 });
        Job busy = NewJob(EveryMinute());
        Job quiet = NewJob(EveryMinute(), maxRuns: 2);
        await store.AddAsync(busy, Token);
        await store.AddAsync(quiet, Token);
        for (int minute = 1; minute <= 3; minute++)
        {
            foreach (ClaimedRun run in (await ClaimAsync(store, T0.AddMinutes(minute))).Runs)
            {
                await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(minute));
            }
        }

        // quiet finished after two runs; busy ran three times. Ninety minutes on, busy runs once more.
        ClaimedRun recent = Assert.Single((await ClaimAsync(store, T0.AddMinutes(93))).Runs);
        await CompleteAsync(store, recent, RunOutcome.Succeeded, T0.AddMinutes(93));
        Assert.Equal(6, (await store.GetRunsAsync(default, Token)).Total);

        RetentionResult first = await store.PurgeExpiredAsync(Token);
        Assert.Equal(3, first.RunsDeleted);
        Assert.Equal(0, first.JobsDeleted);
        Assert.Equal(2, (await store.PurgeExpiredAsync(Token)).RunsDeleted);
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).RunsDeleted);
        Assert.Equal([recent.RunId], (await store.GetRunsAsync(default, Token)).Items.Select(r => r.RunId));
        Assert.Equal(JobStatus.Completed, (await store.GetAsync(quiet.Id, Token))!.Status);
    }

    [Fact]
    public async Task Retention_FinishedJobsNull_KeepsFinishedJobs()
    {
        IJobStore store = CreateStore(new JobRetentionOptions { FinishedJobs = null });
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        await store.CancelAsync(job.Id, Token);
        At(T0.AddDays(365));
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).JobsDeleted);
        Assert.NotNull(await store.GetAsync(job.Id, Token));
    }
}
