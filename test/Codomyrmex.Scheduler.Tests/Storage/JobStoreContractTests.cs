using System.Text.Json;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The <see cref="IJobStore"/> contract. Every store runs this suite unchanged: derive a class that creates a fresh, empty
/// database with a store on it, and opens a second store instance on the same database (a second node or process).
/// </summary>
/// <remarks>
/// The store's clock is the clock of record, so every store is given <see cref="Clock"/>, a fake clock the tests move; a
/// node passes durations, never times. Concurrency tests race two store instances on one database, as two nodes would.
/// </remarks>
public abstract partial class JobStoreContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The default lease of a claim in these tests.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    protected static readonly NodeIdentity NodeA = NewNode("node-a");
    protected static readonly NodeIdentity NodeB = NewNode("node-b");

    private int _counter;

    /// <summary>Gets the clock of the store (of every instance on the test's database).</summary>
    protected FakeTimeProvider Clock { get; } = new(T0);

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Creates a new, empty database, and a store on it with these options.</summary>
    protected abstract IJobStore CreateStore(ContractStoreOptions options);

    /// <summary>Opens another store instance on the database of <paramref name="store"/>, with the same options (the in-memory store returns itself).</summary>
    protected abstract IJobStore OpenSecond(IJobStore store);

    /// <summary>Creates a new, empty store on <see cref="Clock"/> with the default history and retention.</summary>
    protected IJobStore CreateStore() => CreateStore(new ContractStoreOptions { Time = Clock });

    /// <summary>Creates a new, empty store on <see cref="Clock"/> that keeps run history as <paramref name="history"/> says.</summary>
    protected IJobStore CreateStore(RunHistoryOptions history) => CreateStore(new ContractStoreOptions { Time = Clock, History = history });

    /// <summary>Creates a new, empty store on <see cref="Clock"/> with these retention options.</summary>
    protected IJobStore CreateStore(JobRetentionOptions retention) => CreateStore(new ContractStoreOptions { Time = Clock, Retention = retention });

    /// <summary>A node of this name with an instance id of its own.</summary>
    protected static NodeIdentity NewNode(string name, string instance = "1") =>
        new() { InstanceId = name + "/" + instance, Name = name, Host = "test-host", ProcessId = 42, StartedAt = T0 };

    /// <summary>A value as JSON text: durable stores give results and arguments back as JSON nodes, the in-memory store as given.</summary>
    protected static string Json(object? value) => JsonSerializer.Serialize(value);

    /// <summary>A job as the scheduler would add it: a bound trigger and its first run.</summary>
    protected Job NewJob(Trigger? trigger = null, DateTimeOffset? firstRun = null, int? maxRuns = null, JobOptions? options = null, string? name = null)
    {
        int n = Interlocked.Increment(ref _counter);
        return new Job
        {
            Id = $"0000000000{n:000}",
            Name = name ?? $"job-{n}",
            Task = "task",
            Trigger = trigger,
            Status = JobStatus.Pending,
            CreatedAt = T0,
            NextRun = firstRun ?? trigger?.GetNextRun(T0) ?? T0,
            MaxRuns = maxRuns,
            Options = options ?? JobOptions.Default,
            Version = 1,
        };
    }

    protected static IntervalTrigger EveryMinute() => new(TimeSpan.FromMinutes(1), T0);

    /// <summary>Moves the store's clock to <paramref name="now"/>; the tests only ever move it forward.</summary>
    protected void At(DateTimeOffset now)
    {
        Assert.True(now >= Clock.GetUtcNow(), $"The test moves the clock back, from {Clock.GetUtcNow():O} to {now:O}.");
        Clock.SetUtcNow(now);
    }

    protected static ClaimRequest Request(NodeIdentity? node = null, int max = 100, TimeSpan? lease = null) =>
        new() { Node = node ?? NodeA, MaxRuns = max, LeaseDuration = lease ?? Lease };

    /// <summary>Claims what is due when the store's clock reads <paramref name="now"/>.</summary>
    protected async Task<ClaimBatch> ClaimAsync(IJobStore store, DateTimeOffset now, int max = 100, NodeIdentity? node = null, TimeSpan? lease = null)
    {
        At(now);
        return await store.ClaimDueAsync(Request(node, max, lease), Token);
    }

    protected async Task<ClaimedRun?> ClaimNowAsync(IJobStore store, string id, DateTimeOffset now, NodeIdentity? node = null, TimeSpan? lease = null)
    {
        At(now);
        return await store.ClaimNowAsync(id, Request(node, lease: lease), Token);
    }

    protected async Task<IReadOnlyList<ClaimedRun>> RecoverAsync(IJobStore store, DateTimeOffset now)
    {
        At(now);
        return await store.RecoverExpiredAsync(Token);
    }

    protected static RunCompletion Completion(ClaimedRun run, RunOutcome outcome, DateTimeOffset at, object? result = null, string? error = null,
        DateTimeOffset? retryAt = null) =>
        new() { Run = run, Outcome = outcome, StartedAt = run.ClaimedAt, FinishedAt = at, Result = result, Error = error, RetryAt = retryAt };

    /// <summary>Completes a run as its node would (times by the node's clock); the job if the outcome was recorded, else null.</summary>
    protected static async Task<Job?> CompleteAsync(IJobStore store, ClaimedRun run, RunOutcome outcome, DateTimeOffset at, object? result = null,
        string? error = null, DateTimeOffset? retryAt = null)
    {
        RunCompletionResult completed = await store.CompleteRunAsync(Completion(run, outcome, at, result, error, retryAt), Token);
        Assert.Equal(completed.Status == RunCompletionStatus.Recorded, completed.Job is not null);
        return completed.Job;
    }

    /// <summary>A heartbeat of <paramref name="node"/> that holds <paramref name="runs"/>.</summary>
    protected static NodeHeartbeat Heartbeat(NodeIdentity node, TimeSpan? lease = null, params ClaimedRun[] runs) => new()
    {
        Node = node,
        LeaseDuration = lease ?? Lease,
        Runs = runs.Select(r => new HeldRun { RunId = r.RunId, FencingToken = r.FencingToken }).ToArray(),
    };

    [Fact]
    public async Task Add_ThenGet_ReturnsTheJob()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), maxRuns: 3, name: "backup") with
        {
            Args = [JsonValue.Create("/tmp")],
            Kwargs = new Dictionary<string, object?> { ["k"] = JsonValue.Create(1) },
            Source = "jobs.json",
        };
        await store.AddAsync(job, Token);
        Job? read = await store.GetAsync(job.Id, Token);
        Assert.NotNull(read);
        Assert.Equal("backup", read.Name);
        Assert.Equal(JobStatus.Pending, read.Status);
        Assert.Equal(T0.AddMinutes(1), read.NextRun);
        Assert.Equal(3, read.MaxRuns);
        Assert.Equal("task", read.Task);
        Assert.Equal(T0, read.CreatedAt);
        Assert.Equal(0, read.RunCount);
        Assert.Equal("[\"/tmp\"]", Json(read.Args));
        Assert.Equal("{\"k\":1}", Json(read.Kwargs));
        Assert.Equal("jobs.json", read.Source);
        Assert.Equal(job.Trigger!.ToString(), read.Trigger!.ToString());
        Assert.True(job.Trigger.Equals(read.Trigger));
    }

    [Fact]
    public async Task Add_DuplicateId_ThrowsAndKeepsTheFirst()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(name: "first");
        await store.AddAsync(job, Token);
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.AddAsync(job with { Name = "second" }, Token));
        Assert.Equal("first", (await store.GetAsync(job.Id, Token))!.Name);
    }

    [Fact]
    public async Task Get_Unknown_IsNull()
    {
        IJobStore store = CreateStore();
        Assert.Null(await store.GetAsync("0000000000999", Token));
        Assert.Null(await store.GetAsync("not-an-id", Token));
    }

    [Fact]
    public async Task List_FiltersByStatus_PagesInInsertionOrder()
    {
        IJobStore store = CreateStore();
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            Job job = NewJob(EveryMinute());
            ids.Add(job.Id);
            await store.AddAsync(job, Token);
        }

        await store.CancelAsync(ids[1], Token);
        JobPage all = await store.ListAsync(new JobQuery(), Token);
        Assert.Equal(ids, all.Items.Select(j => j.Id));
        Assert.Equal(5, all.Total);
        JobPage pending = await store.ListAsync(new JobQuery { Status = JobStatus.Pending, Offset = 1, Limit = 2 }, Token);
        Assert.Equal([ids[2], ids[3]], pending.Items.Select(j => j.Id));
        Assert.Equal(4, pending.Total);
        Assert.Equal([ids[1]], (await store.ListAsync(new JobQuery { Status = JobStatus.Cancelled }, Token)).Items.Select(j => j.Id));
    }

    [Fact]
    public async Task Update_WithCurrentVersion_Succeeds_StaleVersion_Fails()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Job read = (await store.GetAsync(job.Id, Token))!;
        Job? updated = await store.UpdateAsync(read with { Name = "renamed" }, Token);
        Assert.NotNull(updated);
        Assert.Equal("renamed", updated.Name);
        Assert.NotEqual(read.Version, updated.Version);
        Assert.Null(await store.UpdateAsync(read with { Name = "stale" }, Token));
        Assert.Equal("renamed", (await store.GetAsync(job.Id, Token))!.Name);
        Assert.Null(await store.UpdateAsync(NewJob(), Token));
    }

    [Fact]
    public async Task Cancel_IsFinal_Idempotent_AndUnknownIsNull()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        Assert.Equal(JobStatus.Cancelled, (await store.CancelAsync(job.Id, Token))!.Status);
        Assert.Equal(JobStatus.Cancelled, (await store.CancelAsync(job.Id, Token))!.Status);
        Assert.Null(await store.CancelAsync("0000000000999", Token));
        Assert.Empty((await ClaimAsync(store, T0.AddHours(1))).Runs);
        Assert.Null(await store.NextDueAsync(Token));
    }

    [Fact]
    public async Task NextDue_IsTheEarliestDueTime()
    {
        IJobStore store = CreateStore();
        Assert.Null(await store.NextDueAsync(Token));
        await store.AddAsync(NewJob(firstRun: T0.AddMinutes(5)), Token);
        await store.AddAsync(NewJob(firstRun: T0.AddMinutes(2)), Token);
        await store.AddAsync(NewJob(firstRun: T0.AddMinutes(9)), Token);
        Assert.Equal(T0.AddMinutes(2), await store.NextDueAsync(Token));
    }

    [Fact]
    public async Task ClaimDue_ClaimsOnlyDueJobs_AdvancesTheNextRun_MarksThemRunning()
    {
        IJobStore store = CreateStore();
        Job due = NewJob(EveryMinute());
        Job later = NewJob(firstRun: T0.AddHours(1));
        await store.AddAsync(due, Token);
        await store.AddAsync(later, Token);
        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1));
        ClaimedRun run = Assert.Single(batch.Runs);
        Assert.Equal(due.Id, run.Job.Id);
        Assert.Equal(T0.AddMinutes(1), run.ScheduledTime);
        Assert.Equal(NodeA.Name, run.NodeName);
        Assert.Equal(NodeA.InstanceId, run.InstanceId);
        Assert.Equal(1, run.Attempt);
        Assert.False(run.IsManual);
        Job claimed = (await store.GetAsync(due.Id, Token))!;
        Assert.Equal(JobStatus.Running, claimed.Status);
        Assert.Equal(T0.AddMinutes(2), claimed.NextRun);
        Assert.Equal(1, claimed.ActiveRuns);
        Assert.Empty((await ClaimAsync(store, T0.AddMinutes(1))).Runs);
    }

    [Fact]
    public async Task ClaimDue_RespectsMax_OldestFirst()
    {
        IJobStore store = CreateStore();
        var jobs = Enumerable.Range(0, 5).Select(i => NewJob(firstRun: T0.AddSeconds(10 - i))).ToList();
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1), max: 2);
        Assert.Equal([jobs[4].Id, jobs[3].Id], batch.Runs.Select(r => r.Job.Id));
        Assert.Equal(3, (await ClaimAsync(store, T0.AddMinutes(1))).Runs.Count);
    }

    [Fact]
    public async Task ClaimDue_TwoInstancesRacing_ClaimEachOccurrenceOnce()
    {
        IJobStore store = CreateStore();
        IJobStore second = OpenSecond(store);
        for (int i = 0; i < 500; i++)
        {
            await store.AddAsync(NewJob(firstRun: T0.AddMilliseconds(i)), Token);
        }

        At(T0.AddMinutes(1));
        var claimers = Enumerable.Range(0, 4).Select(n => Task.Run(async () =>
        {
            var mine = new List<string>();
            IJobStore instance = n % 2 == 0 ? store : second;
            while (true)
            {
                ClaimBatch batch = await instance.ClaimDueAsync(Request(NewNode($"node-{n}"), max: 7), Token);
                if (batch.Runs.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Runs.Select(r => r.Job.Id));
            }
        }, Token)).ToList();
        List<string>[] results = await Task.WhenAll(claimers);
        List<string> all = [.. results.SelectMany(r => r)];
        Assert.Equal(500, all.Count);
        Assert.Equal(500, all.Distinct().Count());
    }

    [Fact]
    public async Task CompleteRun_Success_CountsAndKeepsTheResult()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0];
        Job after = (await CompleteAsync(store, run, RunOutcome.Succeeded, T0.AddMinutes(1).AddSeconds(3), result: 42))!;
        Assert.Equal(JobStatus.Pending, after.Status);
        Assert.Equal(1, after.RunCount);
        Assert.Equal("42", Json(after.Result));
        Assert.Equal(TimeSpan.FromSeconds(3), after.LastDuration);
        Assert.Equal(0, after.ActiveRuns);
        RunCompletionResult again = await store.CompleteRunAsync(Completion(run, RunOutcome.Succeeded, T0.AddMinutes(2)), Token);
        Assert.Equal(RunCompletionStatus.Fenced, again.Status);
        Assert.Null(again.Job);
    }

    [Fact]
    public async Task CompleteRun_LastRunFailed_IsFailedWithError()
    {
        IJobStore store = CreateStore();
        Job job = NewJob();
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0)).Runs[0];
        Job after = (await CompleteAsync(store, run, RunOutcome.Failed, T0, error: "IOException: disk"))!;
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Equal("IOException: disk", after.Error);
        Assert.Equal(1, after.FailureCount);
    }

    [Fact]
    public async Task CompleteRun_WithRetryAt_MakesTheRetryTheNextDueRun()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(options: new JobOptions { MaxAttempts = 3 });
        await store.AddAsync(job, Token);
        ClaimedRun first = (await ClaimAsync(store, T0)).Runs[0];
        Job waiting = (await CompleteAsync(store, first, RunOutcome.Failed, T0, error: "IOException: flaky", retryAt: T0.AddSeconds(30)))!;
        Assert.Equal(JobStatus.Pending, waiting.Status);
        Assert.Equal(0, waiting.FailureCount);
        Assert.Equal(T0.AddSeconds(30), waiting.NextRun);
        Assert.Equal(T0.AddSeconds(30), await store.NextDueAsync(Token));
        Assert.Empty((await ClaimAsync(store, T0.AddSeconds(29))).Runs);
        ClaimedRun retry = Assert.Single((await ClaimAsync(store, T0.AddSeconds(30))).Runs);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal(T0, retry.ScheduledTime);
        Job done = (await CompleteAsync(store, retry, RunOutcome.Succeeded, T0.AddSeconds(31)))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Null(done.Error);
    }

    [Fact]
    public async Task MaxRuns_CountsFailures_AndEndsTheJob()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), maxRuns: 2);
        await store.AddAsync(job, Token);
        ClaimedRun a = (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0];
        await CompleteAsync(store, a, RunOutcome.Failed, T0.AddMinutes(1), error: "x");
        ClaimedRun b = (await ClaimAsync(store, T0.AddMinutes(2))).Runs[0];
        Assert.Null((await store.GetAsync(job.Id, Token))!.NextRun);
        Job done = (await CompleteAsync(store, b, RunOutcome.Succeeded, T0.AddMinutes(2)))!;
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Empty((await ClaimAsync(store, T0.AddHours(1))).Runs);
    }

    [Theory]
    [InlineData(OverlapPolicy.Skip, 0, 1)]
    [InlineData(OverlapPolicy.Queue, 0, 0)]
    [InlineData(OverlapPolicy.Allow, 1, 0)]
    public async Task Overlap_WhileARunIsActive(OverlapPolicy policy, int concurrentRuns, int skipped)
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: new JobOptions { Overlap = policy });
        await store.AddAsync(job, Token);
        ClaimedRun first = (await ClaimAsync(store, T0.AddMinutes(1))).Runs[0];
        ClaimBatch second = await ClaimAsync(store, T0.AddMinutes(2));
        Assert.Equal(concurrentRuns, second.Runs.Count);
        Assert.Equal(skipped, second.Skipped.Count);
        Assert.All(second.Skipped, s => Assert.Equal(SkipReason.Overlap, s.Reason));
        Assert.Equal(T0.AddMinutes(3), (await store.GetAsync(job.Id, Token))!.NextRun);
        await CompleteAsync(store, first, RunOutcome.Succeeded, T0.AddMinutes(2).AddSeconds(10));
        ClaimBatch afterwards = await ClaimAsync(store, T0.AddMinutes(2).AddSeconds(10));
        if (policy == OverlapPolicy.Queue)
        {
            Assert.Equal(T0.AddMinutes(2), Assert.Single(afterwards.Runs).ScheduledTime);
        }
        else
        {
            Assert.Empty(afterwards.Runs);
        }
    }

    [Theory]
    [InlineData(MisfirePolicy.RunOnce, new[] { 1 }, 0, 11)]
    [InlineData(MisfirePolicy.Skip, new int[0], 1, 11)]
    [InlineData(MisfirePolicy.RunAll, new[] { 1, 2, 3 }, 0, 4)]
    public async Task Misfire_AfterDowntime(MisfirePolicy policy, int[] runMinutes, int skipped, int nextMinute)
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute(), options: new JobOptions { Misfire = policy, Overlap = OverlapPolicy.Allow });
        await store.AddAsync(job, Token);
        DateTimeOffset now = T0.AddMinutes(10).AddSeconds(30);
        ClaimBatch batch = await ClaimAsync(store, now, max: 3);
        Assert.Equal(runMinutes.Select(m => T0.AddMinutes(m)), batch.Runs.Select(r => r.ScheduledTime));
        Assert.Equal(skipped, batch.Skipped.Count);
        Assert.All(batch.Skipped, s => Assert.Equal(SkipReason.Misfire, s.Reason));
        Assert.Equal(T0.AddMinutes(nextMinute), (await store.GetAsync(job.Id, Token))!.NextRun);
    }

    [Fact]
    public async Task ClaimNow_LeavesTheNextRun_UnknownIsNull_CancelledThrows()
    {
        IJobStore store = CreateStore();
        Job job = NewJob(EveryMinute());
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimNowAsync(store, job.Id, T0.AddSeconds(5)))!;
        Assert.True(run.IsManual);
        Assert.Equal(T0.AddSeconds(5), run.ScheduledTime);
        Job read = (await store.GetAsync(job.Id, Token))!;
        Assert.Equal(T0.AddMinutes(1), read.NextRun);
        Assert.Equal(JobStatus.Running, read.Status);
        Assert.Equal(T0.AddSeconds(5), run.ClaimedAt);
        Assert.Equal(T0.AddSeconds(5) + Lease, run.LeaseUntil);
        Assert.Null(await store.ClaimNowAsync("0000000000999", Request(), Token));
        await store.CancelAsync(job.Id, Token);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.ClaimNowAsync(job.Id, Request(), Token));
    }

    [Fact]
    public async Task Leases_ExpiredRunsAreRecoveredAsInterrupted_RenewedOnesAreNot()
    {
        IJobStore store = CreateStore();
        Job a = NewJob();
        Job b = NewJob();
        await store.AddAsync(a, Token);
        await store.AddAsync(b, Token);
        ClaimedRun runA = (await ClaimAsync(store, T0, 1, NodeA, TimeSpan.FromMinutes(1))).Runs[0];
        ClaimedRun runB = (await ClaimAsync(store, T0, 1, NodeB, TimeSpan.FromMinutes(1))).Runs[0];
        LeaseRenewal renewal = await store.RenewAsync(Heartbeat(NodeB, TimeSpan.FromMinutes(10), runB), Token);
        Assert.Equal(1, renewal.Renewed);
        Assert.Empty(renewal.Lost);
        Assert.Equal(T0.AddMinutes(10), renewal.LeaseUntil);
        IReadOnlyList<ClaimedRun> lost = await RecoverAsync(store, T0.AddMinutes(2));
        Assert.Equal(runA.RunId, Assert.Single(lost).RunId);
        Job interrupted = (await store.GetAsync(runA.Job.Id, Token))!;
        Assert.Equal(JobStatus.Failed, interrupted.Status);
        Assert.StartsWith("Interrupted", interrupted.Error, StringComparison.Ordinal);
        Assert.Null(await CompleteAsync(store, runA, RunOutcome.Succeeded, T0.AddMinutes(3)));
        Assert.NotNull(await CompleteAsync(store, runB, RunOutcome.Succeeded, T0.AddMinutes(3)));
        Assert.Empty(await RecoverAsync(store, T0.AddHours(1)));
    }

    [Fact]
    public async Task List_CountOnly_AgreesWithTheFullListAfterEveryKindOfChange()
    {
        IJobStore store = CreateStore();
        var jobs = Enumerable.Range(0, 6).Select(_ => NewJob(EveryMinute(), maxRuns: 2)).ToList();
        foreach (Job job in jobs)
        {
            await store.AddAsync(job, Token);
        }

        await store.CancelAsync(jobs[0].Id, Token);
        ClaimBatch batch = await ClaimAsync(store, T0.AddMinutes(1), max: 3);
        await CompleteAsync(store, batch.Runs[0], RunOutcome.Failed, T0.AddMinutes(1), error: "x");
        await CompleteAsync(store, batch.Runs[1], RunOutcome.Succeeded, T0.AddMinutes(1));
        await ClaimNowAsync(store, jobs[5].Id, T0.AddMinutes(1), lease: TimeSpan.FromMinutes(1));
        await RecoverAsync(store, T0.AddMinutes(3));
        foreach (JobStatus? status in new JobStatus?[] { null, JobStatus.Pending, JobStatus.Running, JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled })
        {
            int listed = (await store.ListAsync(new JobQuery { Status = status }, Token)).Items.Count;
            Assert.Equal(listed, (await store.ListAsync(new JobQuery { Status = status, Limit = 0 }, Token)).Total);
        }
    }
}
