using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Two instances on one database (two nodes) racing: each occurrence, declared job and outcome happens once.</summary>
public abstract partial class JobStoreContractTests
{
    [Fact]
    public async Task Add_DeclaredJob_NotAddedWhileALiveJobOfTheSameSourceAndNameExists()
    {
        IJobStore store = CreateStore();
        Job first = NewJob(EveryMinute(), name: "backup") with { Source = "jobs.json" };
        Assert.True((await store.AddAsync(first, Token)).Added);

        AddJobResult again = await store.AddAsync(NewJob(EveryMinute(), name: "backup") with { Source = "jobs.json" }, Token);
        Assert.False(again.Added);
        Assert.Equal(first.Id, again.Job.Id);
        await store.SetPausedAsync(first.Id, paused: true, Token);
        Assert.False((await store.AddAsync(NewJob(name: "backup") with { Source = "jobs.json" }, Token)).Added);

        // Another source, no source, or another name: added.
        Assert.True((await store.AddAsync(NewJob(name: "backup") with { Source = "other.json" }, Token)).Added);
        Assert.True((await store.AddAsync(NewJob(name: "backup"), Token)).Added);
        Assert.True((await store.AddAsync(NewJob(name: "backup"), Token)).Added);
        Assert.True((await store.AddAsync(NewJob(name: "restore") with { Source = "jobs.json" }, Token)).Added);

        // Once the job is finished, its name is free again.
        await store.CancelAsync(first.Id, Token);
        Job next = NewJob(EveryMinute(), name: "backup") with { Source = "jobs.json" };
        AddJobResult added = await store.AddAsync(next, Token);
        Assert.True(added.Added);
        Assert.Equal(next.Id, added.Job.Id);
    }

