using System.Globalization;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The <c>jobs</c> table: its statements, and the mapping between a row, a <see cref="JobRow"/> and a <see cref="Job"/>.</summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock, inside its transactions.</remarks>
internal sealed class JobTable
{
    private const int MaxTriggerCache = 4096;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Trigger> _triggers = new(StringComparer.Ordinal);

    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertId;
    private readonly SqliteParameter _insertCreatedAt;
    private readonly JobDefinitionParameters _insertDefinition;
    private readonly JobStateParameters _insertState;

    private readonly SqliteCommand _byId;
    private readonly SqliteParameter _byIdId;
    private readonly SqliteCommand _bySeq;
    private readonly SqliteParameter _bySeqSeq;
    private readonly SqliteCommand _firstDue;
    private readonly SqliteParameter _firstDueNow;

    private readonly SqliteCommand _writeState;
    private readonly SqliteParameter _writeStateSeq;
    private readonly SqliteParameter _writeStateResult;
    private readonly SqliteParameter _writeStateError;
    private readonly JobStateParameters _writeStateState;

    private readonly SqliteCommand _writeDefinition;
    private readonly SqliteParameter _writeDefinitionSeq;
    private readonly JobDefinitionParameters _writeDefinitionDefinition;
    private readonly JobStateParameters _writeDefinitionState;

    private readonly SqliteCommand _nextDue;
    private readonly SqliteCommand _countAll;
    private readonly SqliteCommand _countRunning;
    private readonly StoreConnection _db;
    private readonly Dictionary<int, SqliteCommand> _filtered = [];
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleteSeq;
    private readonly SqliteCommand _liveDeclared;
    private readonly SqliteParameter _liveDeclaredSource;
    private readonly SqliteParameter _liveDeclaredName;
    private readonly SqliteCommand _finishedBefore;
    private readonly SqliteParameter _finishedBeforeCutoff;
    private readonly SqliteParameter _finishedBeforeBatch;

