using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// Stop gives the runs it claimed and never started back to the store (README.md, "Stop"): they did not fire, so nothing of
/// them is counted or recorded, and their occurrences run once at the next start.
/// </summary>
public partial class SchedulerTests
{
    /// <summary>A one-shot job due at a minute past Monday that holds the only worker until <paramref name="release"/> completes.</summary>
    private static string ScheduleBlocker(Scheduler scheduler, TaskCompletionSource entered, Task release) =>
        scheduler.Schedule(
            async () =>
            {
                entered.TrySetResult();
                await release;
            },
            name: "blocker",
            trigger: new OnceTrigger(Monday.AddMinutes(1)));

    /// <summary>
    /// Starts the scheduler, lets the first minute come, and once a job holds the worker (<paramref name="entered"/>) does
    /// <paramref name="meanwhile"/>, stops, releases the job and waits for the stop to end.
    /// </summary>
    private async Task StopWhileTheWorkerIsHeldAsync(Scheduler scheduler, TaskCompletionSource entered, TaskCompletionSource release, Action? meanwhile = null)
    {
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        meanwhile?.Invoke();
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);
    }

    /// <summary>
    /// Queues a job due every minute, which counts its runs, behind a blocker on the only worker, and stops the scheduler with
    /// its run queued (see <see cref="StopWhileTheWorkerIsHeldAsync"/>). Returns the job's id and its run count.
    /// </summary>
    private async Task<(string Id, StrongBox<int> Runs)> StopWithACountedRunQueuedAsync(Scheduler scheduler)
    {
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        var runs = new StrongBox<int>();
        string id = scheduler.Schedule(() => Interlocked.Increment(ref runs.Value), name: "queued", trigger: Every(minutes: 1));
        await StopWhileTheWorkerIsHeldAsync(scheduler, entered, release);
        return (id, runs);
    }

    [Fact]
    public async Task Stop_ARecurringOccurrenceQueuedBehindABusyWorker_IsDueAgainAtItsTime_AndRunsOnceAtTheNextStart()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        var occurrences = new ConcurrentQueue<DateTimeOffset>();
        string id = scheduler.Schedule(
            (context, _) =>
            {
                occurrences.Enqueue(context.ScheduledTime);
                return Task.FromResult<object?>(null);
            },
            name: "every-minute",
            trigger: Every(minutes: 1));
        int skipped = 0;
        scheduler.JobSkipped += (_, _) => Interlocked.Increment(ref skipped);

        await StopWhileTheWorkerIsHeldAsync(scheduler, entered, release);

        Job job = scheduler.GetJob(id)!;
        Assert.Empty(occurrences);
        Assert.Equal((JobStatus.Pending, 0, 0, 0), (job.Status, job.RunCount, job.FailureCount, job.ActiveRuns));
        Assert.Equal(Monday.AddMinutes(1), job.NextRun);
        Assert.Empty((await RunsOfAsync(scheduler, id)).Items);
        Assert.Equal(0, skipped);

        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal([Monday.AddMinutes(1)], occurrences);
        Assert.Equal(Monday.AddMinutes(2), scheduler.GetJob(id)!.NextRun);
        Assert.Equal(0, skipped);
    }

    [Fact]
    public async Task Stop_ACancelledJobsQueuedRun_IsRecordedCancelled_NotGivenBack()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        int runs = 0;
        string id = scheduler.Schedule(() => Interlocked.Increment(ref runs), name: "cancelled", trigger: Every(minutes: 1));

        await StopWhileTheWorkerIsHeldAsync(scheduler, entered, release, () => Assert.True(scheduler.Cancel(id)));

        Assert.Equal(0, runs);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal((JobStatus.Cancelled, 0), (job.Status, job.ActiveRuns));
        Assert.Equal(RunOutcome.Cancelled, Assert.Single((await RunsOfAsync(scheduler, id)).Items).Outcome);
    }

    [Fact]
    public async Task Stop_WhenTheStoreCannotTakeTheRunsBack_StillEnds_AndTheLeaseLapsesToARecovery()
    {
        var store = new FaultyStore(Clock) { FailRelease = true };
        var scheduler = NewScheduler(maxWorkers: 1, store: store);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        var occurrences = new ConcurrentQueue<(DateTimeOffset Scheduled, bool Recovery)>();
        string id = scheduler.Schedule(
            (context, _) =>
            {
                occurrences.Enqueue((context.ScheduledTime, context.IsRecovery));
                return Task.FromResult<object?>(null);
            },
            name: "recoverable",
            trigger: new IntervalTrigger(TimeSpan.FromHours(1), Monday.AddMinutes(1)),
            options: new JobOptions { Recoverable = true, MisfireGraceTime = TimeSpan.FromHours(1) });

        await StopWhileTheWorkerIsHeldAsync(scheduler, entered, release);
        await Idle(scheduler);

        // Not given back and not recorded: still claimed in the store, until its lease lapses.
        Assert.Empty(occurrences);
        Job held = scheduler.GetJob(id)!;
        Assert.Equal((JobStatus.Running, 1, 0), (held.Status, held.ActiveRuns, held.RunCount));
        Assert.Empty((await RunsOfAsync(scheduler, id)).Items);

        // The next start recovers it once the lease lapses, as interrupted, and runs the occurrence again as a recovery.
        store.FailRelease = false;
        scheduler.Start();
        await AdvanceAsync(scheduler, TestLease + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.Equal([(Monday.AddMinutes(1), true)], occurrences);
        Assert.Equal([RunOutcome.Succeeded, RunOutcome.Interrupted], (await RunsOfAsync(scheduler, id)).Items.Select(r => r.Outcome));
    }

    /// <summary>
    /// A store whose give-back hangs (and ignores its token, as a call stuck in a driver may): the one job queued behind the held
    /// worker, a stop begun, the worker let go, and the give-back reached. Returns the queued job's id, the stop in progress and
    /// the token the give-back was given.
    /// </summary>
    private async Task<(string Id, Task Stopping, CancellationToken GiveBack)> StopWithTheGiveBackHangingAsync(
        Scheduler scheduler, FaultyStore store, Task hang, CancellationToken stopToken)
    {
        var reached = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeRelease = token =>
        {
            reached.TrySetResult(token);
            return hang;
        };
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        ScheduleBlocker(scheduler, entered, release.Task);
        string id = scheduler.Schedule(() => { }, name: "queued", trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Task stopping = scheduler.StopAsync(stopToken);
        release.SetResult();
        CancellationToken giveBack = await Within(reached.Task);
        return (id, stopping, giveBack);
    }

    [Fact]
    public async Task Stop_WhenTheGiveBackHangs_EndsAtTheShutdownTimeout_AndTheRunStaysClaimedUntilItsLeaseLapses()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromSeconds(30));
        var hang = new TaskCompletionSource();
        try
        {
            (string id, Task stopping, _) = await StopWithTheGiveBackHangingAsync(scheduler, store, hang.Task, TestContext.Current.CancellationToken);

            // The shutdown wait bounds the give-back: Stop takes no longer than the timeout.
            Clock.Advance(TimeSpan.FromSeconds(30));
            await Within(stopping);
            Job held = scheduler.GetJob(id)!;
            Assert.Equal((JobStatus.Running, 1, 0), (held.Status, held.ActiveRuns, held.RunCount));
        }
        finally
        {
            hang.SetResult(); // lets a stop that did not end go, so that the test's cleanup can stop the scheduler
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)] // the floor of the give-back does not outlast an explicit give-up
    public async Task Stop_WhenTheGiveBackHangs_EndsOnTheCallersToken(int shutdownDays)
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.FromDays(shutdownDays));
        var hang = new TaskCompletionSource();
        using var stopWait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        try
        {
            (string id, Task stopping, _) = await StopWithTheGiveBackHangingAsync(scheduler, store, hang.Task, stopWait.Token);
            await stopWait.CancelAsync();
            await Within(stopping);
            Assert.Equal(1, scheduler.GetJob(id)!.ActiveRuns);
        }
        finally
        {
            hang.SetResult();
        }
    }

    [Fact]
    public async Task Stop_WithAZeroShutdownTimeout_StillGivesTheQueuedRunBack_ToAStoreThatHeedsItsToken()
    {
        // As SQLite and PostgreSQL do, the store refuses a give-back whose token is already cancelled.
        var store = new FaultyStore(Clock) { BeforeRelease = token => token.IsCancellationRequested ? Task.FromCanceled(token) : Task.CompletedTask };
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.Zero);

        (string id, StrongBox<int> runs) = await StopWithACountedRunQueuedAsync(scheduler);

        // Given back, not left claimed to lapse into an interrupted run: due again at its time, and run at the next start.
        Job job = scheduler.GetJob(id)!;
        Assert.Equal((JobStatus.Pending, 0, 0), (job.Status, job.ActiveRuns, job.RunCount));
        Assert.Equal(Monday.AddMinutes(1), job.NextRun);
        Assert.Empty((await RunsOfAsync(scheduler, id)).Items);
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal(1, runs.Value);
    }

    [Fact]
    public async Task Stop_WithAZeroShutdownTimeout_WhenTheGiveBackHangs_EndsAfterTheFloor()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.Zero);
        var hang = new TaskCompletionSource();
        try
        {
            (string id, Task stopping, CancellationToken giveBack) =
                await StopWithTheGiveBackHangingAsync(scheduler, store, hang.Task, TestContext.Current.CancellationToken);

            // The give-back gets the floor on the scheduler's clock, not the zero timeout, and no more.
            Assert.False(giveBack.IsCancellationRequested);
            Clock.Advance(Scheduler.GiveBackFloor - TimeSpan.FromMilliseconds(1));
            Assert.False(giveBack.IsCancellationRequested);
            Clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(giveBack.IsCancellationRequested);
            await Within(stopping);
            Assert.Equal(1, scheduler.GetJob(id)!.ActiveRuns);
        }
        finally
        {
            hang.SetResult();
        }
    }

    [Fact]
    public async Task Stop_WithAZeroShutdownTimeout_WhileTheGiveBackHangs_CancelsTheRunningJobAtOnce()
    {
        var store = new FaultyStore(Clock);
        var scheduler = NewScheduler(maxWorkers: 1, store: store, shutdownTimeout: TimeSpan.Zero);
        var hang = new TaskCompletionSource();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.BeforeRelease = _ =>
        {
            reached.TrySetResult();
            return hang.Task;
        };
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.Schedule(
            async (CancellationToken token) =>
            {
                entered.TrySetResult();
                using (token.Register(() => cancelled.TrySetResult()))
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, Clock, token);
                }
            },
            name: "running",
            trigger: new OnceTrigger(Monday.AddMinutes(1)));
        scheduler.Schedule(() => { }, name: "queued", trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        try
        {
            Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
            await Within(reached.Task);

            // The clock has not moved: the give-back still has its floor, and the running job is told to stop all the same.
            await Within(cancelled.Task);
            Assert.False(stopping.IsCompleted);
            Clock.Advance(Scheduler.GiveBackFloor);
            await Within(stopping);
        }
        finally
        {
            hang.SetResult();
        }
    }

    /// <summary>
    /// Three workers held just before their runs start and <paramref name="jobs"/> - 3 more runs queued behind them when Stop
    /// comes: the queue goes back in one call and each worker gives its run back on its own, and the stop logs them all once.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Stop_GivingBackRunsFromTheQueueAndFromWorkers_LogsTheTotalOnce(int jobs)
    {
        const int Workers = 3;
        var logs = new CapturingLoggerFactory();
        var scheduler = NewScheduler(maxWorkers: Workers, loggerFactory: logs);
        var ids = new List<string>();
        for (int i = 0; i < jobs; i++)
        {
            ids.Add(scheduler.Schedule(() => { }, name: $"job-{i}", trigger: new OnceTrigger(Monday.AddMinutes(1))));
        }

        int arrived = 0;
        var allHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.BeforeRunStart = _ =>
        {
            if (Interlocked.Increment(ref arrived) == Math.Min(jobs, Workers))
            {
                allHeld.TrySetResult();
            }

            return gate.Task;
        };
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(allHeld.Task);

        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        gate.SetResult();
        await Within(stopping);

        Assert.All(ids, id => Assert.Equal((JobStatus.Pending, 0, 0), (scheduler.GetJob(id)!.Status, scheduler.GetJob(id)!.ActiveRuns, scheduler.GetJob(id)!.RunCount)));
        var givenBack = Assert.Single(logs.Entries, e => e.Id.Id == 1009);
        Assert.Equal(LogLevel.Information, givenBack.Level);
        Assert.Equal($"Gave back {jobs} claimed run(s) that had not started; their occurrences are due again", givenBack.Message);
    }

    [Fact]
    public async Task Stop_WhenTheStoreAnswersTooFewStatuses_EndsAsForAFailedGiveBack_AndTheSchedulerIsIdle()
    {
        var store = new FaultyStore(Clock) { AfterRelease = _ => [] };
        var scheduler = NewScheduler(maxWorkers: 1, store: store);

        (string id, StrongBox<int> runs) = await StopWithACountedRunQueuedAsync(scheduler);
        await Idle(scheduler);
        Assert.Equal(0, runs.Value);

        // The store did take the run back (only its answer was short): the occurrence runs at the next start.
        store.AfterRelease = null;
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal(1, runs.Value);
        Assert.Equal(Monday.AddMinutes(2), scheduler.GetJob(id)!.NextRun);
    }
}
