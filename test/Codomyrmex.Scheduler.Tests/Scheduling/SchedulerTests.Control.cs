using System.Collections.Concurrent;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Cancel, RunNow, Stop/Start/Dispose, the worker limit, events, and a job that misbehaves.</summary>
public partial class SchedulerTests
{
    [Fact]
    public async Task Cancel_PendingJob_NeverRunsAgain()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        string id = scheduler.Schedule(() => calls++, trigger: Every(minutes: 1));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.True(scheduler.Cancel(id));
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(2, calls);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Null(job.NextRun);
    }

    [Fact]
    public void Cancel_IsIdempotent_AndFalseForUnknownIds()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(minutes: 1));
        Assert.True(scheduler.Cancel(id));
        Assert.True(scheduler.Cancel(id));
        Assert.False(scheduler.Cancel("does-not-exist"));
        Assert.Throws<ArgumentNullException>(() => scheduler.Cancel(null!));
    }

    [Fact]
    public async Task Cancel_RunningJob_CancelsItsToken()
    {
        var scheduler = NewScheduler();
        var started = new TaskCompletionSource();
        var observed = new TaskCompletionSource<bool>();
        string id = scheduler.Schedule(async ct =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                observed.SetResult(true);
                throw;
            }
        }, trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(started.Task);
        Assert.True(scheduler.Cancel(id));
        Assert.True(await Within(observed.Task));
        await Idle(scheduler);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(0, job.FailureCount);
        Assert.Equal(0, job.ActiveRuns);
    }

    [Fact]
    public void RunNow_ReturnsTheResult_CountsAsARun_LeavesTheNextRun()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => "hello", trigger: Every(hours: 1));
        DateTimeOffset? next = scheduler.GetJob(id)!.NextRun;
        Assert.Equal("hello", scheduler.RunNow(id));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(1, job.RunCount);
        Assert.Equal(next, job.NextRun);
        Assert.Equal("hello", job.Result);
        Assert.Equal(JobStatus.Pending, job.Status);
    }

    [Fact]
    public void RunNow_RunsOnTheCallingThread_EvenWhenStopped()
    {
        var scheduler = NewScheduler();
        int thread = -1;
        string id = scheduler.Schedule(() => thread = Environment.CurrentManagedThreadId, trigger: Every(hours: 1));
        scheduler.RunNow(id);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }

    [Fact]
    public void RunNow_Failure_RecordsTheErrorAndRethrowsTheJobsException()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => throw new FormatException("bad row 7"), trigger: Every(hours: 1));
        var error = Assert.Throws<FormatException>(() => scheduler.RunNow(id));
        Assert.Equal("bad row 7", error.Message);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal("FormatException: bad row 7", job.Error);
        Assert.Equal(1, job.FailureCount);
        Assert.Equal(JobStatus.Pending, job.Status);
    }

    [Fact]
    public async Task RunNow_UnknownId_ThrowsArgumentExceptionNamingIt()
    {
        var scheduler = NewScheduler();
        var error = Assert.Throws<ArgumentException>(() => scheduler.RunNow("nope"));
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => scheduler.RunNowAsync("nope", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunNow_CancelledByItsCaller_IsRecordedAsInterrupted()
    {
        var scheduler = NewScheduler();
        using var caller = new CancellationTokenSource();
        string id = scheduler.Schedule(async (JobContext _, CancellationToken ct) =>
        {
            await caller.CancelAsync();
            ct.ThrowIfCancellationRequested();
            return null;
        }, trigger: Every(hours: 1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scheduler.RunNowAsync(id, caller.Token));
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(id)!.Status);
        RunRecord run = Assert.Single((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
        Assert.Equal(RunOutcome.Interrupted, run.Outcome);
        Assert.True(run.IsManual);
    }

    [Fact]
    public void RunNow_CancelledJob_Throws()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(hours: 1));
        scheduler.Cancel(id);
        Assert.Throws<InvalidOperationException>(() => scheduler.RunNow(id));
    }

    [Fact]
    public void RunNow_ReachingMaxRuns_CompletesTheJob()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(hours: 1), maxRuns: 1);
        scheduler.RunNow(id);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Null(job.NextRun);
        var error = Assert.Throws<InvalidOperationException>(() => scheduler.RunNow(id));
        Assert.Contains("MaxRuns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunNow_FromInsideAJob_Works()
    {
        var scheduler = NewScheduler();
        string inner = scheduler.Schedule(() => "inner", trigger: Every(hours: 1));
        object? seen = null;
        scheduler.Schedule(() => { seen = scheduler.RunNow(inner); });
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal("inner", seen);
    }

    [Fact]
    public async Task MaxWorkers_BoundsConcurrentJobBodies()
    {
        var scheduler = NewScheduler(maxWorkers: 2);
        var gate = new Gate();
        for (int i = 0; i < 5; i++)
        {
            scheduler.Schedule(gate.RunAsync);
        }

        scheduler.Start();
        Assert.True(await gate.WaitStartedAsync());
        Assert.True(await gate.WaitStartedAsync());
        Assert.Equal(2, gate.MaxRunning);
        for (int started = 2; started < 5; started++)
        {
            gate.ReleaseAll();
            Assert.True(await gate.WaitStartedAsync());
        }

        gate.ReleaseAll();
        await Idle(scheduler);
        Assert.Equal(2, gate.MaxRunning);
        Assert.Equal(5, scheduler.ListJobs(JobStatus.Completed).Count);
    }

    [Fact]
    public async Task BlockingJob_DoesNotStallOtherJobs()
    {
        var scheduler = NewScheduler(maxWorkers: 2);
        using var block = new ManualResetEventSlim();
        var blockedStarted = new TaskCompletionSource();
        scheduler.Schedule(() => { blockedStarted.SetResult(); block.Wait(TestContext.Current.CancellationToken); });
        await Task.CompletedTask;
        int other = 0;
        scheduler.Schedule(() => Interlocked.Increment(ref other), trigger: Every(minutes: 1));
        scheduler.Start();
        await Within(blockedStarted.Task);
        for (int i = 1; i <= 3; i++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            await Within(WaitForAsync(() => Volatile.Read(ref other) == i));
        }

        block.Set();
        await Idle(scheduler);
        Assert.Equal(3, other);
    }

    [Fact]
    public async Task ThrowingEventHandler_DoesNotStopTheRunOrTheScheduler()
    {
        var scheduler = NewScheduler();
        scheduler.JobStarted += (_, _) => throw new InvalidOperationException("handler bug");
        scheduler.JobSucceeded += (_, _) => throw new InvalidOperationException("handler bug");
        int calls = 0;
        string id = scheduler.Schedule(() => calls++, trigger: Every(minutes: 1));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));
        Assert.Equal(3, calls);
        Assert.Equal(3, scheduler.GetJob(id)!.RunCount);
    }

    [Fact]
    public async Task Events_TellStartSuccessAndFailure()
    {
        var scheduler = NewScheduler();
        var events = new ConcurrentQueue<string>();
        scheduler.JobStarted += (_, e) => events.Enqueue($"started {e.JobName}");
        scheduler.JobSucceeded += (_, e) => events.Enqueue($"succeeded {e.JobName} {e.Result}");
        scheduler.JobFailed += (_, e) => events.Enqueue($"failed {e.JobName} {e.Error}");
        scheduler.Schedule(() => 1, name: "good");
        await Task.CompletedTask;
        scheduler.Start();
        await Idle(scheduler);
        scheduler.Schedule(() => throw new InvalidOperationException("boom"), name: "bad");
        await Idle(scheduler);
        Assert.Equal(["started good", "succeeded good 1", "started bad", "failed bad InvalidOperationException: boom"], events);
    }

    [Fact]
    public async Task Stop_WaitsForRunningJobs()
    {
        var scheduler = NewScheduler();
        var gate = new Gate();
        string id = scheduler.Schedule(gate.RunAsync);
        scheduler.Start();
        Assert.True(await gate.WaitStartedAsync());
        Task stop = scheduler.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(stop.IsCompleted);
        gate.ReleaseAll();
        await Within(stop);
        Assert.False(scheduler.IsRunning);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status);
    }

    [Fact]
    public async Task Stop_AfterShutdownTimeout_CancelsTheJobsToken()
    {
        var scheduler = NewScheduler(shutdownTimeout: TimeSpan.FromSeconds(5));
        var started = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct => { started.SetResult(); await Task.Delay(Timeout.Infinite, ct); });
        scheduler.Start();
        await Within(started.Task);
        DateTimeOffset stopAt = Clock.GetUtcNow();
        await AdvanceUntilAsync(scheduler.StopAsync(TestContext.Current.CancellationToken), TimeSpan.FromSeconds(1));
        Assert.True(Clock.GetUtcNow() - stopAt >= TimeSpan.FromSeconds(5));
        await Idle(scheduler);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith("Interrupted: interrupted by the shutdown", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_StopsFiring_AndStartFiresAgain()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        scheduler.Schedule(() => calls++, trigger: Every(minutes: 1), options: new JobOptions { Misfire = MisfirePolicy.Skip });
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        await scheduler.StopAsync(TestContext.Current.CancellationToken);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5.5), TimeSpan.FromMinutes(0.5));
        Assert.Equal(2, calls);

        // Back at 00:07:30: the missed occurrences are skipped (the policy), the next is 00:08.
        scheduler.Start();
        scheduler.Start(); // idempotent
        await Idle(scheduler);
        Assert.Equal(2, calls);
        Assert.Equal(Monday.AddMinutes(8), scheduler.ListJobs()[0].NextRun);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.Equal(4, calls);
    }

    [Fact]
    public async Task Dispose_StopsAndRejectsNewWork()
    {
        var scheduler = NewScheduler();
        scheduler.Start();
        await scheduler.DisposeAsync();
        Assert.False(scheduler.IsRunning);
        Assert.Throws<ObjectDisposedException>(() => scheduler.Schedule(() => { }));
        Assert.Throws<ObjectDisposedException>(scheduler.Start);
        scheduler.Dispose(); // twice is fine
    }
}
