// The quick start: a cron job, an interval job and a one-time job on a real scheduler, for a few seconds.
// Usage: dotnet run --project samples/QuickStart [-- seconds]
using System.Globalization;
using Codomyrmex.Scheduler;
using static Codomyrmex.Scheduler.Triggers;

TimeSpan runFor = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 12);
await using var scheduler = new Scheduler(maxWorkers: 4);
scheduler.JobSucceeded += (_, e) => Console.WriteLine($"{e.Time.ToLocalTime():HH:mm:ss.fff}  {e.JobName,-8} ran (run for {e.ScheduledTime.ToLocalTime():HH:mm:ss})");
scheduler.JobFailed += (_, e) => Console.WriteLine($"{e.Time.ToLocalTime():HH:mm:ss.fff}  {e.JobName,-8} FAILED: {e.Error}");

scheduler.Schedule(() => { }, name: "cron", trigger: CronTrigger.FromExpression("*/4 * * * * *", format: CronFormat.IncludeSeconds));
string cleanup = scheduler.Schedule(Cleanup, trigger: Every(seconds: 3), args: ["/tmp"], maxRuns: 3);
scheduler.Schedule(() => "hello", name: "once", trigger: new OnceTrigger(DateTimeOffset.UtcNow.AddSeconds(5)));
scheduler.Schedule(() => throw new InvalidOperationException("disk full"), name: "flaky", trigger: Every(seconds: 7));

Console.WriteLine($"Running {scheduler.ListJobs().Count} jobs for {runFor.TotalSeconds:0} s:");
foreach (Job job in scheduler.ListJobs())
{
    Console.WriteLine($"  {job.Name,-8} {job.Trigger?.ToString() ?? "as soon as possible"}; next {job.NextRun?.ToLocalTime():HH:mm:ss}");
}

scheduler.Start();
await Task.Delay(runFor);
await scheduler.StopAsync();

Job done = scheduler.GetJob(cleanup)!;
Console.WriteLine($"cleanup: {done.Status}, {done.RunCount} of {done.MaxRuns} runs, last result {done.Result}");

static string Cleanup() => "cleaned";
