// A job that survives a restart: run this twice (or kill it with kill -9 and run it again). The second run finds the
// job, its counters and its history in the SQLite file, and carries on where the first left off.
using System.Globalization;
using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Sqlite;
using static Codomyrmex.Scheduler.Triggers;

string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "codomyrmex-durable-sample.db");
await using var store = new SqliteJobStore(path);
await using var scheduler = new Scheduler(new SchedulerOptions { Store = store });

// Durable jobs name a registered task: delegates cannot be saved, names can. Register tasks before Start.
scheduler.RegisterTask("report", (context, cancellationToken) =>
{
    Console.WriteLine($"  {context.FireTime:HH:mm:ss.fff} report for {context.Kwargs["team"]} (attempt {context.Attempt})");
    return Task.FromResult<object?>("sent");
});

// Declared by name: the first run adds the job; later runs find the same job (same id, counters and history).
await scheduler.ReconcileAsync("durable-sample",
[
    new JobDefinition { Name = "report", Task = "report", Trigger = Every(seconds: 1), Kwargs = new() { ["team"] = "ops" } },
]);

Job job = scheduler.ListJobs(JobStatus.Pending).Single(j => j.Name == "report");
Console.WriteLine($"{path}: job '{job.Name}' ({job.Id}) has run {job.RunCount} time(s) before; running it for 3 seconds.");
await scheduler.StartAsync();
await Task.Delay(TimeSpan.FromSeconds(3.2));
await scheduler.StopAsync();

RunPage history = await scheduler.GetRunsAsync(new RunQuery { JobId = job.Id, Limit = 5 });
Console.WriteLine($"{history.Total} run(s) in its history; the newest:");
foreach (RunRecord run in history.Items)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {run.ScheduledTime:HH:mm:ss} {run.Outcome,-9} {run.Duration.TotalMilliseconds,6:0.0} ms  result {run.Result}"));
}
