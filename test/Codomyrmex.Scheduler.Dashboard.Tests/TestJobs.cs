using Microsoft.Extensions.Time.Testing;

using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Dashboard.Tests;

/// <summary>Schedulers on a fake clock, and the jobs the tests show.</summary>
internal static class TestJobs
{
    /// <summary>The fake clock's start: Monday 2 March 2026, 09:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    public const string Script = "<script>alert(1)</script>";

    public const string Image = "\"><img src=x onerror=alert(2)>";

    public static Scheduler Create(FakeTimeProvider time, IJobStore? store = null, string node = "node-a") =>
        new(new SchedulerOptions { TimeProvider = time, NodeName = node, Store = store });

    public static FakeTimeProvider Clock() => new(Start);

    /// <summary>A cron job at 02:30 UTC every day.</summary>
    public static string Nightly(Scheduler scheduler, string name = "nightly-report") =>
        scheduler.Schedule(() => { }, name, CronTrigger.FromExpression("30 2 * * *", TimeZoneInfo.Utc));

    /// <summary>A job that fails with a hostile error when run now; it has run once (and failed) when this returns.</summary>
    public static async Task<string> FailedAsync(Scheduler scheduler, string name, string error)
    {
        string id = scheduler.Schedule(() => throw new InvalidOperationException(error), name, new IntervalTrigger(hours: 1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => scheduler.RunNowAsync(id));
        return id;
    }
}
