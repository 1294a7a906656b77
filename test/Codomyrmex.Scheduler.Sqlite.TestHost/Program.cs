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

Console.Error.WriteLine("usage: Codomyrmex.Scheduler.Sqlite.TestHost hold PATH NOW");
return 2;
