using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The <c>runs</c> table: the run history, written as runs end and trimmed by the history options.</summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock, inside its transactions.</remarks>
internal sealed class RunHistoryTable
{
    private static readonly ColumnList s_columns =
        new("run_id, job_id, job_name, scheduled, started_at, finished_at, node, instance_id, outcome, error, result, attempt, is_manual, is_recovery");
    private static readonly int s_runId = s_columns.Ordinal("run_id");
    private static readonly int s_jobId = s_columns.Ordinal("job_id");
    private static readonly int s_jobName = s_columns.Ordinal("job_name");
    private static readonly int s_scheduled = s_columns.Ordinal("scheduled");
    private static readonly int s_startedAt = s_columns.Ordinal("started_at");
    private static readonly int s_finishedAt = s_columns.Ordinal("finished_at");
    private static readonly int s_node = s_columns.Ordinal("node");
    private static readonly int s_instanceId = s_columns.Ordinal("instance_id");
    private static readonly int s_outcome = s_columns.Ordinal("outcome");
    private static readonly int s_error = s_columns.Ordinal("error");
    private static readonly int s_result = s_columns.Ordinal("result");
    private static readonly int s_attempt = s_columns.Ordinal("attempt");
    private static readonly int s_isManual = s_columns.Ordinal("is_manual");
    private static readonly int s_isRecovery = s_columns.Ordinal("is_recovery");

    private readonly StoreConnection _db;

    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertRunId;
    private readonly SqliteParameter _insertJobId;
    private readonly SqliteParameter _insertJobName;
    private readonly SqliteParameter _insertScheduled;
    private readonly SqliteParameter _insertStartedAt;
    private readonly SqliteParameter _insertFinishedAt;
    private readonly SqliteParameter _insertNode;
    private readonly SqliteParameter _insertInstanceId;
    private readonly SqliteParameter _insertOutcome;
    private readonly SqliteParameter _insertError;
    private readonly SqliteParameter _insertResult;
    private readonly SqliteParameter _insertAttempt;
    private readonly SqliteParameter _insertIsManual;
    private readonly SqliteParameter _insertIsRecovery;

    private readonly SqliteCommand _trim;
    private readonly SqliteParameter _trimJobId;
    private readonly SqliteParameter _trimKeep;
    private readonly SqliteCommand _purgeOld;
    private readonly SqliteParameter _purgeOldCutoff;
    private readonly SqliteParameter _purgeOldBatch;
    private readonly SqliteCommand _deleteForJob;
    private readonly SqliteParameter _deleteForJobId;

    /// <summary>The history queries, made on first use for each combination of filters (see <see cref="Query"/>).</summary>
    private readonly SqliteCommand?[] _queries = new SqliteCommand?[8];

    public RunHistoryTable(StoreConnection db, RunHistoryOptions options)
    {
        _db = db;
        Options = options;
        _insert = db.Prepare(
            $"INSERT INTO runs ({s_columns.Text}) VALUES ({s_columns.Parameters});");
        _insertRunId = StoreConnection.Parameter(_insert, "$run_id");
        _insertJobId = StoreConnection.Parameter(_insert, "$job_id");
        _insertJobName = StoreConnection.Parameter(_insert, "$job_name");
        _insertScheduled = StoreConnection.Parameter(_insert, "$scheduled");
        _insertStartedAt = StoreConnection.Parameter(_insert, "$started_at");
        _insertFinishedAt = StoreConnection.Parameter(_insert, "$finished_at");
        _insertNode = StoreConnection.Parameter(_insert, "$node");
        _insertInstanceId = StoreConnection.Parameter(_insert, "$instance_id");
        _insertOutcome = StoreConnection.Parameter(_insert, "$outcome");
        _insertError = StoreConnection.Parameter(_insert, "$error");
        _insertResult = StoreConnection.Parameter(_insert, "$result");
        _insertAttempt = StoreConnection.Parameter(_insert, "$attempt");
        _insertIsManual = StoreConnection.Parameter(_insert, "$is_manual");
        _insertIsRecovery = StoreConnection.Parameter(_insert, "$is_recovery");

        _trim = db.Prepare(
            "DELETE FROM runs WHERE job_id = $job_id AND seq <= " +
            "(SELECT seq FROM runs WHERE job_id = $job_id ORDER BY seq DESC LIMIT 1 OFFSET $keep);");
        _trimJobId = StoreConnection.Parameter(_trim, "$job_id");
        _trimKeep = StoreConnection.Parameter(_trim, "$keep");

        // Records are written as runs end, so the oldest are the first by seq: look at the oldest batch only (no index on
        // finished_at to keep up on every completion). A record a node stamped far ahead of the others waits its turn.
        _purgeOld = db.Prepare("DELETE FROM runs WHERE seq IN (SELECT seq FROM runs ORDER BY seq LIMIT $batch) AND finished_at < $cutoff;");
        _purgeOldCutoff = StoreConnection.Parameter(_purgeOld, "$cutoff");
        _purgeOldBatch = StoreConnection.Parameter(_purgeOld, "$batch");
        _deleteForJob = db.Prepare("DELETE FROM runs WHERE job_id = $job_id;");
        _deleteForJobId = StoreConnection.Parameter(_deleteForJob, "$job_id");
    }

