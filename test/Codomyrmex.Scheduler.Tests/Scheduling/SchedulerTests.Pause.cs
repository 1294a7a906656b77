using Codomyrmex.Scheduler.Storage;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>Pause, Resume and Delete on virtual time.</summary>
public partial class SchedulerTests
{
    [Fact]
    public async Task Pause_FiresNothing_ResumeFiresAgain_OnTheSameSchedule()
    {
        var scheduler = NewScheduler();
        var runs = new List<DateTimeOffset>();
        string id = scheduler.Schedule(() => runs.Add(Clock.GetUtcNow()), trigger: Every(minutes: 1),
            options: JobOptions.Default with { Misfire = MisfirePolicy.Skip });
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.Equal(2, runs.Count);

        Assert.True(scheduler.Pause(id));
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Assert.Equal(2, runs.Count);
        Job paused = scheduler.GetJob(id)!;
        Assert.True(paused.IsPaused);
        Assert.Equal(JobStatus.Pending, paused.Status);

        // Resumed at 00:07: Skip passes over 00:03-00:06 and runs the occurrence that is due right now, then goes on.
        Assert.True(scheduler.Resume(id));
        await Idle(scheduler);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Assert.Equal([Monday.AddMinutes(1), Monday.AddMinutes(2), Monday.AddMinutes(7), Monday.AddMinutes(8), Monday.AddMinutes(9)], runs);
        Assert.False(scheduler.GetJob(id)!.IsPaused);
    }

    [Fact]
    public async Task Resume_WithRunOnce_RunsOnceForTheMissedOccurrences()
    {
        var scheduler = NewScheduler();
        var scheduled = new List<DateTimeOffset>();
        string id = scheduler.Schedule((JobContext context, CancellationToken _) =>
        {
            scheduled.Add(context.ScheduledTime);
            return Task.FromResult<object?>(null);
        }, trigger: Every(minutes: 1));
        Assert.True(await scheduler.PauseAsync(id, TestContext.Current.CancellationToken));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(10).Add(TimeSpan.FromSeconds(30)), TimeSpan.FromSeconds(30));
        Assert.Empty(scheduled);

        Assert.True(await scheduler.ResumeAsync(id, TestContext.Current.CancellationToken));
        await Idle(scheduler);
        Assert.Equal([Monday.AddMinutes(1)], scheduled);
        Assert.Equal(Monday.AddMinutes(11), scheduler.GetJob(id)!.NextRun);
    }

    [Fact]
    public async Task Resume_WithinTheGrace_EachMissedOccurrenceIsDue_TheOverlapSkipsSayTheRunIsHere()
    {
        // Paused for 5 s of a 1 s interval: every missed occurrence is less late than the grace (1 min), so each is an
        // ordinary due occurrence; the first runs and the others, claimed with it, overlap it.
        var scheduler = NewScheduler();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduled = new List<DateTimeOffset>();
        var skipped = new List<JobEvent>();
        scheduler.JobSkipped += (_, e) => { lock (skipped) { skipped.Add(e); } };
        string id = scheduler.Schedule(async (JobContext context, CancellationToken _) =>
        {
            lock (scheduled) { scheduled.Add(context.ScheduledTime); }
            started.TrySetResult();
            await release.Task;
            return null;
        }, trigger: Every(seconds: 1), options: JobOptions.Default with { Overlap = OverlapPolicy.Skip });
        Assert.True(await scheduler.PauseAsync(id, TestContext.Current.CancellationToken));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromSeconds(5));
        await Idle(scheduler);

        Assert.True(await scheduler.ResumeAsync(id, TestContext.Current.CancellationToken));
        await started.Task.WaitAsync(Guard, TestContext.Current.CancellationToken);
        await scheduler.WhenQuietAsync(TestContext.Current.CancellationToken).WaitAsync(Guard, TestContext.Current.CancellationToken);
        Assert.Equal([Monday.AddSeconds(1)], scheduled);
        Assert.Equal([2, 3, 4, 5], skipped.Select(e => (int)(e.ScheduledTime - Monday).TotalSeconds));
        Assert.All(skipped, e => Assert.Equal((SkipReason.Overlap, true), (e.SkipReason!.Value, e.OverlapsRunHere)));
        release.SetResult();
        await Idle(scheduler);
    }

    [Fact]
    public async Task Skip_ForARunAnotherNodeHolds_SaysTheRunIsElsewhere()
    {
        var store = new InMemoryJobStore(new InMemoryJobStoreOptions { TimeProvider = Clock });
        var scheduler = NewScheduler(store: store);
        var skipped = new List<JobEvent>();
        scheduler.JobSkipped += (_, e) => { lock (skipped) { skipped.Add(e); } };
        string id = scheduler.Schedule(() => { }, trigger: Every(minutes: 1), options: JobOptions.Default with { Overlap = OverlapPolicy.Skip });
        var other = new NodeIdentity { InstanceId = "other/1", Name = "other", Host = "elsewhere", ProcessId = 7 };
        Assert.NotNull(await store.ClaimNowAsync(id, new ClaimRequest { Node = other, LeaseDuration = TestLease }, TestContext.Current.CancellationToken));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        JobEvent skip = Assert.Single(skipped);
        Assert.Equal((Monday.AddMinutes(1), SkipReason.Overlap, false), (skip.ScheduledTime, skip.SkipReason!.Value, skip.OverlapsRunHere));
    }

    [Fact]
    public async Task RunNow_PausedJob_Runs_AndStaysPaused()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => "ran", trigger: Every(minutes: 1));
        scheduler.Pause(id);
        Assert.Equal("ran", scheduler.RunNow(id));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(1, job.RunCount);
        Assert.True(job.IsPaused);
    }

    [Fact]
    public void PauseResumeDelete_UnknownIds_AreFalse_NullIdsThrow()
    {
        var scheduler = NewScheduler();
        Assert.False(scheduler.Pause("does-not-exist"));
        Assert.False(scheduler.Resume("does-not-exist"));
        Assert.False(scheduler.Delete("does-not-exist"));
        Assert.Throws<ArgumentNullException>(() => scheduler.Pause(null!));
        Assert.Throws<ArgumentNullException>(() => scheduler.Resume(null!));
        Assert.Throws<ArgumentNullException>(() => scheduler.Delete(null!));
    }

    [Fact]
    public void Pause_CancelledJob_IsTrue_AndChangesNothing()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(minutes: 1));
        scheduler.Cancel(id);
        Assert.True(scheduler.Pause(id));
        Job job = scheduler.GetJob(id)!;
        Assert.False(job.IsPaused);
        Assert.Equal(JobStatus.Cancelled, job.Status);
        Assert.Equal(Monday, job.FinishedAt);
    }

    [Fact]
    public async Task Delete_RunningJob_IsRefused_AfterTheRunItDeletes()
    {
        var scheduler = NewScheduler();
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ct);
        }, trigger: Every(minutes: 1));
        scheduler.Start();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await Within(started.Task);
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => scheduler.Delete(id));
        Assert.Contains("run in progress", error.Message, StringComparison.Ordinal);
        release.SetResult();
        await Idle(scheduler);
        scheduler.Cancel(id);
        Assert.True(await scheduler.DeleteAsync(id, TestContext.Current.CancellationToken));
        Assert.Null(scheduler.GetJob(id));
        Assert.Empty(scheduler.ListJobs());
    }
}
