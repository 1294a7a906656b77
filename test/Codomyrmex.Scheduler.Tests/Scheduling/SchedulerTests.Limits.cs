using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.Storage;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>
/// The largest times a user can write (timeouts, retry delays, leases, shutdown waits, intervals) are honoured or refused
/// up front: none may throw inside the scheduler, where a claimed run would then never be recorded.
/// </summary>
public partial class SchedulerTests
{
    /// <summary>The longest due time a .NET timer takes (about 49.7 days); every wait past it must be made of several.</summary>
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static TheoryData<TimeSpan> LongTimeouts() =>
    [
        LongestTimer,
        LongestTimer + TimeSpan.FromMilliseconds(1),
        TimeSpan.FromDays(50),
        TimeSpan.FromDays(400),
    ];

    [Theory]
    [MemberData(nameof(LongTimeouts))]
    public async Task Timeout_LongerThanATimerTakes_CancelsAfterExactlyThatLong(TimeSpan timeout)
    {
        // The clock jumps by the whole timeout while the run holds its lease: a lease shorter than the jump would lapse
        // unrenewed, which stops the run as lost (rightly, on a node not heard from that long) before it can time out.
        var scheduler = NewScheduler(lease: TimeSpan.MaxValue);
        var started = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct => { started.SetResult(); await Task.Delay(Timeout.Infinite, ct); },
            options: new JobOptions { Timeout = timeout });
        scheduler.Start();
        await Within(started.Task);

