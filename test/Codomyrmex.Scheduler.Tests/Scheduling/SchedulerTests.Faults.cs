using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>A store that fails or stalls at a bad moment: the scheduler loses no worker and no run.</summary>
public partial class SchedulerTests
{
    [Fact]
    public async Task StoreFailsToRecordAnOutcome_TheWriteIsRetried_AndTheWorkerCarriesOn()
    {
        var store = new FaultyStore(Clock);
        int failures = 0;
        store.FailCompletion = completion => completion.Run.Job.Name == "a" && Interlocked.Increment(ref failures) <= 2;
        var scheduler = NewScheduler(maxWorkers: 1, store: store);
        int bRuns = 0;
        string a = scheduler.Schedule(() => { }, name: "a", trigger: new OnceTrigger(Monday.AddMinutes(1)));
        string b = scheduler.Schedule(() => Interlocked.Increment(ref bRuns), name: "b", trigger: new OnceTrigger(Monday.AddMinutes(2)));
        scheduler.Start();

        // a runs; its outcome is refused twice, then recorded by the retries (waits on the scheduler's clock).
        Clock.Advance(TimeSpan.FromMinutes(1));
        await AdvanceUntilAsync(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken), TimeSpan.FromMilliseconds(100));
        Assert.Equal(3, failures);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(a)!.Status);

        // The only worker is still there for b.
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Assert.Equal(1, bRuns);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(b)!.Status);
    }

    [Fact]
    public async Task StoreNeverRecordsAnOutcome_TheWorkerSurvivesAndRunsTheNextJob()
    {
        var store = new FaultyStore(Clock) { FailCompletion = completion => completion.Run.Job.Name == "a" };
        var scheduler = NewScheduler(maxWorkers: 1, store: store);
        int bRuns = 0;
        scheduler.Schedule(() => { }, name: "a", trigger: new OnceTrigger(Monday.AddMinutes(1)));
        scheduler.Schedule(() => Interlocked.Increment(ref bRuns), name: "b", trigger: new OnceTrigger(Monday.AddMinutes(2)));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await AdvanceUntilAsync(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken), TimeSpan.FromSeconds(1));

        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Assert.Equal(1, bRuns);
    }

    [Fact]
    public async Task StopDuringAClaim_TheClaimedRunIsGivenBackUnstarted_NotLeftClaimed()
    {
        var store = new FaultyStore(Clock);
        (Task entered, TaskCompletionSource release) = HoldClaims(store, Monday.AddMinutes(1));
        var scheduler = NewScheduler(store: store, shutdownTimeout: TimeSpan.Zero);
        int runs = 0;
        string id = scheduler.Schedule(() => Interlocked.Increment(ref runs), trigger: Every(minutes: 1));
        scheduler.Start();
        await Idle(scheduler); // the first claim (nothing due) is over: the clock moves under no claim, so the held one is the next
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered);
        Task stopping = scheduler.StopAsync(TestContext.Current.CancellationToken);
        release.SetResult();
        await Within(stopping);
        await Within(scheduler.WhenIdleAsync(TestContext.Current.CancellationToken));

        Job job = scheduler.GetJob(id)!;
        Assert.Equal(0, runs);
        Assert.Equal(0, job.ActiveRuns);
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(Monday.AddMinutes(1), job.NextRun);
        Assert.Empty((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
    }

    [Fact]
    public async Task ClaimHeldOpenByTheStore_CancelRunNowAndSchedule_CompleteWithoutWaitingForIt()
    {
        var store = new FaultyStore(Clock);
        (Task entered, TaskCompletionSource release) = HoldClaims(store, Monday.AddMinutes(1));
        var scheduler = NewScheduler(store: store);
        int aRuns = 0, bRuns = 0;
        string a = scheduler.Schedule(() => Interlocked.Increment(ref aRuns), name: "a", trigger: Every(minutes: 1));
        string b = scheduler.Schedule(() => Interlocked.Increment(ref bRuns), name: "b", trigger: Every(hours: 1));
        scheduler.Start();
        await Idle(scheduler); // the first claim (nothing due) is over: the clock moves under no claim, so the held one is the next
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(entered);

        // The dispatcher's claim is in flight, held by the store, while every one of these completes.
        Assert.True(await Within(scheduler.CancelAsync(a, TestContext.Current.CancellationToken).AsTask()));
        Assert.Equal(1, await Within(scheduler.RunNowAsync(b, TestContext.Current.CancellationToken)));
        string c = await Within(scheduler.ScheduleAsync(() => { }, name: "c", trigger: Every(hours: 1), cancellationToken: TestContext.Current.CancellationToken).AsTask());
        Assert.True(await Within(Task.Run(() => scheduler.Cancel(c), TestContext.Current.CancellationToken)));
        string d = await Within(Task.Run(() => scheduler.Schedule(() => { }, name: "d", trigger: Every(hours: 1)), TestContext.Current.CancellationToken));

        release.SetResult();
        await Idle(scheduler);
        Assert.Equal(0, aRuns);
        Assert.Equal(1, bRuns);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(c)!.Status);
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(d)!.Status);
    }

    [Fact]
    public async Task CancelAfterTheStoreClaimedARun_BeforeTheDispatcherHandsItOver_TheRunNeverStarts()
    {
        var store = new FaultyStore(Clock);
        var claimed = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        store.AfterClaim = async batch =>
        {
            if (batch.Runs.Count > 0)
            {
                claimed.TrySetResult();
                await release.Task;
            }
        };
        var scheduler = NewScheduler(store: store);
        int runs = 0;
        string id = scheduler.Schedule(() => Interlocked.Increment(ref runs), trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(claimed.Task);

        // The store holds the run as claimed by this node; the dispatcher has not seen it yet, so Cancel cannot find it.
        Assert.Equal(1, scheduler.GetJob(id)!.ActiveRuns);
        Assert.True(await Within(scheduler.CancelAsync(id, TestContext.Current.CancellationToken).AsTask()));
        release.SetResult();
        await Idle(scheduler);

        Assert.Equal(0, runs);
        RunRecord record = Assert.Single((await scheduler.GetRunsAsync(new RunQuery { JobId = id }, TestContext.Current.CancellationToken)).Items);
        Assert.Equal(RunOutcome.Cancelled, record.Outcome);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(id)!.Status);
    }

    /// <summary>Makes the store's claims for a time from <paramref name="from"/> on wait for the release; <c>Entered</c> completes when one does.</summary>
    private static (Task Entered, TaskCompletionSource Release) HoldClaims(FaultyStore store, DateTimeOffset from)
    {
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        store.BeforeClaim = async now =>
        {
            if (now >= from)
            {
                entered.TrySetResult();
                await release.Task;
            }
        };
        return (entered.Task, release);
    }
}
