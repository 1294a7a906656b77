// A tour of the triggers: a cron job, an interval job and a one-time job, fired on the real clock for a few seconds.
// Usage: dotnet run --project samples/QuickStart [-- seconds]
using System.Globalization;
using Codomyrmex.Scheduler;
using static Codomyrmex.Scheduler.Triggers;

TimeProvider clock = TimeProvider.System;
DateTimeOffset start = clock.GetUtcNow();
TimeSpan runFor = TimeSpan.FromSeconds(args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 12);

(string Name, Trigger Trigger)[] jobs =
[
    ("cron   */4 * * * * *", CronTrigger.FromExpression("*/4 * * * * *", TimeZoneInfo.Local, CronFormat.IncludeSeconds)),
    ("every  3s", Every(seconds: 3)),
    ("once   in 5s", new OnceTrigger(start.AddSeconds(5))),
];

Console.WriteLine($"Firing {jobs.Length} jobs for {runFor.TotalSeconds:0} s (Ctrl+C to stop early):");
foreach (var (name, trigger) in jobs)
{
    Console.WriteLine($"  {name,-22} {trigger}");
}

var next = jobs.Select(job => job.Trigger.GetNextRun(start)).ToArray();
using var stop = new CancellationTokenSource(runFor, clock);
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
try
{
    while (next.Any(n => n is not null))
    {
        int due = Array.IndexOf(next, next.Where(n => n is not null).Min());
        // Timers may wake a little early: wait until the clock has really reached the occurrence.
        for (TimeSpan wait; (wait = next[due]!.Value - clock.GetUtcNow()) > TimeSpan.Zero;)
        {
            await Task.Delay(wait, clock, stop.Token);
        }

        DateTimeOffset now = clock.GetLocalNow();
        Console.WriteLine($"{now:HH:mm:ss.fff}  fired  {jobs[due].Name}");
        next[due] = jobs[due].Trigger.GetNextRun(next[due]!.Value);
    }
}
catch (OperationCanceledException)
{
}

Console.WriteLine("Done.");
