using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The columns every query of whole jobs selects (<see cref="List"/>), and where each one stands in its result.</summary>
internal static class JobColumns
{
    public static readonly ColumnList List = new(
        "seq, id, name, task, args, kwargs, trigger, max_runs, source, created_at, result, error, overlap, misfire, misfire_grace, " +
        "max_attempts, retry_delay, max_retry_delay, timeout, recoverable, status, last_failed, run_count, failure_count, active_runs, " +
        "next_run, queued, last_run, last_duration, version, retry_at, retry_of, retry_attempt, waits_for_idle, retry_is_recovery, paused, finished_at");

    public static readonly int Seq = List.Ordinal("seq");
    public static readonly int Id = List.Ordinal("id");
    public static readonly int Name = List.Ordinal("name");
    public static readonly int Task = List.Ordinal("task");
    public static readonly int Args = List.Ordinal("args");
    public static readonly int Kwargs = List.Ordinal("kwargs");
    public static readonly int Trigger = List.Ordinal("trigger");
    public static readonly int MaxRuns = List.Ordinal("max_runs");
    public static readonly int Source = List.Ordinal("source");
    public static readonly int CreatedAt = List.Ordinal("created_at");
    public static readonly int Result = List.Ordinal("result");
    public static readonly int Error = List.Ordinal("error");
    public static readonly int Overlap = List.Ordinal("overlap");
    public static readonly int Misfire = List.Ordinal("misfire");
    public static readonly int MisfireGrace = List.Ordinal("misfire_grace");
    public static readonly int MaxAttempts = List.Ordinal("max_attempts");
    public static readonly int RetryDelay = List.Ordinal("retry_delay");
    public static readonly int MaxRetryDelay = List.Ordinal("max_retry_delay");
    public static readonly int Timeout = List.Ordinal("timeout");
    public static readonly int Recoverable = List.Ordinal("recoverable");
    public static readonly int Status = List.Ordinal("status");
    public static readonly int LastFailed = List.Ordinal("last_failed");
    public static readonly int RunCount = List.Ordinal("run_count");
    public static readonly int FailureCount = List.Ordinal("failure_count");
    public static readonly int ActiveRuns = List.Ordinal("active_runs");
    public static readonly int NextRun = List.Ordinal("next_run");
    public static readonly int Queued = List.Ordinal("queued");
    public static readonly int LastRun = List.Ordinal("last_run");
    public static readonly int LastDuration = List.Ordinal("last_duration");
    public static readonly int Version = List.Ordinal("version");
    public static readonly int RetryAt = List.Ordinal("retry_at");
    public static readonly int RetryOf = List.Ordinal("retry_of");
    public static readonly int RetryAttempt = List.Ordinal("retry_attempt");
    public static readonly int WaitsForIdle = List.Ordinal("waits_for_idle");
    public static readonly int RetryIsRecovery = List.Ordinal("retry_is_recovery");
    public static readonly int Paused = List.Ordinal("paused");
    public static readonly int FinishedAt = List.Ordinal("finished_at");

    public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static bool Flag(SqliteDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;
}
