using Codomyrmex.Scheduler.Cli.Commands;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// Finding a job by name while <c>schedctl run</c> changes it: the name is looked up one status at a time, so a run that
/// starts or ends between two lookups moves the job from one answer to the next. It is found once, never twice (a false
/// "2 jobs are named") and never not at all (a false "no job named").
/// </summary>
public sealed class JobLookupRaceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ClaimRequest Claim = new() { Node = NodeIdentity.Create("node", T0), MaxRuns = 10 };

    private readonly FakeTimeProvider _clock = new(T0);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARunThatStartsBetweenTheLookups_FindsTheJobOnce()
    {
        var store = new MovingStore(new InMemoryJobStore(timeProvider: _clock));
        Job job = await AddAsync(store, "report");
        bool claimed = false;
        store.AfterList = async query =>
        {
            // Seen as pending; then its run starts, and the running lookup sees it again.
            if (query.Status == JobStatus.Pending && !claimed)
            {
                claimed = true;
                Assert.Single((await store.ClaimDueAsync(Claim, Token)).Runs);
            }
        };

        Job found = await JobStoreAccess.FindAsync(store, "jobs.db", "report", Token);

        Assert.True(claimed);
        Assert.Equal(job.Id, found.Id);
        Assert.Equal(JobStatus.Running, found.Status);
    }

    [Fact]
    public async Task ARunThatEndsBetweenTheLookups_FindsTheJob()
    {
        var store = new MovingStore(new InMemoryJobStore(timeProvider: _clock));
        Job job = await AddAsync(store, "report");
        ClaimedRun run = Assert.Single((await store.ClaimDueAsync(Claim, Token)).Runs);
        bool ended = false;
        store.AfterList = async query =>
        {
            // Running when the pending lookup asks; its run ends (the job is pending again) before the running lookup asks.
            if (query.Status == JobStatus.Pending && !ended)
            {
                ended = true;
                RunCompletionResult result = await store.CompleteRunAsync(
                    new RunCompletion { Run = run, Outcome = RunOutcome.Succeeded, StartedAt = T0, FinishedAt = T0 }, Token);
                Assert.Equal(RunCompletionStatus.Recorded, result.Status);
            }
        };

        Job found = await JobStoreAccess.FindAsync(store, "jobs.db", "report", Token);

        Assert.True(ended);
        Assert.Equal(job.Id, found.Id);
        Assert.Equal(JobStatus.Pending, found.Status);
        Assert.Equal(1, found.RunCount);
    }

    [Fact]
    public async Task TwoJobsOfOneName_OneOfThemMovingBetweenTheLookups_IsStillAmbiguous()
    {
        var store = new MovingStore(new InMemoryJobStore(timeProvider: _clock));
        Job first = await AddAsync(store, "report");
        Job second = await AddAsync(store, "report", due: T0.AddHours(1));
        bool claimed = false;
        store.AfterList = async query =>
        {
            if (query.Status == JobStatus.Pending && !claimed)
            {
                claimed = true;
                Assert.Single((await store.ClaimDueAsync(Claim, Token)).Runs);
            }
        };

        JobStoreAccess.Failure failure = await Assert.ThrowsAsync<JobStoreAccess.Failure>(
            () => JobStoreAccess.FindAsync(store, "jobs.db", "report", Token));

        Assert.StartsWith("2 jobs are named 'report'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(first.Id, failure.Message, StringComparison.Ordinal);
        Assert.Contains(second.Id, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<Job> AddAsync(MovingStore store, string name, DateTimeOffset? due = null)
    {
        var job = new Job
        {
            Id = Guid.NewGuid().ToString("N")[..16],
            Name = name,
            Task = "task",
            Trigger = new IntervalTrigger(minutes: 1),
            Status = JobStatus.Pending,
            CreatedAt = T0,
            NextRun = due ?? T0,
            Version = 1,
        };
        await store.AddAsync(job, Token);
        return job;
    }
}