    [Fact]
    public async Task ClaimNow_FinishedDeclaredJobWhoseNameHasANewerLiveJob_IsRefusedAndChangesNothing()
    {
        IJobStore store = CreateStore();
        Job old = NewJob(name: "backup") with { Source = "jobs.json" };
        await store.AddAsync(old, Token);
        ClaimedRun run = (await ClaimAsync(store, T0)).Runs.Single();
        Job finished = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddSeconds(1)))!;
        Assert.Equal(JobStatus.Completed, finished.Status);
        Job live = NewJob(EveryMinute(), name: "backup") with { Source = "jobs.json" };
        Assert.True((await store.AddAsync(live, Token)).Added);
        Job liveBefore = (await store.GetAsync(live.Id, Token))!;

        At(T0.AddSeconds(10));
        InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await store.ClaimNowAsync(old.Id, Request(), Token));

        Assert.Equal(StoreErrors.ClaimNameTaken(old.Id, "backup", live.Id).Message, refused.Message);
        Job oldAfter = (await store.GetAsync(old.Id, Token))!;
        Assert.Equal(JobStatus.Completed, oldAfter.Status);
        Assert.Equal(finished.Version, oldAfter.Version);
        Assert.Equal(finished.RunCount, oldAfter.RunCount);
        Job liveAfter = (await store.GetAsync(live.Id, Token))!;
        Assert.Equal((JobStatus.Pending, liveBefore.Version, liveBefore.NextRun), (liveAfter.Status, liveAfter.Version, liveAfter.NextRun));
        Assert.Empty(await RecoverAsync(store, T0.AddHours(1))); // no claim was made
    }

    [Fact]
    public async Task Add_TwoInstancesDeclaringTheSameJobsAtOnce_EndWithOneLiveJobPerName()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        for (int round = 0; round < 20; round++)
        {
            Job mine = NewJob(EveryMinute(), name: $"declared-{round}") with { Source = "jobs.json" };
            Job theirs = NewJob(EveryMinute(), name: $"declared-{round}") with { Source = "jobs.json" };
            AddJobResult[] results = await Task.WhenAll(
                Task.Run(async () => await store.AddAsync(mine, Token), Token),
                Task.Run(async () => await second.AddAsync(theirs, Token), Token));
            AddJobResult winner = Assert.Single(results, r => r.Added);
            AddJobResult loser = Assert.Single(results, r => !r.Added);
            Assert.Equal(winner.Job.Id, loser.Job.Id);
        }

        JobPage live = await second.ListAsync(new JobQuery { Status = JobStatus.Pending }, Token);
        Assert.Equal(20, live.Total);
        Assert.Equal(20, live.Items.Select(j => j.Name).Distinct().Count());
    }

    [Fact]
    public async Task CompleteAndRecover_RacingOnTwoInstances_OneOutcomeIsRecorded()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        for (int round = 0; round < 20; round++)
        {
            DateTimeOffset start = T0.AddHours(round);
            Job job = NewJob(firstRun: start);
            await store.AddAsync(job, Token);
            ClaimedRun run = Assert.Single((await ClaimAsync(store, start, node: NodeA, lease: TimeSpan.FromMinutes(1))).Runs);
            At(start.AddMinutes(2));
            (RunCompletionResult completed, IReadOnlyList<ClaimedRun> recovered) = await Race(
                async () => await store.CompleteRunAsync(Completion(run, RunOutcome.Succeeded, start.AddMinutes(2)), Token),
                async () => await second.RecoverExpiredAsync(Token));

            bool recorded = completed.Status == RunCompletionStatus.Recorded;
            Assert.NotEqual(recorded, recovered.Any(r => r.RunId == run.RunId));
            Assert.Equal(recorded ? RunCompletionStatus.Recorded : RunCompletionStatus.Fenced, completed.Status);
            RunRecord record = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items);
            Assert.Equal(recorded ? RunOutcome.Succeeded : RunOutcome.Interrupted, record.Outcome);
            Job after = (await second.GetAsync(job.Id, Token))!;
            Assert.Equal(0, after.ActiveRuns);
            Assert.Equal((recorded ? 1 : 0, recorded ? 0 : 1), (after.RunCount, after.FailureCount));
        }
    }

    [Fact]
    public async Task Claim_TwoInstancesRacingOnEveryMinuteJobs_EachOccurrenceOnce()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        var jobs = Enumerable.Range(0, 20).Select(_ => NewJob(EveryMinute(), options: new JobOptions { Overlap = OverlapPolicy.Allow })).ToList();
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        var claimed = new List<ClaimedRun>();
        for (int minute = 1; minute <= 5; minute++)
        {
            At(T0.AddMinutes(minute));
            (ClaimBatch a, ClaimBatch b) = await Race(
                async () => await store.ClaimDueAsync(Request(NodeA, max: 7), Token),
                async () => await second.ClaimDueAsync(Request(NodeB, max: 7), Token));
            claimed.AddRange(a.Runs);
            claimed.AddRange(b.Runs);
            foreach (IJobStore instance in new[] { store, second })
            {
                while ((await instance.ClaimDueAsync(Request(max: 7), Token)).Runs is { Count: > 0 } more)
                {
                    claimed.AddRange(more);
                }
            }
        }

        Assert.Equal(100, claimed.Count);
        Assert.Equal(100, claimed.Select(r => (r.Job.Id, r.ScheduledTime)).Distinct().Count());
        Assert.Equal(100, claimed.Select(r => r.FencingToken).Distinct().Count());
        Assert.Equal(100, claimed.Select(r => r.RunId).Distinct().Count());
    }

    /// <summary>Starts both calls on thread-pool threads at once and waits for both.</summary>
    private static async Task<(TA, TB)> Race<TA, TB>(Func<Task<TA>> a, Func<Task<TB>> b)
    {
        using var start = new ManualResetEventSlim();
        Task<TA> first = Task.Run(async () =>
        {
            start.Wait(Token);
            return await a();
        }, Token);
        Task<TB> second = Task.Run(async () =>
        {
            start.Wait(Token);
            return await b();
        }, Token);
        start.Set();
        return (await first, await second);
    }
}
