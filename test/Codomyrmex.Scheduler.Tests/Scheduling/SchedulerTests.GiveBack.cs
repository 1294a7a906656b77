using System.Collections.Concurrent;
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

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);

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

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Assert.True(scheduler.Cancel(id));
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);

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

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);
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
}
