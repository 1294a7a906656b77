using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Codomyrmex.Scheduler on the system clock, with its default in-memory store or, when given a <see cref="SqliteJobStoreOptions"/>, a
/// <see cref="SqliteJobStore"/> in a fresh temporary file (deleted on dispose).
/// </summary>
/// <remarks>
/// In memory a job body is one cached delegate. A durable store keeps no delegates, so there every job runs the registered task
/// <c>fire</c> (or <c>pending</c>), scheduled by name, as a durable user would schedule it.
/// </remarks>
internal sealed class CodomyrmexTarget : DispatchTarget
{
    private const string FireTask = "fire";

    private static readonly Action FireJob = FireRecorder.Fire;

    private readonly Scheduler _scheduler;
    private readonly SqliteJobStore? _store;
    private readonly TemporaryDatabase? _file;
    private readonly bool _historyOff;

    public CodomyrmexTarget(int workers, Func<string, SqliteJobStoreOptions>? sqlite = null, RunHistoryOptions? history = null)
    {
        if (sqlite is not null)
        {
            _file = new TemporaryDatabase("codomyrmex");
            SqliteJobStoreOptions options = sqlite(_file.Path);
            _store = new SqliteJobStore(options);
            Name = options.FlushEveryCommit ? "Codomyrmex (SQLite, FlushEveryCommit)" : "Codomyrmex (SQLite)";
        }

        IJobStore? store = _store;
        if (store is null && history is not null)
        {
            // What keeping run history costs the in-memory hot path: the same store with history off.
            store = new InMemoryJobStore(history);
            _historyOff = history.MaxRunsPerJob == 0;
            Name = history.MaxRunsPerJob == 0 ? "Codomyrmex (history off)" : "Codomyrmex (custom history)";
        }

        _scheduler = new(new SchedulerOptions { MaxWorkers = workers, TimeProvider = TimeProvider.System, Store = store });
        if (_store is not null)
        {
            _scheduler.RegisterTask(FireTask, FireJob);
        }
    }

    public override string Name { get; } = "Codomyrmex";

    public override long FileBytes => _file?.Bytes ?? 0;

    public override void Start() => _scheduler.Start();

    public override void ScheduleFire(DateTimeOffset due, int index) => Schedule("fire", due);

    public override void ScheduleRecord(DateTimeOffset due, int index)
    {
        if (_store is not null)
        {
            throw new NotSupportedException("The lateness scenario runs in memory only.");
        }

        _scheduler.Schedule(() => FireRecorder.Record(index), name: "record", trigger: new OnceTrigger(due));
    }

    public override object SchedulePending(DateTimeOffset due, int index) => Schedule("pending", due);

    public override void Get(object handle)
    {
        if (_scheduler.GetJob((string)handle) is not { NextRun: not null })
        {
            throw new InvalidOperationException($"Job {handle} is missing or has no next run.");
        }
    }

    public override void Cancel(object handle)
    {
        if (!_scheduler.Cancel((string)handle))
        {
            throw new InvalidOperationException($"Job {handle} is missing.");
        }
    }

    public override int ListRunning() => _scheduler.ListJobs(JobStatus.Running).Count;

    public override int ListPage() => Wait(_scheduler.ListJobsAsync(new JobQuery { Status = JobStatus.Pending, Offset = 0, Limit = 50 })).Items.Count;

    public override string? Verify(int expected)
    {
        _scheduler.WhenIdleAsync().GetAwaiter().GetResult();
        int completed = Wait(_scheduler.ListJobsAsync(new JobQuery { Status = JobStatus.Completed, Limit = 0 })).Total;
        int other = Wait(_scheduler.ListJobsAsync(new JobQuery { Limit = 0 })).Total - completed;
        if (completed != expected || other != 0)
        {
            return $"store: {completed} completed, {other} in another state (expected {expected} completed)";
        }

        if (_historyOff)
        {
            return null;
        }

        int runs = Wait(_scheduler.GetRunsAsync(new RunQuery { Outcome = RunOutcome.Succeeded, Limit = 0 })).Total;
        return runs == expected ? null : $"history: {runs} succeeded runs (expected {expected})";
    }

    public override async ValueTask DisposeAsync()
    {
        await _scheduler.DisposeAsync().ConfigureAwait(false);
        if (_store is not null)
        {
            await _store.DisposeAsync().ConfigureAwait(false);
        }

        _file?.Dispose();
    }

    private string Schedule(string name, DateTimeOffset due) => _store is null
        ? _scheduler.Schedule(FireJob, name: name, trigger: new OnceTrigger(due))
        : _scheduler.Schedule(task: FireTask, trigger: new OnceTrigger(due), name: name);
}
