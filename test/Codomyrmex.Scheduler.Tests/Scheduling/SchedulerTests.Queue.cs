namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The claim queue: a burst larger than the queue, behind a blocked worker, leaves runs claimed and queued ahead of the
/// workers and others still in the store; a queued run is cancelled, stopped and run exactly as one the store still holds.
/// </summary>
public partial class SchedulerTests
{
    [Fact]
    public async Task BurstLargerThanTheQueue_OneBlockedWorker_EveryRunRunsOnceAndACancelledOneNever()
    {
        var scheduler = NewScheduler(maxWorkers: 1);
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var runs = new int[700];
        string[] ids = ScheduleBurst(scheduler, runs, entered, release.Task);

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);

        // Behind the one blocked worker: early jobs whose runs are claimed and queued (or about to be), and late ones still in
        // the store. Cancelled either way, neither runs.
        Assert.True(scheduler.Cancel(ids[300]));
        Assert.True(scheduler.Cancel(ids[690]));
        release.SetResult();
        await Idle(scheduler);

        for (int i = 0; i < runs.Length; i++)
        {
            bool cancelled = i is 300 or 690;
            Assert.Equal(cancelled ? 0 : 1, runs[i]);
            Assert.Equal(cancelled ? JobStatus.Cancelled : JobStatus.Completed, scheduler.GetJob(ids[i])!.Status);
        }
    }

    [Fact]
    public async Task BurstHeldInTheQueue_Stop_RecordsTheQueuedRunsAndRunsNoneOfThem()
    {
        var scheduler = NewScheduler(maxWorkers: 1, shutdownTimeout: TimeSpan.FromSeconds(30));
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var runs = new int[600];
        ScheduleBurst(scheduler, runs, entered, release.Task);

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);

        // Only the run that had started ran; the queued ones were let go, and no job is left held by this node.
        Assert.Equal(1, runs.Sum());
        Assert.Empty(scheduler.ListJobs(JobStatus.Running));
    }

    /// <summary>
    /// One one-shot job per element of <paramref name="runs"/>, all due at a minute past Monday: each counts its runs there,
    /// signals <paramref name="entered"/> and waits for <paramref name="release"/>.
    /// </summary>
    private static string[] ScheduleBurst(Scheduler scheduler, int[] runs, TaskCompletionSource entered, Task release)
    {
        var ids = new string[runs.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            int index = i;
            ids[i] = scheduler.Schedule(
                async () =>
                {
                    Interlocked.Increment(ref runs[index]);
                    entered.TrySetResult();
                    await release;
                },
                name: $"burst-{i}",
                trigger: new OnceTrigger(Monday.AddMinutes(1)));
        }

        return ids;
    }
}
