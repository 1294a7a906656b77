using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The parameters of a statement that writes a job's definition (<c>$name</c> ... <c>$source</c>), bound from a row.</summary>
internal sealed class JobDefinitionParameters
{
    /// <summary>The definition columns, each set from the parameter of the same name.</summary>
    public static readonly ColumnList Columns = new(
        "name, task, args, kwargs, trigger, max_runs, overlap, misfire, misfire_grace, max_attempts, retry_delay, max_retry_delay, " +
        "timeout, recoverable, source");

    private readonly SqliteParameter _name;
    private readonly SqliteParameter _task;
    private readonly SqliteParameter _args;
    private readonly SqliteParameter _kwargs;
    private readonly SqliteParameter _trigger;
    private readonly SqliteParameter _maxRuns;
    private readonly SqliteParameter _overlap;
    private readonly SqliteParameter _misfire;
    private readonly SqliteParameter _misfireGrace;
    private readonly SqliteParameter _maxAttempts;
    private readonly SqliteParameter _retryDelay;
    private readonly SqliteParameter _maxRetryDelay;
    private readonly SqliteParameter _timeout;
    private readonly SqliteParameter _recoverable;
    private readonly SqliteParameter _source;

    public JobDefinitionParameters(SqliteCommand command)
    {
        _name = StoreConnection.Parameter(command, "$name");
        _task = StoreConnection.Parameter(command, "$task");
        _args = StoreConnection.Parameter(command, "$args");
        _kwargs = StoreConnection.Parameter(command, "$kwargs");
        _trigger = StoreConnection.Parameter(command, "$trigger");
        _maxRuns = StoreConnection.Parameter(command, "$max_runs");
        _overlap = StoreConnection.Parameter(command, "$overlap");
        _misfire = StoreConnection.Parameter(command, "$misfire");
        _misfireGrace = StoreConnection.Parameter(command, "$misfire_grace");
        _maxAttempts = StoreConnection.Parameter(command, "$max_attempts");
        _retryDelay = StoreConnection.Parameter(command, "$retry_delay");
        _maxRetryDelay = StoreConnection.Parameter(command, "$max_retry_delay");
        _timeout = StoreConnection.Parameter(command, "$timeout");
        _recoverable = StoreConnection.Parameter(command, "$recoverable");
        _source = StoreConnection.Parameter(command, "$source");
    }

    public void Bind(JobRow row)
    {
        JobOptions options = row.Options;
        _name.Value = row.Name;
        _task.Value = (object?)row.Task ?? DBNull.Value;
        _args.Value = row.Args;
        _kwargs.Value = row.Kwargs;
        _trigger.Value = (object?)row.TriggerJson ?? DBNull.Value;
        _maxRuns.Value = row.MaxRuns is { } maxRuns ? (long)maxRuns : DBNull.Value;
        _overlap.Value = (long)options.Overlap;
        _misfire.Value = (long)options.Misfire;
        _misfireGrace.Value = options.MisfireGraceTime.Ticks;
        _maxAttempts.Value = (long)options.MaxAttempts;
        _retryDelay.Value = options.RetryDelay.Ticks;
        _maxRetryDelay.Value = options.MaxRetryDelay.Ticks;
        _timeout.Value = options.Timeout is { } timeout ? timeout.Ticks : DBNull.Value;
        _recoverable.Value = options.Recoverable ? 1L : 0L;
        _source.Value = (object?)row.Source ?? DBNull.Value;
    }
}
