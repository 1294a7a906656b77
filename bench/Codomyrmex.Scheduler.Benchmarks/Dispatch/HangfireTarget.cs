using System.Globalization;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.States;
using Hangfire.Storage;
using Hangfire.Storage.SQLite;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Hangfire with <c>Hangfire.InMemory</c> storage, or with <c>sqlite</c> <c>Hangfire.Storage.SQLite</c> in a fresh temporary file,
/// and one <c>BackgroundJobServer</c> whose <c>WorkerCount</c> is our worker count. The in-memory storage uses long job ids (like
/// SQL Server's); the SQLite storage has integer ids of its own. The storage is passed explicitly (no <c>JobStorage.Current</c>);
/// everything else is at its defaults except <c>SchedulePollingInterval</c>, the period at which scheduled jobs are moved to the
/// queue (15 s by default), and, on SQLite, <c>QueuePollInterval</c>, the period at which idle workers look for enqueued jobs.
/// </summary>
internal sealed class HangfireTarget(int workers, TimeSpan schedulePolling, bool useSchedule, bool sqlite = false) : DispatchTarget
{
    private readonly TemporaryDatabase? _file = sqlite ? new TemporaryDatabase("hangfire") : null;
    private JobStorage? _storage;
    private BackgroundJobClient? _client;
    private IMonitoringApi? _monitoring;
    private BackgroundJobServer? _server;

    public override string Name => (sqlite ? "Hangfire (SQLite, " : "Hangfire (") + (useSchedule ? "Schedule)" : "Enqueue)");

    public override long FileBytes => _file?.Bytes ?? 0;

    private JobStorage Storage => _storage ??= _file is null
        ? new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long })
        : new SQLiteStorage(_file.Path, new SQLiteStorageOptions { QueuePollInterval = schedulePolling });

    private BackgroundJobClient Client => _client ??= new BackgroundJobClient(Storage);

    private IMonitoringApi Monitoring => _monitoring ??= Storage.GetMonitoringApi();

    public override void Start() => _server = new BackgroundJobServer(
        new BackgroundJobServerOptions { WorkerCount = workers, SchedulePollingInterval = schedulePolling }, Storage);

    /// <summary>With <c>useSchedule</c>, <c>BackgroundJob.Schedule</c> at <paramref name="due"/>; otherwise <c>BackgroundJob.Enqueue</c>.</summary>
    public override void ScheduleFire(DateTimeOffset due, int index)
    {
        if (useSchedule)
        {
            Client.Schedule(() => HangfireJobs.Fire(), due);
        }
        else
        {
            Client.Enqueue(() => HangfireJobs.Fire());
        }
    }

    public override void ScheduleRecord(DateTimeOffset due, int index) => Client.Schedule(() => HangfireJobs.Record(index), due);

    public override object SchedulePending(DateTimeOffset due, int index) => Client.Schedule(() => HangfireJobs.Fire(), due);

    /// <summary>With long ids (as SQL Server's), each storage numbers its jobs 1, 2, 3, … in the order they were created.</summary>
    public override object? DerivedHandle(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);

    public override void Get(object handle)
    {
        if (Monitoring.JobDetails((string)handle) is not { Job: not null } details || details.History.Count == 0
            || details.History[0].StateName != ScheduledState.StateName)
        {
            throw new InvalidOperationException($"Job {handle} is missing or not scheduled.");
        }
    }

    public override void Cancel(object handle)
    {
        if (!Client.Delete((string)handle))
        {
            throw new InvalidOperationException($"Job {handle} could not be deleted.");
        }
    }

    public override int ListRunning() => Monitoring.ProcessingJobs(0, 50).Count;

    public override int ListPage() => Monitoring.ScheduledJobs(0, 50).Count;

    public override ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            _server.SendStop();
            _server.Dispose();
        }

        (_storage as IDisposable)?.Dispose();
        _file?.Dispose();
        return default;
    }
}