    public JobTable(StoreConnection db, string path, TimeProvider time)
    {
        _db = db;
        _path = path;
        _time = time;

        _insert = db.Prepare(
            $"INSERT INTO jobs (id, created_at, {JobDefinitionParameters.Columns.Text}, {JobStateParameters.Columns.Text}) " +
            $"VALUES ($id, $created_at, {JobDefinitionParameters.Columns.Parameters}, {JobStateParameters.Columns.Parameters});");
        _insertId = StoreConnection.Parameter(_insert, "$id");
        _insertCreatedAt = StoreConnection.Parameter(_insert, "$created_at");
        _insertDefinition = new JobDefinitionParameters(_insert);
        _insertState = new JobStateParameters(_insert);

        _byId = db.Prepare($"SELECT {JobColumns.List.Text} FROM jobs WHERE id = $id;");
        _byIdId = StoreConnection.Parameter(_byId, "$id");
        _bySeq = db.Prepare($"SELECT {JobColumns.List.Text} FROM jobs WHERE seq = $seq;");
        _bySeqSeq = StoreConnection.Parameter(_bySeq, "$seq");
        _firstDue = db.Prepare($"SELECT {JobColumns.List.Text} FROM jobs WHERE due_at <= $now ORDER BY due_at, seq LIMIT 1;");
        _firstDueNow = StoreConnection.Parameter(_firstDue, "$now");

        _writeState = db.Prepare($"UPDATE jobs SET {JobStateParameters.Columns.Assignments}, result = $result, error = $error WHERE seq = $seq;");
        _writeStateSeq = StoreConnection.Parameter(_writeState, "$seq");
        _writeStateResult = StoreConnection.Parameter(_writeState, "$result");
        _writeStateError = StoreConnection.Parameter(_writeState, "$error");
        _writeStateState = new JobStateParameters(_writeState);

        _writeDefinition = db.Prepare(
            $"UPDATE jobs SET {JobDefinitionParameters.Columns.Assignments}, {JobStateParameters.Columns.Assignments} WHERE seq = $seq;");
        _writeDefinitionSeq = StoreConnection.Parameter(_writeDefinition, "$seq");
        _writeDefinitionDefinition = new JobDefinitionParameters(_writeDefinition);
        _writeDefinitionState = new JobStateParameters(_writeDefinition);

        _nextDue = db.Prepare("SELECT min(due_at) FROM jobs WHERE due_at IS NOT NULL;");
        _countAll = db.Prepare("SELECT class, jobs FROM job_counts;");
        _countRunning = db.Prepare("SELECT count(*) FROM jobs WHERE status = 1;");
        _delete = db.Prepare("DELETE FROM jobs WHERE seq = $seq;");
        _deleteSeq = StoreConnection.Parameter(_delete, "$seq");

        // Live: JobStatus Pending or Running, as the unique index jobs_declared says.
        _liveDeclared = db.Prepare($"SELECT {JobColumns.List.Text} FROM jobs WHERE source = $source AND name = $name AND status IN (0, 1);");
        _liveDeclaredSource = StoreConnection.Parameter(_liveDeclared, "$source");
        _liveDeclaredName = StoreConnection.Parameter(_liveDeclared, "$name");

        // Finished: JobStatus Completed, Failed or Cancelled, with no run still going (a cancelled job's run may be). The unary
        // + keeps the planner off the status index, which would read every finished job and sort them: a range of
        // jobs_finished, oldest first, stops after the batch however many jobs have finished.
        _finishedBefore = db.Prepare(
            "SELECT seq, id FROM jobs WHERE finished_at < $cutoff AND +status IN (2, 3, 4) AND active_runs = 0 " +
            "AND NOT EXISTS (SELECT 1 FROM claims WHERE claims.job_seq = jobs.seq) ORDER BY finished_at LIMIT $batch;");
        _finishedBeforeCutoff = StoreConnection.Parameter(_finishedBefore, "$cutoff");
        _finishedBeforeBatch = StoreConnection.Parameter(_finishedBefore, "$batch");
    }

    /// <summary>The pending or running job (paused included) declared with this source and name, if any.</summary>
    public JobRow? LiveDeclared(string source, string name)
    {
        _liveDeclaredSource.Value = source;
        _liveDeclaredName.Value = name;
        return ReadOne(_liveDeclared);
    }

    /// <summary>At most <paramref name="batch"/> jobs that finished before <paramref name="cutoff"/> and have no run going, oldest first.</summary>
    public List<(long Seq, string Id)> FinishedBefore(long cutoff, int batch)
    {
        _finishedBeforeCutoff.Value = cutoff;
        _finishedBeforeBatch.Value = (long)batch;
        var jobs = new List<(long, string)>();
        using SqliteDataReader reader = _finishedBefore.ExecuteReader();
        int seq = reader.GetOrdinal("seq");
        int id = reader.GetOrdinal("id");
        while (reader.Read())
        {
            jobs.Add((reader.GetInt64(seq), reader.GetString(id)));
        }

        return jobs;
    }

    /// <summary>Inserts a new job.</summary>
    /// <exception cref="SqliteException">A job with the row's id, or a live job of its source and name, exists (a constraint error, code 19).</exception>
    public void Insert(JobRow row)
    {
        StampFinished(row);
        _insertId.Value = row.Id;
        _insertCreatedAt.Value = row.CreatedAt;
        _insertDefinition.Bind(row);
        _insertState.Bind(row);
        _insert.ExecuteNonQuery();
    }

    public JobRow? ById(string id)
    {
        _byIdId.Value = id;
        return ReadOne(_byId);
    }

    public JobRow? BySeq(long seq)
    {
        _bySeqSeq.Value = seq;
        return ReadOne(_bySeq);
    }

    /// <summary>The job due first at or before <paramref name="now"/> (UTC ticks), oldest first among equals.</summary>
    public JobRow? FirstDue(long now)
    {
        _firstDueNow.Value = now;
        return ReadOne(_firstDue);
    }

