using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The parameters of a statement that writes a job's changing part (<c>$status</c> ... <c>$finished_at</c>), bound from a row.</summary>
internal sealed class JobStateParameters
{
    /// <summary>The state columns, each set from the parameter of the same name.</summary>
    public static readonly ColumnList Columns = new(
        "status, last_failed, run_count, failure_count, active_runs, next_run, queued, last_run, last_duration, version, retry_at, " +
        "retry_of, retry_attempt, waits_for_idle, due_at, retry_is_recovery, paused, finished_at");

    private readonly SqliteParameter _status;
    private readonly SqliteParameter _lastFailed;
    private readonly SqliteParameter _runCount;
    private readonly SqliteParameter _failureCount;
    private readonly SqliteParameter _activeRuns;
    private readonly SqliteParameter _nextRun;
    private readonly SqliteParameter _queued;
    private readonly SqliteParameter _lastRun;
    private readonly SqliteParameter _lastDuration;
    private readonly SqliteParameter _version;
    private readonly SqliteParameter _retryAt;
    private readonly SqliteParameter _retryOf;
    private readonly SqliteParameter _retryAttempt;
    private readonly SqliteParameter _waitsForIdle;
    private readonly SqliteParameter _dueAt;
    private readonly SqliteParameter _retryIsRecovery;
    private readonly SqliteParameter _paused;
    private readonly SqliteParameter _finishedAt;

    public JobStateParameters(SqliteCommand command)
    {
        _status = StoreConnection.Parameter(command, "$status");
        _lastFailed = StoreConnection.Parameter(command, "$last_failed");
        _runCount = StoreConnection.Parameter(command, "$run_count");
        _failureCount = StoreConnection.Parameter(command, "$failure_count");
        _activeRuns = StoreConnection.Parameter(command, "$active_runs");
        _nextRun = StoreConnection.Parameter(command, "$next_run");
        _queued = StoreConnection.Parameter(command, "$queued");
        _lastRun = StoreConnection.Parameter(command, "$last_run");
        _lastDuration = StoreConnection.Parameter(command, "$last_duration");
        _version = StoreConnection.Parameter(command, "$version");
        _retryAt = StoreConnection.Parameter(command, "$retry_at");
        _retryOf = StoreConnection.Parameter(command, "$retry_of");
        _retryAttempt = StoreConnection.Parameter(command, "$retry_attempt");
        _waitsForIdle = StoreConnection.Parameter(command, "$waits_for_idle");
        _dueAt = StoreConnection.Parameter(command, "$due_at");
        _retryIsRecovery = StoreConnection.Parameter(command, "$retry_is_recovery");
        _paused = StoreConnection.Parameter(command, "$paused");
        _finishedAt = StoreConnection.Parameter(command, "$finished_at");
    }

    /// <summary>Sets the parameters from the row, whose <see cref="JobRow.FinishedAt"/> the caller has stamped.</summary>
    public void Bind(JobRow row)
    {
        ref readonly JobState state = ref row.State;
        _status.Value = (long)state.Status;
        _lastFailed.Value = state.LastFailed ? 1L : 0L;
        _runCount.Value = (long)state.RunCount;
        _failureCount.Value = (long)state.FailureCount;
        _activeRuns.Value = (long)state.ActiveRuns;
        _nextRun.Value = state.NextRunTicks;
        _queued.Value = state.QueuedTicks;
        _lastRun.Value = state.LastRunTicks;
        _lastDuration.Value = state.LastDurationTicks;
        _version.Value = state.Version;
        _retryAt.Value = state.RetryAtTicks;
        _retryOf.Value = state.RetryOfTicks;
        _retryAttempt.Value = (long)state.RetryAttempt;
        _waitsForIdle.Value = state.WaitsForIdle ? 1L : 0L;
        _dueAt.Value = state.DueAtTicks is 0 ? DBNull.Value : state.DueAtTicks;
        _retryIsRecovery.Value = state.RetryIsRecovery ? 1L : 0L;
        _paused.Value = state.IsPaused ? 1L : 0L;
        _finishedAt.Value = row.FinishedAt == 0 ? DBNull.Value : row.FinishedAt;
    }
}
