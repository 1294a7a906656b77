using Codomyrmex.Scheduler;

// hold PATH NOW: takes the store's dispatch lock, claims every run due at NOW (as node "child", leased for a century),
// prints "ready", and keeps all of it until standard input closes or the process is killed.
if (args is ["hold", var path, var nowText])
{
    var now = DateTimeOffset.Parse(nowText, System.Globalization.CultureInfo.InvariantCulture);
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan });
    await store.RecoverExpiredAsync(now);
    await store.ClaimDueAsync(now, 100, "child", now.AddYears(100));
    Console.WriteLine("ready");
    Console.Out.Flush();
    await Console.In.ReadToEndAsync();
    return 0;
}

// bench PATH N: adds N due jobs, then claims (64 at a time) and completes every run, and prints runs per second.
if (args is ["bench", var benchPath, var countText])
{
    int count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture);
    var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = benchPath, PollInterval = Timeout.InfiniteTimeSpan });
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
        ClaimBatch batch = await store.ClaimDueAsync(t0.AddMinutes(1), 64, "bench", t0.AddMinutes(10));
        if (batch.Runs.Count == 0)
        {
            break;
        }

        foreach (ClaimedRun run in batch.Runs)
        {
            await store.CompleteRunAsync(new RunCompletion(run, RunOutcome.Succeeded, t0.AddMinutes(1), t0.AddMinutes(1), 42));
            done++;
        }
    }

    Console.WriteLine($"adds/s {adds:F0}  claimed+completed runs/s {done / watch.Elapsed.TotalSeconds:F0} ({done} runs)");
    return 0;
}

Console.Error.WriteLine("usage: Codomyrmex.Scheduler.Sqlite.TestHost hold PATH NOW | bench PATH N");
return 2;
