using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

public partial class SchedulerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);

    private static async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(Guard, TestContext.Current.CancellationToken);

    private static async Task Within(Task task) => await task.WaitAsync(Guard, TestContext.Current.CancellationToken);

    private static Task Idle(Scheduler scheduler) => scheduler.WhenIdleAsync(TestContext.Current.CancellationToken).WaitAsync(Guard);

    [Fact]
    public async Task Status_RepeatingJob_IsPendingBetweenRuns()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(minutes: 1));
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(id)!.Status);
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(1));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(3, job.RunCount);
        Assert.Equal(Monday.AddMinutes(4), job.NextRun);
    }

    [Fact]
    public async Task Status_WhileRunning_IsRunning()
    {
        var scheduler = NewScheduler();
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct => { started.SetResult(); await release.Task; });
        scheduler.Start();
        await Within(started.Task);
        Assert.Equal(JobStatus.Running, scheduler.GetJob(id)!.Status);
        Assert.Equal(1, scheduler.GetJob(id)!.ActiveRuns);
        release.SetResult();
        await Idle(scheduler);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status);
    }

    [Fact]
    public async Task Status_OneTimeJobThatSucceeds_IsCompletedWithResult()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => 42, trigger: new OnceTrigger(Monday.AddMinutes(5)));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(42, job.Result);
        Assert.Null(job.Error);
        Assert.Null(job.NextRun);
        Assert.Equal(Monday.AddMinutes(5), job.LastRun);
        Assert.Equal(TimeSpan.Zero, job.LastDuration);
    }

    [Fact]
    public async Task Status_LastRunFails_IsFailedWithTypeAndMessage()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => throw new InvalidOperationException("disk full"));
        scheduler.Start();
        await Idle(scheduler);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("InvalidOperationException: disk full", job.Error);
        Assert.Equal(0, job.RunCount);
        Assert.Equal(1, job.FailureCount);
    }

    [Fact]
    public async Task Error_IsClearedBySuccess_ResultIsLastSuccessfulValue()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        string id = scheduler.Schedule(() => ++calls == 2 ? throw new InvalidOperationException("second") : (object)calls, trigger: Every(minutes: 1));
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        Job failed = scheduler.GetJob(id)!;
        Assert.Equal("InvalidOperationException: second", failed.Error);
        Assert.Equal(1, failed.Result);
        Assert.Equal(JobStatus.Pending, failed.Status);
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        Job recovered = scheduler.GetJob(id)!;
        Assert.Null(recovered.Error);
        Assert.Equal(3, recovered.Result);
        Assert.Equal(2, recovered.RunCount);
        Assert.Equal(1, recovered.FailureCount);
    }

    [Fact]
    public async Task MaxRuns_CountsFailedRunsToo()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        string id = scheduler.Schedule(() => { if (++calls % 2 == 0) { throw new InvalidOperationException("even"); } }, trigger: Every(minutes: 1), maxRuns: 3);
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1));
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(3, calls);
        Assert.Equal(2, job.RunCount);
        Assert.Equal(1, job.FailureCount);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Null(job.NextRun);
    }

    [Fact]
    public async Task MaxRuns_LastRunFails_IsFailed()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => throw new InvalidOperationException("always"), trigger: Every(minutes: 1), maxRuns: 2);
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Assert.Equal(JobStatus.Failed, scheduler.GetJob(id)!.Status);
        Assert.Equal(2, scheduler.GetJob(id)!.FailureCount);
    }

    [Fact]
    public async Task NoTrigger_RunsOnceAsSoonAsPossible()
    {
        var scheduler = NewScheduler();
        int calls = 0;
        string id = scheduler.Schedule(() => calls++);
        scheduler.Start();
        await Idle(scheduler);
        await AdvanceAsync(scheduler, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10));
        Assert.Equal(1, calls);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status);
    }

    [Fact]
    public async Task Interval_IsAnchoredAtScheduling_AndDoesNotDrift()
    {
        var scheduler = NewScheduler();
        var runs = new List<DateTimeOffset>();
        Clock.Advance(TimeSpan.FromSeconds(7));
        string id = scheduler.Schedule((ctx, ct) => { runs.Add(ctx.ScheduledTime); return Task.FromResult<object?>(null); }, trigger: Every(minutes: 10));
        scheduler.Start();

        // Advance in uneven steps, so that runs start late: they stay on the grid of scheduling + k·10 min.
        await AdvanceAsync(scheduler, TimeSpan.FromMinutes(35), TimeSpan.FromMinutes(7));
        Assert.Equal([Monday.AddSeconds(7).AddMinutes(10), Monday.AddSeconds(7).AddMinutes(20), Monday.AddSeconds(7).AddMinutes(30)], runs);
        Assert.Equal(Monday.AddSeconds(7).AddMinutes(40), scheduler.GetJob(id)!.NextRun);
        Assert.Equal(Monday.AddSeconds(7), ((IntervalTrigger)scheduler.GetJob(id)!.Trigger!).StartTime);
    }

    [Fact]
    public async Task Cron_WithoutZone_UsesTheSchedulersZone()
    {
        Clock.SetLocalTimeZone(Zones.Berlin);
        var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = Clock, TimeZone = Zones.NewYork });
        _schedulers.Add(scheduler);
        string id = scheduler.Schedule(() => { }, trigger: Cron("0 9 * * *"));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(-5)), scheduler.GetJob(id)!.NextRun);
        Assert.Same(Zones.NewYork, ((CronTrigger)scheduler.GetJob(id)!.Trigger!).TimeZone);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Cron_WithoutAnyZone_UsesTheClocksLocalZone()
    {
        Clock.SetLocalTimeZone(Zones.Berlin);
        var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = Clock });
        _schedulers.Add(scheduler);
        string id = scheduler.Schedule(() => { }, trigger: Cron("0 9 * * *"));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(1)), scheduler.GetJob(id)!.NextRun);
        await Task.CompletedTask;
    }

    [Fact]
    public void Schedule_TriggerThatNeverFires_IsRejected()
    {
        var scheduler = NewScheduler();
        var error = Assert.Throws<ArgumentException>(() => scheduler.Schedule(() => { }, trigger: Cron("0 0 30 2 *")));
        Assert.Equal("trigger", error.ParamName);
        Assert.Contains("never fires", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => scheduler.Schedule(() => { }, trigger: new IntervalTrigger(minutes: 1, startTime: Monday.AddDays(-2), endTime: Monday.AddDays(-1))));
        Assert.Empty(scheduler.ListJobs());
    }

    [Fact]
    public void Schedule_BadArguments_AreRejectedWithTheirNames()
    {
        var scheduler = NewScheduler();
        Assert.Equal("maxRuns", Assert.Throws<ArgumentOutOfRangeException>(() => scheduler.Schedule(() => { }, maxRuns: 0)).ParamName);
        Assert.Equal("func", Assert.Throws<ArgumentNullException>(() => scheduler.Schedule((Action)null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => scheduler.Schedule(() => { }, name: " ")).ParamName);
        var error = Assert.Throws<ArgumentException>(() => scheduler.Schedule(() => { }, options: new JobOptions { MaxAttempts = 0, Timeout = TimeSpan.Zero }));
        Assert.Contains("MaxAttempts is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("Timeout is 00:00:00", error.Message, StringComparison.Ordinal);
        Assert.Empty(scheduler.ListJobs());
    }

    [Fact]
    public void Constructor_BadOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new Scheduler(new SchedulerOptions { MaxWorkers = 0, ShutdownTimeout = TimeSpan.FromSeconds(-1), NodeName = "" }));
        Assert.Contains("MaxWorkers is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("ShutdownTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("NodeName", error.Message, StringComparison.Ordinal);
        Assert.Equal("maxWorkers", Assert.Throws<ArgumentOutOfRangeException>(() => new Scheduler(maxWorkers: 0)).ParamName);
    }

    [Theory]
    [InlineData(10_001)]
    [InlineData(int.MaxValue)]
    public void Constructor_MoreWorkersThanTheLimit_IsRefusedNamingTheLimit_BeforeAnyWorkerStarts(int workers)
    {
        var error = Assert.Throws<ArgumentException>(() => new Scheduler(new SchedulerOptions { MaxWorkers = workers, TimeProvider = Clock }));
        Assert.Contains($"MaxWorkers is {workers}; it must be at most 10000.", error.Message, StringComparison.Ordinal);
        Assert.Equal("maxWorkers", Assert.Throws<ArgumentOutOfRangeException>(() => new Scheduler(maxWorkers: workers)).ParamName);
        using var scheduler = new Scheduler(new SchedulerOptions { MaxWorkers = 10_000, TimeProvider = Clock });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(999)]
    public void Constructor_ALeaseShorterThanTheMinimum_IsRefusedNamingTheValueAndTheMinimum(int milliseconds)
    {
        TimeSpan lease = TimeSpan.FromMilliseconds(milliseconds);
        var error = Assert.Throws<ArgumentException>(() => new Scheduler(new SchedulerOptions { LeaseDuration = lease, TimeProvider = Clock }));
        Assert.Contains($"LeaseDuration is {lease}; it must be at least 00:00:01, the shortest lease the heartbeat keeps.", error.Message, StringComparison.Ordinal);
        using var scheduler = new Scheduler(new SchedulerOptions { LeaseDuration = TimeSpan.FromSeconds(1), TimeProvider = Clock });
    }

    [Fact]
    public void Ids_AreUniqueAndUrlSafe()
    {
        var scheduler = NewScheduler();
        var ids = Enumerable.Range(0, 10_000).Select(_ => scheduler.Schedule(() => { }, trigger: Every(hours: 1))).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(Uri.EscapeDataString(id), id));
    }

    private static void Cleanup() { }

    [Fact]
    public void Name_DefaultsToTheMethodName()
    {
        var scheduler = NewScheduler();
        Assert.Equal("Cleanup", scheduler.GetJob(scheduler.Schedule(Cleanup))!.Name);
        Assert.Equal("<lambda>", scheduler.GetJob(scheduler.Schedule(() => { }))!.Name);
        Assert.Equal("backup", scheduler.GetJob(scheduler.Schedule(Cleanup, name: "backup"))!.Name);
        Assert.Equal("Compute", scheduler.GetJob(scheduler.Schedule(Compute))!.Name);

        static int Compute() => 42;
    }

    [Fact]
    public async Task ArgsAndKwargs_ReachTheJob()
    {
        var scheduler = NewScheduler();
        JobContext? seen = null;
        string id = scheduler.Schedule((ctx, ct) => { seen = ctx; return Task.FromResult<object?>(null); },
            args: ["/tmp", 3], kwargs: new Dictionary<string, object?> { ["dryRun"] = true });
        scheduler.Start();
        await Idle(scheduler);
        Assert.NotNull(seen);
        Assert.Equal(["/tmp", 3], seen.Args);
        Assert.Equal(true, seen.Kwargs["dryRun"]);
        Assert.Equal(id, seen.JobId);
        Assert.Equal(1, seen.Attempt);
        Assert.Same(Clock, seen.TimeProvider);
        Assert.Equal(["/tmp", 3], scheduler.GetJob(id)!.Args);
    }

    [Fact]
    public async Task TypedAsyncResult_BecomesTheResult()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(async ct => { await Task.Yield(); return "done"; });
        scheduler.Start();
        await Idle(scheduler);
        Assert.Equal("done", scheduler.GetJob(id)!.Result);
    }

    [Fact]
    public void ListJobs_FiltersByStatus_InSchedulingOrder()
    {
        var scheduler = NewScheduler();
        string a = scheduler.Schedule(() => { }, name: "a", trigger: Every(hours: 1));
        string b = scheduler.Schedule(() => { }, name: "b", trigger: Every(hours: 1));
        string c = scheduler.Schedule(() => { }, name: "c", trigger: Every(hours: 1));
        scheduler.Cancel(b);
        Assert.Equal([a, b, c], scheduler.ListJobs().Select(j => j.Id));
        Assert.Equal([a, c], scheduler.ListJobs(JobStatus.Pending).Select(j => j.Id));
        Assert.Equal([b], scheduler.ListJobs(JobStatus.Cancelled).Select(j => j.Id));
        Assert.Empty(scheduler.ListJobs(JobStatus.Running));
    }

    [Fact]
    public void GetJob_Unknown_IsNull()
    {
        var scheduler = NewScheduler();
        Assert.Null(scheduler.GetJob("nope"));
        Assert.Null(scheduler.GetJob("0000000000000"));
    }

    [Fact]
    public void Job_IsASnapshot()
    {
        var scheduler = NewScheduler();
        string id = scheduler.Schedule(() => { }, trigger: Every(hours: 1));
        Job before = scheduler.GetJob(id)!;
        scheduler.Cancel(id);
        Assert.Equal(JobStatus.Pending, before.Status);
        Assert.Equal(JobStatus.Cancelled, scheduler.GetJob(id)!.Status);
    }
}
