using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Cancel's promise (README.md): a run that has not started when Cancel returns never starts; a run that started is cancelled
/// through its token. The same holds for Stop (a claimed run not started is skipped) and RunNow.
/// </summary>
public partial class SchedulerTests
{
    private Task<RunPage> RunsOfAsync(Scheduler scheduler, string id) =>
        scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken).AsTask();

    /// <summary>
    /// Starts a one-worker scheduler whose worker a gated job holds, and claims a second job's run, which waits in the queue
    /// behind it (claimed, not started) until the gate is released.
    /// </summary>
    private async Task<(Gate Gate, string Blocker, string Queued, StrongBox<int> Bodies)> QueueARunBehindAGateAsync(Scheduler scheduler)
    {
        var gate = new Gate();
        string blocker = scheduler.Schedule(gate.RunAsync, trigger: new OnceTrigger(Monday.AddMinutes(1)));
        var bodies = new StrongBox<int>();
        string queued = scheduler.Schedule(() => Interlocked.Increment(ref bodies.Value), trigger: new OnceTrigger(Monday.AddMinutes(2)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await gate.WaitStartedAsync());
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(WaitForAsync(() => scheduler.GetJob(queued)!.ActiveRuns == 1));
        return (gate, blocker, queued, bodies);
    }

    [Fact]
    public async Task Cancel_RunClaimedButNotStarted_NeverEntersItsBody()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        var started = new ConcurrentQueue<string>();
        scheduler.JobStarted += (_, e) => started.Enqueue(e.JobId);
        (Gate gate, string blocker, string queued, StrongBox<int> bodies) = await QueueARunBehindAGateAsync(scheduler);

        Assert.True(scheduler.Cancel(queued));
        gate.ReleaseAll();
        await Idle(scheduler);

        Assert.Equal(0, bodies.Value);
        Assert.DoesNotContain(queued, started);
        Job job = scheduler.GetJob(queued)!;
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(0, job.ActiveRuns);
        Assert.Equal((0, 0), (job.RunCount, job.FailureCount));
        RunRecord run = Assert.Single((await RunsOfAsync(scheduler, queued)).Items);
        Assert.Equal(RunOutcome.Cancelled, run.Outcome);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(blocker)!.Status);
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

    [Fact]
    public async Task Stop_RunClaimedButNotStarted_IsSkippedAndNeverEntersItsBody()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        (Gate gate, _, string queued, StrongBox<int> bodies) = await QueueARunBehindAGateAsync(scheduler);

        Task stop = scheduler.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(stop.IsCompleted);
        gate.ReleaseAll();
        await Within(stop);

        Assert.Equal(0, bodies.Value);
        Assert.Equal(RunOutcome.Skipped, Assert.Single((await RunsOfAsync(scheduler, queued)).Items).Outcome);
    }
}
