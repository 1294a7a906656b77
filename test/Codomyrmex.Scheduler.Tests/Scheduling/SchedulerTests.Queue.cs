namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The claim queue: a burst larger than the queue, behind a blocked worker, leaves runs claimed and queued ahead of the
/// workers and others still in the store; a queued run is cancelled and run exactly as one the store still holds, and Stop
/// gives it back to the store unstarted.
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
    public async Task BurstHeldInTheQueue_Stop_GivesTheQueuedRunsBackPending_AndTheNextStartRunsEachOnce()
    {
        var scheduler = NewScheduler(maxWorkers: 1, shutdownTimeout: TimeSpan.FromSeconds(30));
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var runs = new int[600];
        string[] ids = ScheduleBurst(scheduler, runs, entered, release.Task);
        int skipped = 0;
        scheduler.JobSkipped += (_, _) => Interlocked.Increment(ref skipped);

        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered.Task);
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);

        // Only the run that had started ran. The queued ones (and those still in the store) are pending at their time, with
        // nothing counted or recorded; none is skipped, and no job is left held by this node.
        Assert.Equal(1, runs.Sum());
        Assert.Empty(scheduler.ListJobs(JobStatus.Running));
        Assert.Equal(0, skipped);
        int ran = Array.IndexOf(runs, 1);
        for (int i = 0; i < ids.Length; i++)
        {
            Job job = scheduler.GetJob(ids[i])!;
            if (i == ran)
            {
                Assert.Equal((JobStatus.Completed, 1), (job.Status, job.RunCount));
                continue;
            }

            Assert.Equal((JobStatus.Pending, 0, 0, Monday.AddMinutes(1)), (job.Status, job.RunCount, job.ActiveRuns, job.NextRun));
            Assert.Empty((await RunsOfAsync(scheduler, ids[i])).Items);
        }

        // Started again: every job has run exactly once.
        scheduler.Start();
        await Idle(scheduler);
        Assert.All(runs, count => Assert.Equal(1, count));
        Assert.All(ids, id => Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status));
        Assert.Equal(0, skipped);
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
