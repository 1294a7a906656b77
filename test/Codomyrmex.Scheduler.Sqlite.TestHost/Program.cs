using Codomyrmex.Scheduler;

// hold PATH: takes the store's dispatch lock, prints "ready", and keeps it until standard input closes (or the process is killed).
if (args is ["hold", var path])
{
    await using var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan });
    await store.RecoverExpiredAsync(DateTimeOffset.MinValue.AddYears(1));
    Console.WriteLine("ready");
    Console.Out.Flush();
    await Console.In.ReadToEndAsync();
    return 0;
}

Console.Error.WriteLine("usage: Codomyrmex.Scheduler.Sqlite.TestHost hold PATH");
return 2;
