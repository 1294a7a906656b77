using Codomyrmex.Scheduler.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>One row of the jobs table: the job's definition as stored, and its <see cref="JobState"/>.</summary>
internal sealed class JobRow
{
    /// <summary>The columns every job query selects, in the order <see cref="Read"/> reads them.</summary>
    public const string Columns =
        "seq, id, name, task, args, kwargs, trigger, max_runs, source, created_at, result, error, overlap, misfire, misfire_grace, " +
        "max_attempts, retry_delay, max_retry_delay, timeout, recoverable, status, last_failed, run_count, failure_count, active_runs, " +
        "next_run, queued, last_run, last_duration, version, retry_at, retry_of, retry_attempt, retry_is_recovery, waits_for_idle, " +
        "paused, due_at, finished_at";

    /// <summary>The assignments that write a row's state back (parameters named after the columns).</summary>
    public const string StateAssignments =
        "status = @status, last_failed = @last_failed, run_count = @run_count, failure_count = @failure_count, active_runs = @active_runs, " +
        "next_run = @next_run, queued = @queued, last_run = @last_run, last_duration = @last_duration, version = @version, " +
        "retry_at = @retry_at, retry_of = @retry_of, retry_attempt = @retry_attempt, retry_is_recovery = @retry_is_recovery, " +
        "waits_for_idle = @waits_for_idle, paused = @paused, due_at = @due_at, finished_at = @finished_at, result = @result, error = @error";

    /// <summary>The assignments that write a row's definition (parameters named after the columns).</summary>
    public const string DefinitionAssignments =
        "name = @name, task = @task, args = @args, kwargs = @kwargs, trigger = @trigger, max_runs = @max_runs, source = @source, " +
        "overlap = @overlap, misfire = @misfire, misfire_grace = @misfire_grace, max_attempts = @max_attempts, retry_delay = @retry_delay, " +
        "max_retry_delay = @max_retry_delay, timeout = @timeout, recoverable = @recoverable";

    public JobState State;

    public long Seq { get; init; }

    public required string Id { get; init; }

    public required string Name { get; set; }

    public string? Task { get; set; }

    public required string Args { get; set; }

    public required string Kwargs { get; set; }

    public string? TriggerJson { get; set; }

    public int? MaxRuns { get; set; }

    public string? Source { get; set; }

    public long CreatedAt { get; init; }

    public string? Result { get; set; }

    public string? Error { get; set; }

    public required JobOptions Options { get; set; }

    /// <summary>When the job finished, by the server's clock; 0 while it may run.</summary>
    public long FinishedAt { get; set; }

    public static JobRow Read(NpgsqlDataReader reader) => new()
    {
        Seq = reader.GetInt64(0),
        Id = reader.GetString(1),
        Name = reader.GetString(2),
        Task = NullableString(reader, 3),
        Args = reader.GetString(4),
        Kwargs = reader.GetString(5),
        TriggerJson = NullableString(reader, 6),
        MaxRuns = reader.IsDBNull(7) ? null : reader.GetInt32(7),
        Source = NullableString(reader, 8),
        CreatedAt = reader.GetInt64(9),
        Result = NullableString(reader, 10),
        Error = NullableString(reader, 11),
        Options = ReadOptions(reader),
        State = new JobState
        {
            Status = (JobStatus)reader.GetInt32(20),
            LastFailed = reader.GetBoolean(21),
            RunCount = reader.GetInt32(22),
            FailureCount = reader.GetInt32(23),
            ActiveRuns = reader.GetInt32(24),
            NextRunTicks = reader.GetInt64(25),
            QueuedTicks = reader.GetInt64(26),
            LastRunTicks = reader.GetInt64(27),
            LastDurationTicks = reader.GetInt64(28),
            Version = reader.GetInt64(29),
            RetryAtTicks = reader.GetInt64(30),
            RetryOfTicks = reader.GetInt64(31),
            RetryAttempt = reader.GetInt32(32),
            RetryIsRecovery = reader.GetBoolean(33),
            WaitsForIdle = reader.GetBoolean(34),
            IsPaused = reader.GetBoolean(35),
        },
        FinishedAt = reader.IsDBNull(37) ? 0 : reader.GetInt64(37),
    };

    /// <summary>Stamps when the job finished, at <paramref name="now"/> (server time), if it just did; clears it if it may run again.</summary>
    public void StampFinished(long now) => FinishedAt = !State.IsFinished ? 0 : FinishedAt != 0 ? FinishedAt : now;

    /// <summary>Binds the state parameters of <see cref="StateAssignments"/>, and <c>@id</c>.</summary>
    public void BindState(NpgsqlCommand command) => BindState(command.Parameters);

