using Codomyrmex.Scheduler;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Sqlite.TestHost;
using Codomyrmex.Scheduler.Storage;

// hold PATH NOW: with the store's clock at NOW, takes the store's dispatch lock, claims every run due (as node "child",
// leased for a century), prints "ready", and keeps all of it until standard input closes or the process is killed.
if (args is ["hold", var path, var nowText])
{
    var now = DateTimeOffset.Parse(nowText, System.Globalization.CultureInfo.InvariantCulture);
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan, TimeProvider = new FixedTime(now) });
    await store.RecoverExpiredAsync();
    NodeIdentity child = NodeIdentity.Create("child", now);
    await store.ClaimDueAsync(new ClaimRequest { Node = child, MaxRuns = 100, LeaseDuration = TimeSpan.FromDays(36500) });
    Console.WriteLine("ready");
    Console.Out.Flush();
    await Console.In.ReadToEndAsync();
    return 0;
}

// cancel PATH ID: cancels the job through a store of its own, as `schedctl jobs cancel` does from another process.
if (args is ["cancel", var cancelPath, var jobId])
{
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = cancelPath, PollInterval = Timeout.InfiniteTimeSpan });
    Console.WriteLine((await store.CancelAsync(jobId))?.Status == JobStatus.Cancelled ? "cancelled" : "unknown");
    return 0;
}

// bench PATH N: adds N due jobs, then claims (64 at a time) and completes every run, and prints runs per second.
if (args is ["bench", var benchPath, var countText])
{
    int count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture);
    var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions
    {
        Path = benchPath,
        PollInterval = Timeout.InfiniteTimeSpan,
        TimeProvider = new FixedTime(t0.AddMinutes(1)),
    });
    NodeIdentity node = NodeIdentity.Create("bench", t0);
    var watch = System.Diagnostics.Stopwatch.StartNew();
    for (int i = 0; i < count; i++)
    {
        await store.AddAsync(new Job { Id = $"job{i:d10}", Name = "bench", Task = "task", CreatedAt = t0, NextRun = t0.AddTicks(i) });
    }

    double adds = count / watch.Elapsed.TotalSeconds;
    watch.Restart();
    int done = 0;
    while (true)
    {
        ClaimBatch batch = await store.ClaimDueAsync(new ClaimRequest { Node = node, MaxRuns = 64, LeaseDuration = TimeSpan.FromMinutes(10) });
        if (batch.Runs.Count == 0)
        {
            break;
        }

        foreach (ClaimedRun run in batch.Runs)
        {
            await store.CompleteRunAsync(new RunCompletion
            {
                Run = run,
                Outcome = RunOutcome.Succeeded,
                StartedAt = t0.AddMinutes(1),
                FinishedAt = t0.AddMinutes(1),
                Result = 42,
            });
            done++;
        }
    }

    Console.WriteLine($"adds/s {adds:F0}  claimed+completed runs/s {done / watch.Elapsed.TotalSeconds:F0} ({done} runs)");
    return 0;
}

// crash-run PATH N LOG: a real Scheduler on the file runs N one-shot jobs "job-0".."job-{N-1}" (the odd ones recoverable) of
// the task "work", which appends "<job id> <attempt>" to LOG before it returns. Schedules whichever of them the file lacks,
// prints "started", and exits with "done" once no job is pending or running. The crash test kills it at random moments.
if (args is ["crash-run", var crashPath, var jobsText, var logPath])
{
    int jobs = int.Parse(jobsText, System.Globalization.CultureInfo.InvariantCulture);
    await using var store = new SqliteJobStore(crashPath);
    await using var scheduler = new Scheduler(new SchedulerOptions { Store = store, MaxWorkers = 4, LeaseDuration = TimeSpan.FromMinutes(5) });
    var logLock = new object();
    scheduler.RegisterTask("work", async (JobContext context, CancellationToken token) =>
    {
        await Task.Delay(TimeSpan.FromMilliseconds(1), token);
        lock (logLock)
        {
            File.AppendAllText(logPath, $"{context.JobId} {context.Attempt}\n");
        }

        return (object?)context.JobName;
    });

    var names = new HashSet<string>((await store.ListAsync(new JobQuery())).Items.Select(j => j.Name), StringComparer.Ordinal);
    for (int i = 0; i < jobs; i++)
    {
        if (!names.Contains($"job-{i}"))
        {
            scheduler.Schedule("work", name: $"job-{i}", options: i % 2 == 1 ? new JobOptions { Recoverable = true } : null);
        }
    }

    await scheduler.StartAsync();
    Console.WriteLine("started");
    Console.Out.Flush();
    while ((await store.ListAsync(new JobQuery { Status = JobStatus.Pending, Limit = 0 })).Total + (await store.ListAsync(new JobQuery { Status = JobStatus.Running, Limit = 0 })).Total > 0)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(20));
    }

    await scheduler.StopAsync();
    Console.WriteLine("done");
    return 0;
}

Console.Error.WriteLine("usage: Codomyrmex.Scheduler.Sqlite.TestHost hold PATH NOW | cancel PATH ID | bench PATH N | crash-run PATH N LOG");
return 2;
