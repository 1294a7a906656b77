using Codomyrmex.Scheduler.Storage;
using System.Text.Json.Nodes;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Declared jobs (a jobs file, configuration) kept in step with the store by name.</summary>
public partial class SchedulerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Scheduler NewSchedulerWithTasks(IJobStore? store = null)
    {
        var scheduler = NewScheduler(store: store);
        scheduler.RegisterTask("work", () => { });
        scheduler.RegisterTask("other", () => { });
        return scheduler;
    }

    [Fact]
    public async Task Reconcile_AddsThenLeavesUnchanged_AndAnIntervalKeepsItsAnchorAcrossRestarts()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        var first = NewSchedulerWithTasks(store);
        JobDefinition[] definitions =
        [
            new() { Name = "every-10m", Task = "work", Trigger = Every(minutes: 10) },
            new() { Name = "nightly", Task = "other", Trigger = Cron("0 3 * * *"), Args = ["x"], MaxRuns = 5 },
        ];
        ReconcileResult added = await first.ReconcileAsync("jobs.json", definitions, Ct);
        Assert.Equal(["every-10m", "nightly"], added.Added);
        Job interval = first.ListJobs().Single(j => j.Name == "every-10m");
        Assert.Equal("jobs.json", interval.Source);
        Assert.Equal(Monday.AddMinutes(10), interval.NextRun);
        await first.DisposeAsync();

        // A restart 3 minutes later with the same file changes nothing: the interval stays on its 10-minute grid.
        Clock.Advance(TimeSpan.FromMinutes(3));
        var second = NewSchedulerWithTasks(store);
        ReconcileResult again = await second.ReconcileAsync("jobs.json", definitions, Ct);
        Assert.Empty(again.Added);
        Assert.Empty(again.Updated);
        Assert.Empty(again.Removed);
        Assert.Equal(["every-10m", "nightly"], again.Unchanged);
        Assert.Equal(Monday.AddMinutes(10), second.GetJob(interval.Id)!.NextRun);
        Assert.Equal(2, second.ListJobs().Count);
    }

    [Fact]
    public async Task Reconcile_UpdatesInPlace_KeepingIdCountersAndHistory_AndCancelsRemovedJobs()
    {
        var scheduler = NewSchedulerWithTasks();
        await scheduler.ReconcileAsync("jobs.json",
            [new JobDefinition { Name = "a", Task = "work", Trigger = Every(minutes: 1) }, new JobDefinition { Name = "b", Task = "work", Trigger = Every(minutes: 1) }], Ct);
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Job a = scheduler.ListJobs().Single(j => j.Name == "a");
        Assert.Equal(2, a.RunCount);

        ReconcileResult result = await scheduler.ReconcileAsync("jobs.json",
        [
            new JobDefinition { Name = "a", Task = "other", Trigger = Every(minutes: 5), Kwargs = new JsonObject { ["k"] = 1 }, Options = new JobOptions { MaxAttempts = 2 } },
            new JobDefinition { Name = "c", Task = "work" },
        ], Ct);

        Assert.Equal(["c"], result.Added);
        Assert.Equal(["a"], result.Updated);
        Assert.Equal(["b"], result.Removed);
        Job updated = scheduler.GetJob(a.Id)!;
        Assert.Equal("other", updated.Task);
        Assert.Equal(2, updated.RunCount);
        Assert.Equal(2, updated.Options.MaxAttempts);
        Assert.Equal("1", updated.Kwargs["k"]!.ToString());
        Assert.Equal(Monday.AddMinutes(5), updated.NextRun); // on the new grid, anchored at the job's creation.
        Assert.Equal(2, (await scheduler.GetRunsAsync(new RunQuery { JobId = a.Id }, Ct)).Total);
        Assert.Equal(JobStatus.Cancelled, scheduler.ListJobs().Single(j => j.Name == "b").Status);

        // Jobs of another source and jobs made in code are never touched.
        string mine = scheduler.Schedule(task: "work", trigger: Every(hours: 1));
        ReconcileResult other = await scheduler.ReconcileAsync("configuration", [], Ct);
        Assert.Empty(other.Removed);
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(mine)!.Status);
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(a.Id)!.Status);
    }

    [Fact]
    public async Task Reconcile_AJobRemovedThenAddedAgain_StartsAfresh()
    {
        var scheduler = NewSchedulerWithTasks();
        var definition = new JobDefinition { Name = "a", Task = "work", Trigger = Every(minutes: 1) };
        await scheduler.ReconcileAsync("f", [definition], Ct);
        await scheduler.ReconcileAsync("f", [], Ct);
        ReconcileResult back = await scheduler.ReconcileAsync("f", [definition], Ct);
        Assert.Equal(["a"], back.Added);
        Assert.Equal([JobStatus.Cancelled, JobStatus.Pending], scheduler.ListJobs().Select(j => j.Status));
    }

    [Fact]
    public async Task Reconcile_InvalidDefinitions_ListsEveryProblem_AndChangesNothing()
    {
        var scheduler = NewSchedulerWithTasks();
        await scheduler.ReconcileAsync("f", [new JobDefinition { Name = "keep", Task = "work", Trigger = Every(minutes: 1) }], Ct);

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ReconcileAsync("f",
        [
            new JobDefinition { Name = "dup", Task = "work" },
            new JobDefinition { Name = "dup", Task = "work" },
            new JobDefinition { Name = "ghost", Task = "missing" },
            new JobDefinition { Name = "never", Task = "work", Trigger = Cron("0 0 30 2 *") },
            new JobDefinition { Name = "bad", Task = "work", MaxRuns = 0, Options = new JobOptions { MaxAttempts = 0 } },
        ], Ct));

        Assert.Contains("Job 'dup' is defined twice.", error.Message, StringComparison.Ordinal);
        Assert.Contains("Job 'ghost': unknown task 'missing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Job 'never': the trigger", error.Message, StringComparison.Ordinal);
        Assert.Contains("Job 'bad': max runs is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Job 'bad': MaxAttempts is 0", error.Message, StringComparison.Ordinal);
        Job kept = Assert.Single(scheduler.ListJobs());
        Assert.Equal("keep", kept.Name);
        Assert.Equal(JobStatus.Pending, kept.Status);
    }

    [Fact]
    public async Task Reconcile_AnUpdateToAOneTimeTriggerJustPast_RunsIt_AsAnAddedJobWould()
    {
        // schedctl's @reboot jobs are a one-time trigger at each start; reconciling can finish after that moment.
        var store = new InMemoryJobStore(timeProvider: Clock);
        var first = NewSchedulerWithTasks(store);
        await first.ReconcileAsync("jobs.json", [new JobDefinition { Name = "boot", Task = "work", Trigger = new OnceTrigger(Monday) }], Ct);
        await first.DisposeAsync();

        Clock.Advance(TimeSpan.FromHours(1));
        DateTimeOffset secondStart = Clock.GetUtcNow() - TimeSpan.FromSeconds(2);
        var second = NewSchedulerWithTasks(store);
        ReconcileResult changes = await second.ReconcileAsync(
            "jobs.json", [new JobDefinition { Name = "boot", Task = "work", Trigger = new OnceTrigger(secondStart) }], Ct);

        Assert.Equal(["boot"], changes.Updated);
        Job boot = second.ListJobs().Single();
        Assert.Equal(secondStart, boot.NextRun);
        Assert.Equal(JobStatus.Pending, boot.Status);
    }

    [Fact]
    public async Task Reconcile_NewMaxRunsOnAFinishedJob_LetsItRunAgain()
    {
        var scheduler = NewSchedulerWithTasks();
        await scheduler.ReconcileAsync("f", [new JobDefinition { Name = "a", Task = "work", Trigger = Every(minutes: 1), MaxRuns = 1 }], Ct);
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Job done = Assert.Single(scheduler.ListJobs());
        Assert.Equal(JobStatus.Completed, done.Status);

        await scheduler.ReconcileAsync("f", [new JobDefinition { Name = "a", Task = "work", Trigger = Every(minutes: 1), MaxRuns = 3 }], Ct);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));
        Job again = scheduler.GetJob(done.Id)!;
        Assert.Equal(3, again.RunCount);
        Assert.Equal(JobStatus.Completed, again.Status);
    }
}
