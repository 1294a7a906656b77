using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Cancel's promise (README.md): a run that has not started when Cancel returns never starts; a run that started is cancelled
/// through its token. The same holds for Stop (a claimed run not started is given back to the store) and RunNow.
/// </summary>
public partial class SchedulerTests
{
    private Task<RunPage> RunsOfAsync(Scheduler scheduler, string id) =>
        scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken).AsTask();

    /// <summary>
    /// Schedules a job due in a minute whose body counts its calls, and makes <paramref name="stop"/> run in the window between
    /// the worker's last look at the run and its start (so the worker's earlier looks cannot catch it).
    /// </summary>
    private (string Id, StrongBox<int> Bodies, ConcurrentQueue<RunHandle> Stopped, ConcurrentQueue<string> Started) ScheduleAStopBeforeTheStart(
        Scheduler scheduler, Func<RunHandle, Task> stop)
    {
        var bodies = new StrongBox<int>();
        string id = scheduler.Schedule(() => Interlocked.Increment(ref bodies.Value), trigger: new OnceTrigger(Monday.AddMinutes(1)));
        var stopped = new ConcurrentQueue<RunHandle>();
        scheduler.BeforeRunStart = handle =>
        {
            stopped.Enqueue(handle);
            return stop(handle);
        };
        var started = new ConcurrentQueue<string>();
        scheduler.JobStarted += (_, e) => started.Enqueue(e.JobId);
        return (id, bodies, stopped, started);
    }

    /// <summary>A stop that cancels the run's job, noting what Cancel returned.</summary>
    private static Func<RunHandle, Task> CancelsItsJob(Scheduler scheduler, StrongBox<bool?> returned) => handle =>
    {
        returned.Value = scheduler.Cancel(handle.JobId);
        return Task.CompletedTask;
    };

    /// <summary>
    /// Asserts that the job's one run reached the window, was stopped there and never started (no body, no started event, no
    /// run counted, none held here), and that this node wrote <paramref name="recorded"/> for it, or nothing if that is null.
    /// </summary>
    private async Task<RunHandle> AssertNeverStartedAsync(
        Scheduler scheduler, (string Id, StrongBox<int> Bodies, ConcurrentQueue<RunHandle> Stopped, ConcurrentQueue<string> Started) job,
        RunOutcome? recorded, bool manual = false)
    {
        RunHandle run = Assert.Single(job.Stopped);
        Assert.True(run.StoppedBeforeStart);
        Assert.Equal(0, job.Bodies.Value);
        Assert.Empty(job.Started);
        Job snapshot = scheduler.GetJob(job.Id)!;
        Assert.Equal((recorded is null ? 1 : 0, 0, 0), (snapshot.ActiveRuns, snapshot.RunCount, snapshot.FailureCount));
        IReadOnlyList<RunRecord> history = (await RunsOfAsync(scheduler, job.Id)).Items;
        if (recorded is null)
        {
            Assert.Empty(history);
        }
        else
        {
            RunRecord record = Assert.Single(history);
            Assert.Equal(recorded, record.Outcome);
            Assert.Equal(manual, record.IsManual);
        }

        return run;
    }

    [Fact]
    public async Task Cancel_AfterTheWorkersLastLookBeforeTheStart_TheRunNeverStarts_AndIsRecordedCancelled()
    {
        var scheduler = NewScheduler();
        var cancelReturned = new StrongBox<bool?>();
        var job = ScheduleAStopBeforeTheStart(scheduler, CancelsItsJob(scheduler, cancelReturned));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Idle(scheduler);

        RunHandle run = await AssertNeverStartedAsync(scheduler, job, RunOutcome.Cancelled);
        Assert.True(cancelReturned.Value);
        Assert.True(run.JobCancelled);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(job.Id)!.Status);
    }

    [Fact]
    public async Task RunNow_CancelledAfterItsLastLookBeforeTheStart_NeverEntersItsBody_AndThrows()
    {
        var scheduler = NewScheduler();
        var cancelReturned = new StrongBox<bool?>();
        var job = ScheduleAStopBeforeTheStart(scheduler, CancelsItsJob(scheduler, cancelReturned));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunNowAsync(job.Id, TestContext.Current.CancellationToken));
        await Idle(scheduler);

        RunHandle run = await AssertNeverStartedAsync(scheduler, job, RunOutcome.Cancelled, manual: true);
        Assert.True(cancelReturned.Value);
        Assert.True(run.JobCancelled);
        Assert.Contains("cancelled", error.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(job.Id)!.Status);
    }

    [Fact]
    public async Task Stop_AfterTheWorkersLastLookBeforeTheStart_TheRunNeverStarts_AndIsGivenBackDueAgain()
    {
        var scheduler = NewScheduler();
        var stopCalled = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        var job = ScheduleAStopBeforeTheStart(scheduler, _ =>
        {
            // Not awaited here: the stop waits for this very worker to end its run.
            stopCalled.TrySetResult(scheduler.StopAsync(TestContext.Current.CancellationToken));
            return Task.CompletedTask;
        });
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(await Within(stopCalled.Task));
        await Idle(scheduler);

        // Given back to the store: nothing recorded or counted, and the occurrence is due again at its time.
        RunHandle run = Assert.Single(job.Stopped);
        Assert.True(run.StoppedBeforeStart);
        Assert.True(run.ShutDown);
        Assert.False(run.JobCancelled);
        Assert.False(scheduler.IsRunning);
        Assert.Equal(0, job.Bodies.Value);
        Assert.Empty(job.Started);
        Job snapshot = scheduler.GetJob(job.Id)!;
        Assert.Equal((JobStatus.Pending, 0, 0, 0), (snapshot.Status, snapshot.ActiveRuns, snapshot.RunCount, snapshot.FailureCount));
        Assert.Equal(Monday.AddMinutes(1), snapshot.NextRun);
        Assert.Empty((await RunsOfAsync(scheduler, job.Id)).Items);
    }

    [Fact]
    public async Task LeaseLost_AfterTheWorkersLastLookBeforeTheStart_TheRunNeverStarts_AndThisNodeWritesNothing()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        var job = ScheduleAStopBeforeTheStart(scheduler, async handle =>
        {
            // The store cannot be reached, and the clock moves to the end of the run's lease: the heartbeat, unable to renew
            // it, stops the run as lost (another node may take it over now).
            store.FailRenew = true;
            Clock.Advance(TestLease);
            await WaitForAsync(() => handle.Lost);
        });
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Idle(scheduler);

        // Nothing written for it here: the store still holds it under this node's lapsed lease...
        RunHandle run = await AssertNeverStartedAsync(scheduler, job, recorded: null);
        Assert.True(run.Lost);
        Assert.False(run.JobCancelled);

        // ...until the store can be reached again and recovers the run as interrupted, never run here.
        store.FailRenew = false;
        await AdvanceAsync(scheduler, TestLease, Beat);
        Assert.Equal(0, job.Bodies.Value);
        Assert.Equal(0, scheduler.GetJob(job.Id)!.ActiveRuns);
        Assert.Equal(RunOutcome.Interrupted, Assert.Single((await RunsOfAsync(scheduler, job.Id)).Items).Outcome);
    }

    [Fact]
    public async Task Cancel_AfterTheRunStartedBeforeItsBody_CancelsTheTokenTheBodyGets()
    {
        // JobStarted is raised on the worker after the run started and before its body: a Cancel there finds it started.
        var scheduler = NewScheduler();
        bool? cancelReturned = null;
        scheduler.JobStarted += (_, e) => cancelReturned = scheduler.Cancel(e.JobId);
        var tokenAtEntry = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        string id = scheduler.Schedule((JobContext _, CancellationToken ct) =>
        {
            tokenAtEntry.TrySetResult(ct.IsCancellationRequested);
            ct.ThrowIfCancellationRequested();
            return Task.FromResult<object?>(null);
        }, trigger: new OnceTrigger(Monday.AddMinutes(1)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(await Within(tokenAtEntry.Task));
        await Idle(scheduler);
        Assert.True(cancelReturned);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(id)!.Status);
        Assert.Equal(RunOutcome.Cancelled, Assert.Single((await RunsOfAsync(scheduler, id)).Items).Outcome);
    }

    [Fact]
    public async Task Cancel_WhileTheBodyRuns_CancelsItsToken_AndTheRunIsRecordedCancelled()
    {
        var scheduler = NewScheduler();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string id = scheduler.Schedule(async (JobContext _, CancellationToken ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return null;
        }, trigger: new OnceTrigger(Monday.AddMinutes(1)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);

        Assert.True(scheduler.Cancel(id));
        await Idle(scheduler);

        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(id)!.Status);
        Assert.Equal(RunOutcome.Cancelled, Assert.Single((await RunsOfAsync(scheduler, id)).Items).Outcome);
    }

    [Fact]
    public async Task RunNow_CancelledAfterItStartedBeforeItsBody_GetsACancelledToken()
    {
        var scheduler = NewScheduler();
        scheduler.JobStarted += (_, e) => scheduler.Cancel(e.JobId);
        bool? cancelledAtEntry = null;
        string id = scheduler.Schedule((JobContext _, CancellationToken ct) =>
        {
            cancelledAtEntry = ct.IsCancellationRequested;
            ct.ThrowIfCancellationRequested();
            return Task.FromResult<object?>(null);
        }, trigger: Every(hours: 1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.RunNowAsync(id, TestContext.Current.CancellationToken));

        Assert.True(cancelledAtEntry);
        RunRecord run = Assert.Single((await RunsOfAsync(scheduler, id)).Items);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
        Assert.True(run.IsManual);
    }

    [Fact]
    public async Task RunNow_CancelledBetweenItsClaimAndItsStart_NeverEntersItsBody_AndThrows()
    {
        // The store has claimed the run for RunNow, which has not registered it yet: Cancel cannot find it, and RunNow reads
        // the job again before the run can start.
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(store: store);
        int bodies = 0;
        string id = scheduler.Schedule(() => Interlocked.Increment(ref bodies), trigger: Every(hours: 1));
        bool? cancelReturned = null;
        store.AfterClaimNow = () => cancelReturned = scheduler.Cancel(id);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunNowAsync(id, TestContext.Current.CancellationToken));

        Assert.True(cancelReturned);
        Assert.Contains("cancelled", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, bodies);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(0, job.ActiveRuns);
        RunRecord run = Assert.Single((await RunsOfAsync(scheduler, id)).Items);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
        Assert.True(run.IsManual);
    }
}
