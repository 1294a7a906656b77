using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Registered tasks, run history through the scheduler, recovery of lost runs, and reconciling declared jobs.</summary>
public partial class SchedulerTests
{
    [Fact]
    public async Task Task_ScheduledByName_GetsItsJsonArguments_AndIsRecordedInTheHistory()
    {
        var scheduler = NewScheduler();
        var seen = new List<string>();
        scheduler.RegisterTask("greet", (context, _) =>
        {
            seen.Add($"{context.Args[0]} {context.Kwargs["times"]}");
            return Task.FromResult<object?>(new JsonObject { ["ok"] = true });
        });
        var args = new JsonArray { "world" };
        string id = scheduler.Schedule(task: "greet", trigger: Every(minutes: 1), args: args, kwargs: new JsonObject { ["times"] = 2 }, maxRuns: 2);
        args[0] = "changed"; // the job holds a copy.
        scheduler.Start();

        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));

        Assert.Equal(["world 2", "world 2"], seen);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal("greet", job.Name);
        Assert.Equal("greet", job.Task);
        Assert.Null(job.Func);
        Assert.Equal(JobStatus.Completed, job.Status);
        RunPage history = await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken);
        Assert.Equal(2, history.Total);
        Assert.All(history.Items, run => Assert.Equal("{\"ok\":true}", run.Result));
        Assert.Equal([Monday.AddMinutes(2), Monday.AddMinutes(1)], history.Items.Select(r => r.ScheduledTime));
    }

    [Fact]
    public void Task_UnknownName_IsRefused_NamingTheRegisteredOnes()
    {
        var scheduler = NewScheduler();
        ArgumentException none = Assert.Throws<ArgumentException>(() => scheduler.Schedule(task: "backup"));
        Assert.Contains("Unknown task: 'backup'", none.Message, StringComparison.Ordinal);
        Assert.Contains("RegisterTask(\"backup\", handler)", none.Message, StringComparison.Ordinal);

        scheduler.RegisterTask("cleanup", () => { });
        scheduler.RegisterTask("report", () => 1);
        ArgumentException some = Assert.Throws<ArgumentException>(() => scheduler.Schedule(task: "backup"));
        Assert.Contains("registered: cleanup, report", some.Message, StringComparison.Ordinal);
        Assert.Equal(["cleanup", "report"], scheduler.RegisteredTasks);
        Assert.Empty(scheduler.ListJobs());
    }

    [Fact]
    public void Task_RegisteredTwice_IsRefused()
    {
        var scheduler = NewScheduler();
        scheduler.RegisterTask("backup", () => { });
        ArgumentException error = Assert.Throws<ArgumentException>(() => scheduler.RegisterTask("backup", (CancellationToken _) => Task.CompletedTask));
        Assert.Contains("'backup' is already registered", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => scheduler.RegisterTask(" ", () => { }));
    }

    [Fact]
    public async Task Task_NotRegisteredWhenItRuns_FailsTheRun_NamingTheTask()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        var first = NewScheduler(store: store);
        first.RegisterTask("backup", () => { });
        string id = first.Schedule(task: "backup", trigger: Every(minutes: 1));
        await first.DisposeAsync();

        // Another scheduler on the same store that forgot to register the task.
        var second = NewScheduler(store: store);
        second.Start();
        await AdvanceAsync(second, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Job job = second.GetJob(id)!;
        Assert.Equal(1, job.FailureCount);
        Assert.Contains("runs task 'backup', which is not registered", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_RecordsRunsLostByADeadNode_AndReRunsRecoverableJobs()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        var scheduler = NewScheduler(store: store);
        int plain = 0, recoverable = 0;
        scheduler.RegisterTask("plain", () => plain++);
        scheduler.RegisterTask("recoverable", () => recoverable++);
        string plainId = scheduler.Schedule(task: "plain", trigger: Every(hours: 1));
        string recoverableId = scheduler.Schedule(task: "recoverable", trigger: Every(hours: 1), options: new JobOptions { Recoverable = true });
        var failed = new List<JobEvent>();
        scheduler.JobFailed += (_, e) => failed.Add(e);

        // A node that claimed both runs and then died: its leases end five minutes later.
        Clock.Advance(TimeSpan.FromHours(1));
        ClaimBatch lost = await store.ClaimDueAsync(
            new ClaimRequest { Node = NodeIdentity.Create("dead-node", Clock.GetUtcNow()), MaxRuns = 10, LeaseDuration = TimeSpan.FromMinutes(5) },
            TestContext.Current.CancellationToken);
        Assert.Equal(2, lost.Runs.Count);
        Clock.Advance(TimeSpan.FromMinutes(10));
        await scheduler.StartAsync(TestContext.Current.CancellationToken);
        await Idle(scheduler);

        Assert.Equal(0, plain);
        Assert.Equal(1, recoverable);
        JobEvent plainFailure = Assert.Single(failed);
        Assert.Equal(plainId, plainFailure.JobId);
        Assert.Equal(RunOutcome.Interrupted, plainFailure.Outcome);
        Assert.Equal(1, scheduler.GetJob(plainId)!.FailureCount);
        Assert.Equal(0, scheduler.GetJob(recoverableId)!.FailureCount);
        RunPage history = await scheduler.GetRunsAsync(new RunQuery { JobId = recoverableId }, TestContext.Current.CancellationToken);
        Assert.Equal([(RunOutcome.Succeeded, true, "node-under-test"), (RunOutcome.Interrupted, false, "dead-node")],
            history.Items.Select(r => (r.Outcome, r.IsRecovery, r.Node == "dead-node" ? "dead-node" : "node-under-test")));
    }
}
