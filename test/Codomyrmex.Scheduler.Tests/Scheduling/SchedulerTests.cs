using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>The scheduler's rules (README.md), one rule per test, on <see cref="FakeTimeProvider"/>: no test sleeps to wait for a schedule.</summary>
public partial class SchedulerTests : IAsyncDisposable
{
    /// <summary>Monday 2026-11-23 00:00 UTC.</summary>
    protected static readonly DateTimeOffset Monday = new(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);

    private readonly List<Scheduler> _schedulers = [];

    protected FakeTimeProvider Clock { get; } = new(Monday);

    public async ValueTask DisposeAsync()
    {
        foreach (Scheduler scheduler in _schedulers)
        {
            await scheduler.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>The lease of the tests' schedulers unless a test gives one: longer than the clock jumps of a test not about leases.</summary>
    protected static readonly TimeSpan TestLease = TimeSpan.FromMinutes(5);

    protected Scheduler NewScheduler(
        int maxWorkers = 4, IJobStore? store = null, TimeSpan? shutdownTimeout = null, TimeSpan? lease = null, ILoggerFactory? loggerFactory = null)
    {
        Clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        var scheduler = new Scheduler(new SchedulerOptions
        {
            MaxWorkers = maxWorkers,
            TimeProvider = Clock,
            TimeZone = TimeZoneInfo.Utc,
            Store = store,
            ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30),
            // Five minutes unless a test says otherwise: these tests jump the clock by seconds and minutes while a run holds its
            // lease, and a test not about leases must not lose its run to the default lease of a few seconds.
            LeaseDuration = lease ?? TestLease,
            LoggerFactory = loggerFactory,
        });
        _schedulers.Add(scheduler);
        return scheduler;
    }

    /// <summary>Advances virtual time in steps and lets every run that came due finish after each step.</summary>
    protected async Task AdvanceAsync(Scheduler scheduler, TimeSpan total, TimeSpan step)
    {
        for (TimeSpan done = TimeSpan.Zero; done < total; done += step)
        {
            Clock.Advance(step);
            try
            {
                await Idle(scheduler);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException(scheduler.DescribeState());
            }
        }
    }

    [Fact]
    public async Task Cron_WeekdaysAtNine_OverAWeekHourByHour_RunsExactlyFiveTimes()
    {
        var scheduler = NewScheduler();
        var runs = new List<DateTimeOffset>();
        string id = scheduler.Schedule(() => runs.Add(Clock.GetUtcNow()), trigger: Cron("0 9 * * 1-5"));
        scheduler.Start();

        await AdvanceAsync(scheduler, TimeSpan.FromDays(7), TimeSpan.FromHours(1));

        Assert.Equal(5, runs.Count);
        Assert.All(runs, run => Assert.Equal(9, run.Hour));
        Assert.Equal(5, scheduler.GetJob(id)!.RunCount);
    }
}