    /// <summary>Gets how much history is kept.</summary>
    public RunHistoryOptions Options { get; }

    /// <summary>Writes a history record and trims its job's records to <see cref="RunHistoryOptions.MaxRunsPerJob"/>.</summary>
    public void Insert(RunRecord record)
    {
        if (Options.MaxRunsPerJob == 0)
        {
            return;
        }

        _insertRunId.Value = record.RunId;
        _insertJobId.Value = record.JobId;
        _insertJobName.Value = record.JobName;
        _insertScheduled.Value = record.ScheduledTime.UtcTicks;
        _insertStartedAt.Value = record.StartedAt.UtcTicks;
        _insertFinishedAt.Value = record.FinishedAt.UtcTicks;
        _insertNode.Value = record.Node;
        _insertInstanceId.Value = (object?)record.InstanceId ?? DBNull.Value;
        _insertOutcome.Value = (long)record.Outcome;
        _insertError.Value = (object?)record.Error ?? DBNull.Value;
        _insertResult.Value = (object?)record.Result ?? DBNull.Value;
        _insertAttempt.Value = (long)record.Attempt;
        _insertIsManual.Value = record.IsManual ? 1L : 0L;
        _insertIsRecovery.Value = record.IsRecovery ? 1L : 0L;
        _insert.ExecuteNonQuery();
        if (Options.MaxRunsPerJob is { } keep)
        {
            _trimJobId.Value = record.JobId;
            _trimKeep.Value = (long)keep;
            _trim.ExecuteNonQuery();
        }
    }

    /// <summary>Deletes every record of the job; returns how many.</summary>
    public int DeleteForJob(string jobId)
    {
        _deleteForJobId.Value = jobId;
        return _deleteForJob.ExecuteNonQuery();
    }

    /// <summary>Deletes records that finished before <paramref name="cutoff"/> among the oldest <paramref name="batch"/>; returns how many.</summary>
    public int PurgeOlderThan(long cutoff, int batch)
    {
        _purgeOldCutoff.Value = cutoff;
        _purgeOldBatch.Value = (long)batch;
        return _purgeOld.ExecuteNonQuery();
    }

    /// <summary>How many records match the query's filters.</summary>
    public int Count(RunQuery query) => Convert.ToInt32(Query(query, page: false).ExecuteScalar(), CultureInfo.InvariantCulture);

    /// <summary>The query's page of records, newest first.</summary>
    public List<RunRecord> Page(RunQuery query)
    {
        SqliteCommand list = Query(query, page: true);
        list.Parameters["$limit"].Value = (long)(query.Limit ?? -1);
        list.Parameters["$offset"].Value = (long)query.Offset;
        var items = new List<RunRecord>();
        using SqliteDataReader reader = list.ExecuteReader();
        while (reader.Read())
        {
            items.Add(new RunRecord
            {
                RunId = reader.GetString(s_runId),
                JobId = reader.GetString(s_jobId),
                JobName = reader.GetString(s_jobName),
                ScheduledTime = Utc(reader.GetInt64(s_scheduled)),
                StartedAt = Utc(reader.GetInt64(s_startedAt)),
                FinishedAt = Utc(reader.GetInt64(s_finishedAt)),
                Node = reader.GetString(s_node),
                InstanceId = reader.IsDBNull(s_instanceId) ? null : reader.GetString(s_instanceId),
                Outcome = (RunOutcome)reader.GetInt32(s_outcome),
                Error = reader.IsDBNull(s_error) ? null : reader.GetString(s_error),
                Result = reader.IsDBNull(s_result) ? null : reader.GetString(s_result),
                Attempt = reader.GetInt32(s_attempt),
                IsManual = reader.GetInt64(s_isManual) != 0,
                IsRecovery = reader.GetInt64(s_isRecovery) != 0,
            });
        }

        return items;
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>The history query for this combination of filters (made once, then kept), with the filters set.</summary>
    private SqliteCommand Query(RunQuery query, bool page)
    {
        int variant = (query.JobId is null ? 0 : 1) | (query.Outcome is null ? 0 : 2) | (page ? 4 : 0);
        if (_queries[variant] is not { } command)
        {
            string where = (query.JobId is null, query.Outcome is null) switch
            {
                (true, true) => "",
                (false, true) => " WHERE job_id = $job_id",
                (true, false) => " WHERE outcome = $outcome",
                (false, false) => " WHERE job_id = $job_id AND outcome = $outcome",
            };
            command = _db.Prepare(page ? $"SELECT {s_columns.Text} FROM runs{where} ORDER BY seq DESC LIMIT $limit OFFSET $offset;" : $"SELECT count(*) FROM runs{where};");
            StoreConnection.Parameter(command, "$job_id");
            StoreConnection.Parameter(command, "$outcome");
            if (page)
            {
                StoreConnection.Parameter(command, "$limit");
                StoreConnection.Parameter(command, "$offset");
            }

            _queries[variant] = command;
        }

        command.Parameters["$job_id"].Value = query.JobId ?? (object)DBNull.Value;
        command.Parameters["$outcome"].Value = query.Outcome is { } outcome ? (long)outcome : DBNull.Value;
        return command;
    }
}
