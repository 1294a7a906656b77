using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The store contract on the default in-memory store.</summary>
public sealed class InMemoryJobStoreTests : JobStoreContractTests
{
    protected override IJobStore CreateStore(ContractStoreOptions options) =>
        new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = options.Time, History = options.History, Retention = options.Retention });

    /// <summary>Every node of a process shares one in-memory store: the "second instance" is the same one.</summary>
    protected override IJobStore OpenSecond(IJobStore store) => store;

    /// <summary>
    /// Names whose ranges in the name index span many of its chunks (256 jobs each), start and end inside chunks and at their
    /// edges, and outlive deletes that leave chunks part full: every exact name and prefix lists what a scan of all jobs finds.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public async Task List_ByNameAndPrefix_AcrossManyIndexChunks_MatchesAScanOfEveryJob(int seed)
    {
        var random = new Random(seed);
        var store = new InMemoryJobStore(timeProvider: Clock);
        string[] names = ["a", "b", "b", "b", "b", "b", "b", "b\0", "b0", "bb", "c", "tenant-1/x", "tenant-1/y", "tenant-10/x", "\uffff", "\uffff\uffff", ""];
        List<Job> live = [];
        for (int i = 0; i < 3_000; i++)
        {
            string name = names[random.Next(names.Length)];
            Job job = NewJob(firstRun: T0.AddHours(1), name: name.Length == 0 ? $"unique-{i}" : name);
            await store.AddAsync(job, Token);
            live.Add(job);
        }

        foreach (Job gone in live.Where((_, i) => i % 3 == seed % 3).ToList())
        {
            await store.CancelAsync(gone.Id, Token);
            Assert.True(await store.DeleteAsync(gone.Id, Token));
            live.Remove(gone);
        }

        string[] asked = [.. names.Where(n => n.Length > 0), "unique-1", "unique-2999", "not-there", "B", "a\0"];
        foreach (string name in asked)
        {
            string[] expected = [.. live.Where(j => j.Name == name).Select(j => j.Id)];
            foreach ((int offset, int? limit) in ((int, int?)[])[(0, null), (0, 50), (expected.Length / 2, 100), (expected.Length, 10), (expected.Length + 1, 10)])
            {
                JobPage page = await store.ListAsync(new JobQuery { Name = name, Offset = offset, Limit = limit }, Token);
                Assert.Equal(expected.Length, page.Total);
                Assert.Equal(expected.Skip(offset).Take(limit ?? int.MaxValue), page.Items.Select(j => j.Id));
            }
        }

        foreach (string prefix in (string[])["b", "b\0", "tenant-1", "tenant-1/", "\uffff", "unique-1", "c", "zzz"])
        {
            string[] expected = [.. live.Where(j => j.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(j => j.Id)];
            JobPage page = await store.ListAsync(new JobQuery { NamePrefix = prefix, Offset = 3, Limit = 40 }, Token);
            Assert.Equal(expected.Length, page.Total);
            Assert.Equal(expected.Skip(3).Take(40), page.Items.Select(j => j.Id));
        }
    }

    /// <summary>
    /// The store's table of jobs by id through growth and deletes, with ids whose numbers crowd together (consecutive, differing
    /// only in their high bits, only in their low bits): every job is found by its id, and none that was deleted.
    /// </summary>
    [Theory]
    [InlineData("consecutive")]
    [InlineData("high bits")]
    [InlineData("low bits of a big number")]
    [InlineData("random")]
    public async Task Get_AfterManyAddsAndDeletes_FindsEveryJobByItsId(string kind)
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        var random = new Random(kind.Length);
        ulong[] keys = kind switch
        {
            "consecutive" => [.. Enumerable.Range(0, 5_000).Select(i => (ulong)i)],
            "high bits" => [.. Enumerable.Range(0, 5_000).Select(i => (ulong)i << 51)],
            "low bits of a big number" => [.. Enumerable.Range(0, 5_000).Select(i => 0xfedc_ba98_0000_0000UL | (uint)i)],
            _ => [.. Enumerable.Range(0, 5_000).Select(_ => (ulong)random.NextInt64(long.MinValue, long.MaxValue)).Distinct()],
        };
        string[] ids = [.. keys.Select(Internal.JobIds.Format)];
        Job template = NewJob(firstRun: T0.AddHours(1), name: "keyed");
        foreach (string id in ids)
        {
            await store.AddAsync(template with { Id = id }, Token);
        }

        HashSet<string> deleted = [.. ids.Where((_, i) => i % 3 == 1 || i % 7 == 0)];
        foreach (string id in deleted)
        {
            await store.CancelAsync(id, Token);
            Assert.True(await store.DeleteAsync(id, Token));
        }

        foreach (string id in ids)
        {
            Assert.Equal(deleted.Contains(id) ? null : id, (await store.GetAsync(id, Token))?.Id);
        }

        foreach (string id in deleted)
        {
            await store.AddAsync(template with { Id = id }, Token);
        }

        foreach (string id in ids)
        {
            Assert.Equal(id, (await store.GetAsync(id, Token))?.Id);
        }

        Assert.Equal(ids.Length, (await store.CountAsync(Token)).Total);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddAsync(template with { Id = ids[^1] }, Token));
    }

    /// <summary>
    /// The in-memory store makes no job snapshot and formats no run id per claim: each is made when first read, and is what
    /// a snapshot made at the claim would have shown (the job, running; an id of the store's shape, the one the history records).
    /// </summary>
    [Fact]
    public async Task Claim_JobAndRunIdMadeWhenFirstRead_AreTheClaimedJobsAndTheRecordedId()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        var options = new JobOptions { MaxAttempts = 3 };
        Job job = NewJob(options: options, name: "nightly");
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0)).Runs);

        Assert.Equal(job.Id, run.Job.Id);
        Assert.Equal("nightly", run.Job.Name);
        Assert.Equal("task", run.Job.Task);
        Assert.Same(options, run.Job.Options);
        Assert.Equal(JobStatus.Running, run.Job.Status);
        Assert.Same(run.Job, run.Job);
        Assert.Equal(13, run.RunId.Length);
        Assert.Same(run.RunId, run.RunId);

        await CompleteAsync(store, run, RunOutcome.Succeeded, T0);
        Assert.Equal(run.RunId, Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items).RunId);
    }

    /// <summary>
    /// A history row keeps one text, the error or the result: a completion that a caller of the store writes with both, or
    /// with an outcome of no defined value, is kept as written all the same.
    /// </summary>
    [Theory]
    [InlineData(RunOutcome.Succeeded, "IOException: disk full", "done")]
    [InlineData(RunOutcome.Failed, "IOException: disk full", "done")]
    [InlineData(RunOutcome.Succeeded, null, "done")]
    [InlineData(RunOutcome.Failed, "IOException: disk full", null)]
    [InlineData(RunOutcome.Cancelled, null, null)]
    [InlineData((RunOutcome)300, "odd", null)]
    public async Task History_AnyErrorResultAndOutcome_ReadBackAsWritten(RunOutcome outcome, string? error, string? result)
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
        await store.CompleteRunAsync(
            new RunCompletion { Run = run, Outcome = outcome, StartedAt = T0.AddMinutes(1), FinishedAt = T0.AddMinutes(1), Error = error, Result = result },
            Token);

        RunRecord record = Assert.Single((await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token)).Items);
        Assert.Equal(outcome, record.Outcome);
        Assert.Equal(error, record.Error);
        Assert.Equal(result is null || outcome != RunOutcome.Succeeded ? null : "\"" + result + "\"", record.Result);
    }

    /// <summary>
    /// A completion names its run by id and fencing token: one the store did not hand out (an id of another shape, another
    /// id, the right id with another token or node) is refused as fenced, and the run stays held until its own completion.
    /// </summary>
    [Theory]
    [InlineData("id of another shape")]
    [InlineData("empty id")]
    [InlineData("another id of the store's shape")]
    [InlineData("id with a trailing space")]
    [InlineData("another fencing token")]
    [InlineData("another node")]
    public async Task Complete_ARunTheStoreDidNotHandOut_IsFencedAndTheHeldRunStaysHeld(string forged)
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        Job job = NewJob();
        await store.AddAsync(job, Token);
        ClaimedRun run = Assert.Single((await ClaimAsync(store, T0)).Runs);
        var other = new ClaimedRun
        {
            RunId = forged switch
            {
                "id of another shape" => "run-1",
                "empty id" => "",
                "another id of the store's shape" => RunIds.New(),
                "id with a trailing space" => run.RunId + " ",
                _ => run.RunId,
            },
            Job = job,
            ScheduledTime = run.ScheduledTime,
            ClaimedAt = run.ClaimedAt,
            InstanceId = forged == "another node" ? "someone-else" : run.InstanceId,
            NodeName = run.NodeName,
            LeaseUntil = run.LeaseUntil,
            FencingToken = forged == "another fencing token" ? run.FencingToken + 1 : run.FencingToken,
        };

        RunCompletionResult refused = await store.CompleteRunAsync(
            new RunCompletion { Run = other, Outcome = RunOutcome.Succeeded, StartedAt = T0, FinishedAt = T0 }, Token);
        Assert.Equal(RunCompletionStatus.Fenced, refused.Status);
        Assert.Equal(JobStatus.Running, (await store.GetAsync(job.Id, Token))!.Status);

        RunCompletionResult recorded = await store.CompleteRunAsync(
            new RunCompletion { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = T0, FinishedAt = T0 }, Token);
        Assert.Equal(RunCompletionStatus.Recorded, recorded.Status);
    }

    [Fact]
    public void IsNotDurable() => Assert.False(new InMemoryJobStore().IsDurable);

    [Fact]
    public void Options_NotValid_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new InMemoryJobStore(new InMemoryJobStoreOptions
        {
            History = new RunHistoryOptions { MaxRunsPerJob = -1 },
            Retention = new JobRetentionOptions { FinishedJobs = TimeSpan.Zero, BatchSize = 0 },
        }));
        Assert.Contains("MaxRunsPerJob is -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("FinishedJobs is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Contains("BatchSize is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistoryRetention_LooksOnlyAtTheJobsOfExpiredRuns_NotAtEveryJob()
    {
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions
        {
            TimeProvider = Clock,
            Retention = new JobRetentionOptions { Runs = TimeSpan.FromDays(1) },
        });
        var jobs = Enumerable.Range(0, 200).Select(_ => NewJob(EveryMinute())).ToList();
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        // One job ran a day and a half ago, the others an hour ago: only its run has expired.
        ClaimedRun old = (await ClaimNowAsync(store, jobs[0].Id, T0))!;
        await CompleteAsync(store, old, RunOutcome.Succeeded, T0);
        foreach (Job job in jobs.Skip(1))
        {
            ClaimedRun run = (await ClaimNowAsync(store, job.Id, T0.AddHours(35)))!;
            await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddHours(35));
        }

        At(T0.AddHours(36));
        Assert.Equal(1, (await store.PurgeExpiredAsync(Token)).RunsDeleted);
        Assert.Equal(0, (await store.PurgeExpiredAsync(Token)).RunsDeleted);
        Assert.Equal(1, store.HistoryJobsVisited);
        Assert.Equal(199, (await store.GetRunsAsync(new RunQuery(), Token)).Total);
    }
    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 10)]
    [InlineData(5, 5)]
    [InlineData(100, 7)]
    public async Task History_JobsInterleavedDeletedAndAddedAgain_EachKeepsItsOwnNewestRunsOnly(int maxRunsPerJob, int runsPerJob)
    {
        // Every job's rows live in arrays shared by all jobs, and a deleted job's rows are reused: a job must only ever see its own.
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = Clock, History = new RunHistoryOptions { MaxRunsPerJob = maxRunsPerJob } });
        var jobs = new List<Job>();
        for (int i = 0; i < 6; i++)
        {
            jobs.Add(NewJob(EveryMinute(), name: "job" + i));
            await store.AddAsync(jobs[^1], Token);
        }

        async Task RunAllAsync(IEnumerable<Job> which, int round)
        {
            foreach (Job job in which)
            {
                ClaimedRun run = (await ClaimNowAsync(store, job.Id, T0.AddMinutes(round)))!;
                await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(round), result: job.Name + "#" + round);
            }
        }

        for (int round = 0; round < runsPerJob; round++)
        {
            await RunAllAsync(jobs, round);
        }

        Assert.True(await store.DeleteAsync(jobs[1].Id, Token));
        Assert.True(await store.DeleteAsync(jobs[4].Id, Token));
        var added = NewJob(EveryMinute(), name: "added");
        await store.AddAsync(added, Token);
        await RunAllAsync([added], 100);
        Assert.Equal(["\"added#100\""], (await store.GetRunsAsync(new RunQuery { JobId = added.Id }, Token)).Items.Select(r => r.Result));
        Assert.Empty((await store.GetRunsAsync(new RunQuery { JobId = jobs[1].Id }, Token)).Items);

        foreach (Job job in jobs.Where((_, i) => i is not (1 or 4)))
        {
            RunPage page = await store.GetRunsAsync(new RunQuery { JobId = job.Id }, Token);
            int kept = Math.Min(maxRunsPerJob, runsPerJob);
            string?[] expected = Enumerable.Range(runsPerJob - kept, kept).Reverse().Select(r => $"\"{job.Name}#{r}\"").ToArray();
            Assert.Equal(expected, page.Items.Select(r => r.Result));
            Assert.All(page.Items, r => Assert.Equal(job.Id, r.JobId));
        }

        Assert.Equal((4 * Math.Min(maxRunsPerJob, runsPerJob)) + 1, (await store.GetRunsAsync(new RunQuery(), Token)).Total);
    }
    public static TheoryData<string> Definitions => ["usual", "args", "kwargs", "options", "maxRuns", "task", "source", "all"];

    [Theory]
    [MemberData(nameof(Definitions))]
    public async Task Update_FromUsualToUnusualAndBack_GetShowsEachDefinitionExactly(string what)
    {
        // A job keeps what most jobs leave at its default in a part of its own, made only when needed: each way there and
        // back must show exactly what was given, and a run's result and error must not stick to the next run.
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = Clock });
        Job usual = NewJob(EveryMinute(), name: "job");
        await store.AddAsync(usual, Token);
        Job unusual = What(what, usual);

        Job stored = (await store.UpdateAsync(unusual with { Version = 1 }, Token))!;
        AssertDefinition(unusual, stored);
        AssertDefinition(unusual, (await store.GetAsync(usual.Id, Token))!);

        ClaimedRun failed = (await ClaimNowAsync(store, usual.Id, T0))!;
        Job afterFailure = (await CompleteAsync(store, failed, RunOutcome.Failed, T0, error: "Boom: bad"))!;
        Assert.Equal("Boom: bad", afterFailure.Error);
        ClaimedRun succeeded = (await ClaimNowAsync(store, usual.Id, T0.AddMinutes(1)))!;
        Job afterSuccess = (await CompleteAsync(store, succeeded, RunOutcome.Succeeded, T0.AddMinutes(1), result: null))!;
        Assert.Null(afterSuccess.Error);
        Assert.Null(afterSuccess.Result);

        Job back = (await store.UpdateAsync(usual with { Version = afterSuccess.Version }, Token))!;
        AssertDefinition(usual, back);
        AssertDefinition(usual, (await store.GetAsync(usual.Id, Token))!);
        Assert.Equal(1, back.RunCount);
        Assert.Equal(1, back.FailureCount);
    }

    private static Job What(string what, Job job)
    {
        var options = new JobOptions { MaxAttempts = 3, Overlap = OverlapPolicy.Queue };
        return what switch
        {
            "usual" => job,
            "args" => job with { Args = [1, "two", null] },
            "kwargs" => job with { Kwargs = new Dictionary<string, object?> { ["a"] = 1 } },
            "options" => job with { Options = options },
            "maxRuns" => job with { MaxRuns = 5 },
            "task" => job with { Task = "backup", Func = null },
            "source" => job with { Source = "jobs.json" },
            _ => job with { Args = [1], Kwargs = new Dictionary<string, object?> { ["b"] = 2 }, Options = options, MaxRuns = 7, Task = "backup", Func = null, Source = "x" },
        };
    }

    private static void AssertDefinition(Job expected, Job actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Same(expected.Func, actual.Func);
        Assert.Equal(expected.Task, actual.Task);
        Assert.Equal(expected.Args, actual.Args);
        Assert.Equal(expected.Kwargs, actual.Kwargs);
        Assert.Same(expected.Options, actual.Options);
        Assert.Equal(expected.MaxRuns, actual.MaxRuns);
        Assert.Equal(expected.Source, actual.Source);
        Assert.Same(expected.Trigger, actual.Trigger);
    }
}
