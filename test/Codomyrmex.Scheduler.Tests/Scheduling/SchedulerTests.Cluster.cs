using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Several schedulers on one store, each on its own clock, the store on a third: the store's clock decides, leases are
/// renewed by heartbeat and fenced, a cancel anywhere stops the run where it runs.
/// </summary>
public partial class SchedulerTests
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(30);

    /// <summary>A scheduler named "node" (all of them: the instance ids tell them apart) on its own clock, sharing <paramref name="store"/>.</summary>
    private Scheduler NewNode(FakeTimeProvider clock, IJobStore store)
    {
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var scheduler = new Scheduler(new SchedulerOptions
        {
            TimeProvider = clock,
            TimeZone = TimeZoneInfo.Utc,
            Store = store,
            LeaseDuration = ShortLease,
            NodeName = "node",
            ShutdownTimeout = TimeSpan.Zero,
        });
        _schedulers.Add(scheduler);
        return scheduler;
    }

    /// <summary>Moves every clock by <paramref name="step"/>, then lets each node claim, renew and recover what that made due.</summary>
    private static async Task StepAsync(TimeSpan step, FakeTimeProvider[] clocks, params Scheduler[] nodes)
    {
        foreach (FakeTimeProvider clock in clocks)
        {
            clock.Advance(step);
        }

        foreach (Scheduler node in nodes)
        {
            await Within(node.WhenQuietAsync(Ct));
        }
    }

    [Fact]
    public async Task ANodePausedPastItsLease_LosesItsRun_WhichAnotherNodeRecovers_AndRecordsNothingForIt()
    {
        var storeClock = new FakeTimeProvider(Monday);
        var pausedClock = new FakeTimeProvider(Monday);
        var otherClock = new FakeTimeProvider(Monday);
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = storeClock });

        // A stalled process makes no calls: while it stalls, its claims wait (its clock stands still too, below).
        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stall.SetResult();
        var pausedStore = new FaultyStore(store) { BeforeClaim = _ => Volatile.Read(ref stall).Task };
        Scheduler paused = NewNode(pausedClock, pausedStore), other = NewNode(otherClock, store);
        int failedEvents = 0;
        paused.JobFailed += (_, _) => Interlocked.Increment(ref failedEvents);
        var entered = new TaskCompletionSource<long>();
        var stopped = new TaskCompletionSource();
        var recovered = new TaskCompletionSource<long>();
        Func<JobContext, CancellationToken, Task<object?>> body = async (context, token) =>
        {
            if (context.IsRecovery)
            {
                recovered.TrySetResult(context.FencingToken);
                return "recovered";
            }

            entered.TrySetResult(context.FencingToken);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
            }
            catch (OperationCanceledException)
            {
                stopped.TrySetResult();
                throw;
            }

            return "never";
        };
        string id = await paused.ScheduleAsync(body, trigger: Every(hours: 1), options: new JobOptions { Recoverable = true }, cancellationToken: Ct);
        await paused.StartAsync(Ct);
        await StepAsync(TimeSpan.FromHours(1), [storeClock, pausedClock, otherClock], paused);
        long firstToken = await Within(entered.Task);

        // The node stalls (its clock stands still and it makes no claim, as a process stopped by a debugger or a long GC);
        // the store's lease runs out, and the other node records the run as interrupted and, the job being recoverable,
        // runs it again.
        Volatile.Write(ref stall, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await other.StartAsync(Ct);
        for (int step = 0; step < 12; step++)
        {
            await StepAsync(TimeSpan.FromSeconds(5), [storeClock, otherClock], other);
        }

        long recoveryToken = await Within(recovered.Task);
        await Within(other.WhenIdleAsync(Ct));
        Assert.True(recoveryToken > firstToken);
        Assert.False(stopped.Task.IsCompleted);

        // The stalled node wakes: its heartbeat learns the run is lost, stops it, and records nothing for it.
        stall.SetResult();
        pausedClock.Advance(TimeSpan.FromMinutes(1));
        await Within(stopped.Task);
        await Within(paused.WhenIdleAsync(Ct));
        RunPage history = await paused.GetRunsAsync(new RunQuery { JobId = id }, Ct);
        Assert.Equal([RunOutcome.Succeeded, RunOutcome.Interrupted], history.Items.Select(record => record.Outcome));
        Assert.Contains("recovered", history.Items[0].Result, StringComparison.Ordinal);
        Job job = (await paused.GetJobAsync(id, Ct))!;
        Assert.Equal((1, 0, 0, "recovered"), (job.RunCount, job.FailureCount, job.ActiveRuns, job.Result));
        Assert.Equal(0, failedEvents);
    }

    [Fact]
    public async Task CancelOnAnotherNode_CancelsTheRunWhereItRuns()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        Scheduler runner = NewNode(Clock, store), canceller = NewNode(Clock, store);
        var entered = new TaskCompletionSource();
        string id = await runner.ScheduleAsync(async token =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
        }, trigger: Every(minutes: 1), cancellationToken: Ct);
        await runner.StartAsync(Ct);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);

        // The canceller has no run of the job; the store's change (with the job's id) reaches the runner.
        Assert.True(await canceller.CancelAsync(id, Ct));
        await Within(runner.WhenIdleAsync(Ct));
        Assert.Equal(RunOutcome.Cancelled, Assert.Single((await runner.GetRunsAsync(new RunQuery { JobId = id }, Ct)).Items).Outcome);
        Assert.Equal(JobStatus.Cancelled, (await runner.GetJobAsync(id, Ct))!.Status);
    }

    [Fact]
    public async Task ListNodes_ListsStartedSchedulers_AndAStoppedOneLeaves()
    {
        var store = new InMemoryJobStore(timeProvider: Clock);
        Scheduler first = NewNode(Clock, store), second = NewNode(Clock, store);
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        IReadOnlyList<NodeInfo> nodes = await first.ListNodesAsync(Ct);
        Assert.Equal(new[] { first.Node.InstanceId, second.Node.InstanceId }.Order(), nodes.Select(node => node.InstanceId).Order());
        Assert.All(nodes, node => Assert.Equal("node", node.Name));

        await first.StopAsync(Ct);
        Assert.Equal(second.Node.InstanceId, Assert.Single(await second.ListNodesAsync(Ct)).InstanceId);

        // A started node keeps beating: it is still listed long after its first lease would have run out.
        await AdvanceAsync(second, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5));
        Assert.Equal(second.Node.InstanceId, Assert.Single(await second.ListNodesAsync(Ct)).InstanceId);
    }

    [Fact]
    public async Task TwoNodesReconcilingTheSameDefinitionsAtOnce_EndWithOneJobPerName()
    {
        JobDefinition[] definitions =
        [
            new() { Name = "every-10m", Task = "work", Trigger = Every(minutes: 10) },
            new() { Name = "nightly", Task = "work", Trigger = Cron("0 3 * * *") },
            new() { Name = "weekly", Task = "work", Trigger = Cron("0 4 * * 1") },
        ];
        for (int round = 0; round < 20; round++)
        {
            var store = new InMemoryJobStore(timeProvider: Clock);
            Scheduler first = NewNode(Clock, store), second = NewNode(Clock, store);
            first.RegisterTask("work", () => { });
            second.RegisterTask("work", () => { });
            ReconcileResult[] results = await Task.WhenAll(
                Task.Run(() => first.ReconcileAsync("jobs.json", definitions, Ct), Ct),
                Task.Run(() => second.ReconcileAsync("jobs.json", definitions, Ct), Ct));

            Assert.Equal(["every-10m", "nightly", "weekly"], first.ListJobs(JobStatus.Pending).Select(job => job.Name).Order());
            Assert.Equal(["every-10m", "nightly", "weekly"], results.SelectMany(result => result.Added).Order());
            Assert.All(results, result => Assert.Empty(result.Removed));
        }
    }

    [Fact]
    public async Task Retention_TheSchedulersMaintenanceDeletesFinishedJobsPastTheirAge()
    {
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions
        {
            TimeProvider = Clock,
            Retention = new JobRetentionOptions { FinishedJobs = TimeSpan.FromHours(1) },
        });
        var scheduler = NewScheduler(store: store);
        string done = scheduler.Schedule(() => { }, trigger: new OnceTrigger(Monday.AddMinutes(1)));
        string pending = scheduler.Schedule(() => { }, trigger: Every(hours: 1));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(1));
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(done)!.Status);

        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(1));
        Assert.Null(scheduler.GetJob(done));
        Assert.Empty((await scheduler.GetRunsAsync(new RunQuery { JobId = done }, Ct)).Items);
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(pending)!.Status);
    }
}