        Clock.Advance(timeout - TimeSpan.FromMilliseconds(1));
        await Task.Yield();
        Assert.Equal(JobStatus.Running, scheduler.GetJob(id)!.Status);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        await Idle(scheduler);
        Job job = scheduler.GetJob(id)!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.StartsWith($"TimeoutException: Job '<lambda>' timed out after {timeout}", job.Error, StringComparison.Ordinal);
        Assert.Equal(timeout, job.LastDuration);
    }

    [Fact]
    public async Task Timeout_MaxValue_NeverFiresAndTheJobEndsNormally()
    {
        var scheduler = NewScheduler();
        var release = new TaskCompletionSource();
        var started = new TaskCompletionSource();
        string id = scheduler.Schedule(async ct => { started.SetResult(); await release.Task.WaitAsync(ct); },
            options: new JobOptions { Timeout = TimeSpan.MaxValue });
        scheduler.Start();
        await Within(started.Task);

        Clock.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(JobStatus.Running, scheduler.GetJob(id)!.Status);
        release.SetResult();
        await Idle(scheduler);
        Assert.Equal(JobStatus.Completed, scheduler.GetJob(id)!.Status);
    }

    [Fact]
    public async Task RetryDelay_LongerThanATimerTakes_TheRetryComesAfterIt()
    {
        // Finished jobs are kept: the clock runs on for days after the retry fails, past the default week of retention.
        var scheduler = NewScheduler(store: new InMemoryJobStore(new InMemoryJobStoreOptions
        {
            TimeProvider = Clock,
            Retention = new JobRetentionOptions { FinishedJobs = null },
        }));
        int attempts = 0;
        var delay = TimeSpan.FromDays(50);
        string id = scheduler.Schedule(() => { attempts++; throw new IOException("down"); },
            options: new JobOptions { MaxAttempts = 2, RetryDelay = delay, MaxRetryDelay = delay });
        scheduler.Start();
        await AdvanceAsync(scheduler, TimeSpan.FromDays(1), TimeSpan.FromDays(1));
        Assert.Equal(1, attempts);
        Assert.Equal(JobStatus.Pending, scheduler.GetJob(id)!.Status);

        // With its jitter (at most 20% shorter) the retry comes within the 50 days, and only once.
        await AdvanceAsync(scheduler, TimeSpan.FromDays(50), TimeSpan.FromDays(1));
        Assert.Equal(2, attempts);
        Assert.Equal(JobStatus.Failed, scheduler.GetJob(id)!.Status);
    }

    /// <summary>Every job option at its largest, on a scheduler whose lease and shutdown timeout are at theirs too.</summary>
    public static TheoryData<string, JobStatus> Outcomes() => new()
    {
        { "succeeds", JobStatus.Completed },
        { "throws", JobStatus.Pending },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public async Task LargestValues_EveryOutcomeIsRecorded(string outcome, JobStatus status)
    {
        Clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var scheduler = new Scheduler(new SchedulerOptions
        {
            TimeProvider = Clock,
            TimeZone = TimeZoneInfo.Utc,
            LeaseDuration = TimeSpan.MaxValue,
        });
        _schedulers.Add(scheduler);
        var options = new JobOptions
        {
            MisfireGraceTime = TimeSpan.MaxValue,
            MaxAttempts = int.MaxValue,
            RetryDelay = TimeSpan.MaxValue,
            MaxRetryDelay = TimeSpan.MaxValue,
            Timeout = TimeSpan.MaxValue,
        };
        string id = scheduler.Schedule(() => outcome == "throws" ? throw new IOException("down") : 1, trigger: new OnceTrigger(Monday), options: options);
        scheduler.Start();

        await AdvanceAsync(scheduler, TimeSpan.FromDays(2), TimeSpan.FromDays(1));

        Job job = scheduler.GetJob(id)!;
        Assert.Equal(status, job.Status);
        Assert.Equal(0, job.ActiveRuns);
        RunPage history = await scheduler.Store.GetRunsAsync(new RunQuery { JobId = id }, Ct);
        RunRecord run = Assert.Single(history.Items);
        Assert.Equal(outcome == "succeeds" ? RunOutcome.Succeeded : RunOutcome.Failed, run.Outcome);
        if (status == JobStatus.Pending)
        {
            // The retry is due at the end of the calendar: never, but recorded and waiting, not running.
            Assert.Equal(DateTimeOffset.MaxValue, job.NextRun);
        }
    }

    [Fact]
    public async Task ShutdownTimeout_LongerThanATimerTakes_StopWaitsForTheJob()
    {
        Clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        // A lease longer than the test's 100 days: the clock moves a day at a time, and a lease shorter than a step would lapse
        // between heartbeats, which stops the run (as it must on a node that was not heard from) before the timeout does.
        var scheduler = new Scheduler(new SchedulerOptions
        {
            TimeProvider = Clock,
            ShutdownTimeout = TimeSpan.FromDays(100),
            LeaseDuration = TimeSpan.FromDays(365),
        });
        _schedulers.Add(scheduler);
        var started = new TaskCompletionSource();
        var cancelled = new TaskCompletionSource();
        scheduler.Schedule(async ct =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.SetResult();
            }
        });
        scheduler.Start();
        await Within(started.Task);

        DateTimeOffset stopAt = Clock.GetUtcNow();
        await AdvanceUntilAsync(scheduler.StopAsync(Ct), TimeSpan.FromDays(1));
        Assert.True(Clock.GetUtcNow() - stopAt >= TimeSpan.FromDays(100), $"Stopped after {Clock.GetUtcNow() - stopAt}.");

        // Its token was cancelled at the timeout. (Not necessarily seen by then: the clock's next day-long step, a millisecond
        // later, also ends the few seconds Stop then waits for cancelled jobs, which a loaded machine may not give the job.)
        await Within(cancelled.Task);
    }

    public static TheoryData<string, Trigger> TriggersThatNeverFire() => new()
    {
        { "interval ended", new IntervalTrigger(TimeSpan.FromMinutes(1), endTime: Monday.AddSeconds(-1)) },
        { "interval ends before its first run", new IntervalTrigger(TimeSpan.FromHours(1), endTime: Monday.AddMinutes(59)) },
        { "interval started and ended", new IntervalTrigger(TimeSpan.FromMinutes(1), Monday.AddDays(-2), Monday.AddDays(-1)) },
        { "interval of 10675199 days", new IntervalTrigger(days: 10675199) },
        { "interval of TimeSpan.MaxValue", new IntervalTrigger(TimeSpan.MaxValue) },
        { "cron on 30 February", Cron("0 0 30 2 *") },
    };

    [Theory]
    [MemberData(nameof(TriggersThatNeverFire))]
    public void Schedule_TriggerWithNoNextRun_ArgumentExceptionNamingIt(string name, Trigger trigger)
    {
        _ = name;
        var scheduler = NewScheduler();
        var error = Assert.Throws<ArgumentException>(() => scheduler.Schedule(() => { }, trigger: trigger));
        Assert.Contains("never fires", error.Message, StringComparison.Ordinal);
        Assert.Empty(scheduler.ListJobs());
    }

    [Theory]
    [MemberData(nameof(TriggersThatNeverFire))]
    public async Task Reconcile_TriggerWithNoNextRun_ArgumentExceptionAndNothingChanged(string name, Trigger trigger)
    {
        _ = name;
        var scheduler = NewSchedulerWithTasks();
        JobDefinition[] definitions =
        [
            new() { Name = "fine", Task = "work", Trigger = Every(minutes: 1) },
            new() { Name = "never", Task = "work", Trigger = trigger, Kwargs = new JsonObject { ["x"] = 1 } },
        ];
        var error = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ReconcileAsync("jobs.json", definitions, Ct));
        Assert.Contains("Job 'never': the trigger", error.Message, StringComparison.Ordinal);
        Assert.Contains("never fires", error.Message, StringComparison.Ordinal);
        Assert.Empty(scheduler.ListJobs());
    }
}