    /// <summary>Binds the state parameters of <see cref="StateAssignments"/>, and <c>@id</c>, in a command's or a batch command's parameters.</summary>
    public void BindState(NpgsqlParameterCollection command)
    {
        Db.Add(command, "id", Id);
        Db.Add(command, "status", (int)State.Status);
        Db.Add(command, "last_failed", State.LastFailed);
        Db.Add(command, "run_count", State.RunCount);
        Db.Add(command, "failure_count", State.FailureCount);
        Db.Add(command, "active_runs", State.ActiveRuns);
        Db.Add(command, "next_run", State.NextRunTicks);
        Db.Add(command, "queued", State.QueuedTicks);
        Db.Add(command, "last_run", State.LastRunTicks);
        Db.Add(command, "last_duration", State.LastDurationTicks);
        Db.Add(command, "version", State.Version);
        Db.Add(command, "retry_at", State.RetryAtTicks);
        Db.Add(command, "retry_of", State.RetryOfTicks);
        Db.Add(command, "retry_attempt", State.RetryAttempt);
        Db.Add(command, "retry_is_recovery", State.RetryIsRecovery);
        Db.Add(command, "waits_for_idle", State.WaitsForIdle);
        Db.Add(command, "paused", State.IsPaused);
        long due = State.DueAtTicks;
        Db.Add(command, "due_at", due == 0 ? null : due, NpgsqlDbType.Bigint);
        Db.Add(command, "finished_at", FinishedAt == 0 ? null : FinishedAt, NpgsqlDbType.Bigint);
        Db.Add(command, "result", Result, NpgsqlDbType.Text);
        Db.Add(command, "error", Error, NpgsqlDbType.Text);
    }

    /// <summary>Binds the definition parameters of <see cref="DefinitionAssignments"/>.</summary>
    public void BindDefinition(NpgsqlCommand command) => BindDefinition(command.Parameters);

    /// <summary>Binds the definition parameters of <see cref="DefinitionAssignments"/> in a command's or a batch command's parameters.</summary>
    public void BindDefinition(NpgsqlParameterCollection command)
    {
        JobOptions options = Options;
        Db.Add(command, "name", Name);
        Db.Add(command, "task", Task, NpgsqlDbType.Text);
        Db.Add(command, "args", Args);
        Db.Add(command, "kwargs", Kwargs);
        Db.Add(command, "trigger", TriggerJson, NpgsqlDbType.Text);
        Db.Add(command, "max_runs", MaxRuns, NpgsqlDbType.Integer);
        Db.Add(command, "source", Source, NpgsqlDbType.Text);
        Db.Add(command, "overlap", (int)options.Overlap);
        Db.Add(command, "misfire", (int)options.Misfire);
        Db.Add(command, "misfire_grace", options.MisfireGraceTime.Ticks);
        Db.Add(command, "max_attempts", options.MaxAttempts);
        Db.Add(command, "retry_delay", options.RetryDelay.Ticks);
        Db.Add(command, "max_retry_delay", options.MaxRetryDelay.Ticks);
        Db.Add(command, "timeout", options.Timeout?.Ticks, NpgsqlDbType.Bigint);
        Db.Add(command, "recoverable", options.Recoverable);
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static JobOptions ReadOptions(NpgsqlDataReader reader)
    {
        JobOptions defaults = JobOptions.Default;
        var overlap = (OverlapPolicy)reader.GetInt32(12);
        var misfire = (MisfirePolicy)reader.GetInt32(13);
        var grace = TimeSpan.FromTicks(reader.GetInt64(14));
        int attempts = reader.GetInt32(15);
        var retryDelay = TimeSpan.FromTicks(reader.GetInt64(16));
        var maxRetryDelay = TimeSpan.FromTicks(reader.GetInt64(17));
        TimeSpan? timeout = reader.IsDBNull(18) ? null : TimeSpan.FromTicks(reader.GetInt64(18));
        bool recoverable = reader.GetBoolean(19);

        // Most jobs keep the defaults: share the one instance rather than allocate a copy per read.
        if (overlap == defaults.Overlap && misfire == defaults.Misfire && grace == defaults.MisfireGraceTime && attempts == defaults.MaxAttempts &&
            retryDelay == defaults.RetryDelay && maxRetryDelay == defaults.MaxRetryDelay && timeout == defaults.Timeout && recoverable == defaults.Recoverable)
        {
            return defaults;
        }

        return new JobOptions
        {
            Overlap = overlap,
            Misfire = misfire,
            MisfireGraceTime = grace,
            MaxAttempts = attempts,
            RetryDelay = retryDelay,
            MaxRetryDelay = maxRetryDelay,
            Timeout = timeout,
            Recoverable = recoverable,
        };
    }
}
