// The README's examples, compiled (and run by `dotnet run --project samples/Snippets`). Keep them in step with README.md.
using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Sqlite;
using Microsoft.Extensions.Time.Testing;
using static Codomyrmex.Scheduler.Triggers;

await QuickStartAsync();
await TestingWithVirtualTimeAsync();
CronAndTriggers();
DaylightSaving();
await DurableJobsAsync();
Console.WriteLine("The README's examples ran.");

static async Task QuickStartAsync()
{
    await using var scheduler = new Scheduler(maxWorkers: 4);
    string jobId = scheduler.Schedule(Cleanup, name: "cleanup", trigger: new IntervalTrigger(hours: 1), args: ["/tmp"], maxRuns: 24);
    scheduler.Schedule(() => SendReport(), trigger: Cron("0 9 * * MON-FRI"));   // 09:00 on weekdays, local time
    scheduler.JobFailed += (_, e) => Alert($"{e.JobName} failed: {e.Error}");   // a notification on failure
    scheduler.Start();

    Job? job = scheduler.GetJob(jobId);          // an immutable snapshot: Status, NextRun, RunCount, Result, Error, ...
    scheduler.ListJobs(JobStatus.Pending);
    scheduler.RunNow(jobId);                     // runs it on this thread now; returns its result or rethrows its exception
    scheduler.Cancel(jobId);                     // true if the job exists; no run starts after it, a running one's token is cancelled
    await scheduler.StopAsync();                 // stops firing, waits up to ShutdownTimeout for running jobs
    _ = job;
}

static async Task TestingWithVirtualTimeAsync()
{
    var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero));   // a Monday
    await using var scheduler = new Scheduler(new SchedulerOptions { TimeProvider = clock, TimeZone = TimeZoneInfo.Utc });
    var runs = new List<DateTimeOffset>();
    scheduler.Schedule(() => runs.Add(clock.GetUtcNow()), trigger: Cron("0 9 * * 1-5"));
    scheduler.Start();

    for (int hour = 0; hour < 7 * 24; hour++)
    {
        clock.Advance(TimeSpan.FromHours(1));
        await scheduler.WhenIdleAsync();
    }

    if (runs.Count != 5)
    {
        throw new InvalidOperationException($"Expected 5 runs, saw {runs.Count}.");
    }
}

static void CronAndTriggers()
{
    var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    var standup = CronExpression.Parse("0 9 * * MON-FRI");
    DateTimeOffset? next = standup.GetNextOccurrence(DateTimeOffset.UtcNow, berlin);   // 09:00 Berlin time, with its offset

    Trigger everyHalfHour = Every(minutes: 30);          // IntervalTrigger, anchored and drift-free
    Trigger nineThirty = At("09:30");                    // OnceTrigger: today, or tomorrow if 09:30 has passed
    Trigger everyTwoHours = Cron("0 */2 * * *", berlin); // CronTrigger in a zone
    _ = (next, everyHalfHour, nineThirty, everyTwoHours);
}

static void DaylightSaving()
{
    var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    DateTimeOffset? atThree = CronExpression.Parse("30 2 * * *").GetNextOccurrence(new(2024, 3, 10, 0, 0, 0, TimeSpan.FromHours(-5)), newYork);
    if (atThree != new DateTimeOffset(2024, 3, 10, 3, 0, 0, TimeSpan.FromHours(-4)))
    {
        throw new InvalidOperationException($"Expected 03:00 EDT, got {atThree}.");
    }
}

static async Task DurableJobsAsync()
{
    string folder = Directory.CreateTempSubdirectory("snippets-").FullName;
    string previous = Directory.GetCurrentDirectory();
    Directory.SetCurrentDirectory(folder);
    {
        await using var store = new SqliteJobStore("jobs.db");
        await using var scheduler = new Scheduler(new SchedulerOptions { Store = store });

        // Durable jobs name a registered task: delegates cannot be saved, names can. Register tasks before Start.
        scheduler.RegisterTask("report", (context, cancellationToken) =>
        {
            Console.WriteLine($"report for {context.Kwargs["team"]}");
            return Task.FromResult<object?>("sent");
        });

        // Declared by name: the first run adds the job; later runs find the same job (same id, counters and history).
        await scheduler.ReconcileAsync("my-app",
        [
            new JobDefinition { Name = "report", Task = "report", Trigger = Every(seconds: 1), Kwargs = new() { ["team"] = "ops" } },
        ]);
        await scheduler.StartAsync();
    }

    Directory.SetCurrentDirectory(previous);
    Directory.Delete(folder, recursive: true);
}

static string Cleanup() => "cleaned";

static void SendReport()
{
}

static void Alert(string message) => Console.Error.WriteLine(message);