    /// <summary>Writes the row's changing part, its result and its error.</summary>
    public void WriteState(JobRow row)
    {
        StampFinished(row);
        _writeStateSeq.Value = row.Seq;
        _writeStateResult.Value = (object?)row.Result ?? DBNull.Value;
        _writeStateError.Value = (object?)row.Error ?? DBNull.Value;
        _writeStateState.Bind(row);
        _writeState.ExecuteNonQuery();
    }

    /// <summary>Writes the row's definition and changing part (an update of the job).</summary>
    public void WriteDefinition(JobRow row)
    {
        StampFinished(row);
        _writeDefinitionSeq.Value = row.Seq;
        _writeDefinitionDefinition.Bind(row);
        _writeDefinitionState.Bind(row);
        _writeDefinition.ExecuteNonQuery();
    }

    /// <summary>The earliest due time of any job, in UTC ticks.</summary>
    public long? NextDue() => _nextDue.ExecuteScalar() is long due ? due : null;

    /// <summary>
    /// How many jobs there are in each status: the classes the triggers on <c>jobs</c> keep in <c>job_counts</c>, with the
    /// running jobs (as few as the runs in progress) counted from the status index and taken from the live ones.
    /// </summary>
    public JobCounts CountAll()
    {
        var counts = new long[5];
        using (SqliteDataReader reader = _countAll.ExecuteReader())
        {
            while (reader.Read())
            {
                counts[reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        long running = (long)_countRunning.ExecuteScalar()!;
        return new JobCounts { Pending = counts[0] - running, Running = running, Completed = counts[2], Failed = counts[3], Cancelled = counts[4] };
    }

    /// <summary>How many jobs match the query's filters.</summary>
    public int Count(in JobQuery query)
    {
        if (query.Name is null && query.NamePrefix is null && query.Source is null)
        {
            JobCounts counts = CountAll();
            return (int)(query.Status is { } status ? counts[status] : counts.Total);
        }

        SqliteCommand count = Filtered(query, count: true);
        return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>A page of the jobs that match the query, in the order they were added.</summary>
    public List<Job> List(in JobQuery query)
    {
        SqliteCommand list = Filtered(query, count: false);
        list.Parameters["$limit"].Value = query.Limit ?? -1L;
        list.Parameters["$offset"].Value = (long)query.Offset;
        var items = new List<Job>();
        using SqliteDataReader reader = list.ExecuteReader();
        while (reader.Read())
        {
            items.Add(ToJob(ReadRow(reader)));
        }

        return items;
    }

    /// <summary>
    /// The statement for the query's filters, made once per combination of filters and kept, with the filters bound. A name
    /// prefix is a range of the name index (<see cref="JobNamePrefix.UpperBound"/>), never a <c>LIKE</c> pattern.
    /// </summary>
    private SqliteCommand Filtered(in JobQuery query, bool count)
    {
        string? upper = query.NamePrefix is { Length: > 0 } prefix ? JobNamePrefix.UpperBound(prefix) : null;
        int shape = (count ? 1 : 0) | (query.Status is null ? 0 : 2) | (query.Name is null ? 0 : 4) | (query.NamePrefix is { Length: > 0 } ? 8 : 0)
            | (upper is null ? 0 : 16) | (query.Source is null ? 0 : 32);
        if (!_filtered.TryGetValue(shape, out SqliteCommand? command))
        {
            var where = new List<string>();
            if (query.Status is not null)
            {
                where.Add("status = $status");
            }

            if (query.Name is not null)
            {
                where.Add("name = $name");
            }

            if (query.NamePrefix is { Length: > 0 })
            {
                where.Add("name >= $prefix");
            }

            if (upper is not null)
            {
                where.Add("name < $upper");
            }

            if (query.Source is not null)
            {
                where.Add("source = $source");
            }

            string filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
            command = _db.Prepare(count
                ? $"SELECT count(*) FROM jobs{filter};"
                : $"SELECT {JobColumns.List.Text} FROM jobs{filter} ORDER BY seq LIMIT $limit OFFSET $offset;");
            foreach (string name in (string[])["$status", "$name", "$prefix", "$upper", "$source"])
            {
                StoreConnection.Parameter(command, name);
            }

            if (!count)
            {
                StoreConnection.Parameter(command, "$limit");
                StoreConnection.Parameter(command, "$offset");
            }

            _filtered.Add(shape, command);
        }

        command.Parameters["$status"].Value = query.Status is { } status ? (long)status : DBNull.Value;
        command.Parameters["$name"].Value = (object?)query.Name ?? DBNull.Value;
        command.Parameters["$prefix"].Value = (object?)query.NamePrefix ?? DBNull.Value;
        command.Parameters["$upper"].Value = (object?)upper ?? DBNull.Value;
        command.Parameters["$source"].Value = (object?)query.Source ?? DBNull.Value;
        return command;
    }

    public void Delete(long seq)
    {
        _deleteSeq.Value = seq;
        _delete.ExecuteNonQuery();
    }

    /// <summary>The job's trigger, read from its JSON once and then kept (triggers are immutable).</summary>
    /// <exception cref="InvalidOperationException">The stored JSON is not a trigger; the inner exception is the <see cref="FormatException"/>.</exception>
    public Trigger? TriggerOf(JobRow row)
    {
        if (row.TriggerJson is not { } json)
        {
            return null;
        }

        if (_triggers.TryGetValue(json, out Trigger? trigger))
        {
            return trigger;
        }

        try
        {
            trigger = Trigger.FromJson(json);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"The trigger of job '{row.Id}' ({row.Name}) in '{_path}' cannot be read: {e.Message} The stored JSON is {json}", e);
        }

        CacheTrigger(json, trigger);
        return trigger;
    }

    /// <summary>Keeps a trigger the caller already has for its JSON, so reading the job back does not parse it again.</summary>
    public void CacheTrigger(string json, Trigger trigger)
    {
        if (_triggers.Count >= MaxTriggerCache)
        {
            _triggers.Clear();
        }

        _triggers[json] = trigger;
    }

    public Job ToJob(JobRow row) => ToJob(row, null, keepStoredResult: true);

    /// <summary>The job of a row; with <paramref name="keepStoredResult"/> false its result is <paramref name="result"/> rather than the stored JSON.</summary>
    public Job ToJob(JobRow row, object? result, bool keepStoredResult)
    {
        Trigger? trigger;
        try
        {
            trigger = TriggerOf(row);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is FormatException && row.State.Status == JobStatus.Failed)
        {
            // A job failed for its damaged trigger (see ClaimDueAsync) is still listed and shown, without a trigger: its
            // Error says what is wrong, and one damaged row must not make the whole store unreadable.
            trigger = null;
        }

        return new Job
        {
            Id = row.Id,
            Name = row.Name,
            Task = row.Task,
            Args = JsonValues.ToArgs(row.Args),
            Kwargs = JsonValues.ToKwargs(row.Kwargs),
            Trigger = trigger,
            Status = row.State.Status,
            CreatedAt = Utc(row.CreatedAt),
            LastRun = row.State.LastRunTicks == 0 ? null : Utc(row.State.LastRunTicks),
            NextRun = row.State.GetShownNextRun(trigger),
            RunCount = row.State.RunCount,
            MaxRuns = row.MaxRuns,
            Result = keepStoredResult ? JsonValues.ToResult(row.Result) : result,
            Error = row.Error,
            FailureCount = row.State.FailureCount,
            LastDuration = row.State.LastRunTicks == 0 ? null : TimeSpan.FromTicks(row.State.LastDurationTicks),
            Options = row.Options,
            Source = row.Source,
            ActiveRuns = row.State.ActiveRuns,
            IsPaused = row.State.IsPaused,
            FinishedAt = row.FinishedAt == 0 ? null : Utc(row.FinishedAt),
            Version = row.State.Version,
        };
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static JobRow? ReadOne(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadRow(reader) : null;
    }

    private static JobRow ReadRow(SqliteDataReader reader) => new()
    {
        Seq = reader.GetInt64(JobColumns.Seq),
        Id = reader.GetString(JobColumns.Id),
        Name = reader.GetString(JobColumns.Name),
        Task = JobColumns.NullableString(reader, JobColumns.Task),
        Args = reader.GetString(JobColumns.Args),
        Kwargs = reader.GetString(JobColumns.Kwargs),
        TriggerJson = JobColumns.NullableString(reader, JobColumns.Trigger),
        MaxRuns = reader.IsDBNull(JobColumns.MaxRuns) ? null : reader.GetInt32(JobColumns.MaxRuns),
        Source = JobColumns.NullableString(reader, JobColumns.Source),
        CreatedAt = reader.GetInt64(JobColumns.CreatedAt),
        Result = JobColumns.NullableString(reader, JobColumns.Result),
        Error = JobColumns.NullableString(reader, JobColumns.Error),
        Options = ReadOptions(reader),
        State = new JobState
        {
            Status = (JobStatus)reader.GetInt32(JobColumns.Status),
            LastFailed = JobColumns.Flag(reader, JobColumns.LastFailed),
            RunCount = reader.GetInt32(JobColumns.RunCount),
            FailureCount = reader.GetInt32(JobColumns.FailureCount),
            ActiveRuns = reader.GetInt32(JobColumns.ActiveRuns),
            NextRunTicks = reader.GetInt64(JobColumns.NextRun),
            QueuedTicks = reader.GetInt64(JobColumns.Queued),
            LastRunTicks = reader.GetInt64(JobColumns.LastRun),
            LastDurationTicks = reader.GetInt64(JobColumns.LastDuration),
            Version = reader.GetInt64(JobColumns.Version),
            RetryAtTicks = reader.GetInt64(JobColumns.RetryAt),
            RetryOfTicks = reader.GetInt64(JobColumns.RetryOf),
            RetryAttempt = reader.GetInt32(JobColumns.RetryAttempt),
            WaitsForIdle = JobColumns.Flag(reader, JobColumns.WaitsForIdle),
            RetryIsRecovery = JobColumns.Flag(reader, JobColumns.RetryIsRecovery),
            IsPaused = JobColumns.Flag(reader, JobColumns.Paused),
        },
        FinishedAt = reader.IsDBNull(JobColumns.FinishedAt) ? 0 : reader.GetInt64(JobColumns.FinishedAt),
    };

    private static JobOptions ReadOptions(SqliteDataReader reader)
    {
        JobOptions defaults = JobOptions.Default;
        var overlap = (OverlapPolicy)reader.GetInt32(JobColumns.Overlap);
        var misfire = (MisfirePolicy)reader.GetInt32(JobColumns.Misfire);
        var grace = TimeSpan.FromTicks(reader.GetInt64(JobColumns.MisfireGrace));
        int attempts = reader.GetInt32(JobColumns.MaxAttempts);
        var retryDelay = TimeSpan.FromTicks(reader.GetInt64(JobColumns.RetryDelay));
        var maxRetryDelay = TimeSpan.FromTicks(reader.GetInt64(JobColumns.MaxRetryDelay));
        TimeSpan? timeout = reader.IsDBNull(JobColumns.Timeout) ? null : TimeSpan.FromTicks(reader.GetInt64(JobColumns.Timeout));
        bool recoverable = JobColumns.Flag(reader, JobColumns.Recoverable);

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

    /// <summary>Stamps when the job finished, by the store's clock, if it just did; clears it if the job may run again.</summary>
    private void StampFinished(JobRow row) =>
        row.FinishedAt = !row.State.IsFinished ? 0 : row.FinishedAt != 0 ? row.FinishedAt : _time.GetUtcNow().UtcTicks;
}
