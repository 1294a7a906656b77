using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Run history, retention and the next due time.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <inheritdoc/>
    public async ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        if (query.JobId is { } id && !await HoldsAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return new RunPage { Items = [], Total = 0 };
        }

        var filters = new List<string>(2);
        if (query.JobId is not null)
        {
            filters.Add("job_id = @job_id");
        }

        if (query.Outcome is not null)
        {
            filters.Add("outcome = @outcome");
        }

        string where = filters.Count == 0 ? "" : " WHERE " + string.Join(" AND ", filters);
        return await ReadAsync(async store =>
        {
            var items = new List<RunRecord>();
            using (NpgsqlCommand select = store.Command(
                "SELECT run_id, job_id, job_name, scheduled, started_at, finished_at, node, instance_id, outcome, error, result, attempt, is_manual, " +
                $"is_recovery FROM {_s}runs{where} ORDER BY seq DESC OFFSET @offset LIMIT @limit"))
            {
                Bind(select);
                Db.Add(select, "offset", (long)query.Offset);
                Db.Add(select, "limit", query.Limit is { } limit ? limit : long.MaxValue);
                NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        items.Add(new RunRecord
                        {
                            RunId = reader.GetString(0),
                            JobId = reader.GetString(1),
                            JobName = reader.GetString(2),
                            ScheduledTime = Utc(reader.GetInt64(3)),
                            StartedAt = Utc(reader.GetInt64(4)),
                            FinishedAt = Utc(reader.GetInt64(5)),
                            Node = reader.GetString(6),
                            InstanceId = reader.IsDBNull(7) ? null : reader.GetString(7),
                            Outcome = (RunOutcome)reader.GetInt32(8),
                            Error = reader.IsDBNull(9) ? null : reader.GetString(9),
                            Result = reader.IsDBNull(10) ? null : reader.GetString(10),
                            Attempt = reader.GetInt32(11),
                            IsManual = reader.GetBoolean(12),
                            IsRecovery = reader.GetBoolean(13),
                        });
                    }
                }
            }

            using NpgsqlCommand count = store.Command($"SELECT count(*) FROM {_s}runs{where}");
            Bind(count);
            long total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            return new RunPage { Items = items, Total = (int)total };
        }, cancellationToken).ConfigureAwait(false);

        void Bind(NpgsqlCommand command)
        {
            if (query.JobId is { } jobId)
            {
                Db.Add(command, "job_id", jobId);
            }

            if (query.Outcome is { } outcome)
            {
                Db.Add(command, "outcome", (int)outcome);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Finished jobs are deleted oldest first, with their history; rows another node is changing are skipped.</remarks>
    public async ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        // The cut-off is a value ((SELECT now FROM t) - @keep), so it bounds the range of the finished_at indexes; as a join
        // filter against t the scan read every finished job and every history row whenever fewer than a batch had expired.
        (int jobs, int runs) = await InTransactionAsync(async store =>
        {
            int jobsDeleted = 0;
            int runsDeleted = 0;
            if (_retention.FinishedJobs is { } keepJobs)
            {
                using NpgsqlCommand purge = store.Command(
                    $"WITH t AS (SELECT {Db.Now} AS now), doomed AS (SELECT id FROM {_s}jobs WHERE finished_at IS NOT NULL " +
                    "AND finished_at < (SELECT now FROM t) - @keep AND active_runs = 0 ORDER BY finished_at LIMIT @batch FOR UPDATE OF jobs SKIP LOCKED), " +
                    $"gone_runs AS (DELETE FROM {_s}runs WHERE job_id IN (SELECT id FROM doomed) RETURNING 1), " +
                    $"gone AS (DELETE FROM {_s}jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1) " +
                    "SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM gone_runs)");
                Db.Add(purge, "keep", keepJobs.Ticks);
                Db.Add(purge, "batch", _retention.BatchSize);
                NpgsqlDataReader reader = await purge.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    jobsDeleted = (int)reader.GetInt64(0);
                    runsDeleted = (int)reader.GetInt64(1);
                }
            }

            if (_retention.Runs is { } keepRuns)
            {
                using NpgsqlCommand purge = store.Command(
                    $"WITH t AS (SELECT {Db.Now} AS now), old AS (SELECT seq FROM {_s}runs WHERE finished_at < (SELECT now FROM t) - @keep " +
                    $"ORDER BY seq LIMIT @batch FOR UPDATE OF runs SKIP LOCKED) DELETE FROM {_s}runs WHERE seq IN (SELECT seq FROM old)");
                Db.Add(purge, "keep", keepRuns.Ticks);
                Db.Add(purge, "batch", _retention.BatchSize);
                runsDeleted += await purge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (jobsDeleted > 0)
            {
                store.Changes.Add(new JobStoreChange { Kind = JobStoreChangeKind.Purged });
            }

            return (jobsDeleted, runsDeleted);
        }, cancellationToken).ConfigureAwait(false);
        return new RetentionResult { JobsDeleted = jobs, RunsDeleted = runs };
    }

    /// <inheritdoc/>
    public async ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync(async store =>
        {
            using NpgsqlCommand select = store.Command($"SELECT min(due_at) FROM {_s}jobs WHERE due_at IS NOT NULL");
            object? next = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return next is long ticks ? Utc(ticks) : (DateTimeOffset?)null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds to a batch the writing of a history record and the trimming of the job's history to <see cref="RunHistoryOptions.MaxRunsPerJob"/>.</summary>
    private void AddToHistory(NpgsqlBatch batch, RunRecord record)
    {
        if (_history.MaxRunsPerJob == 0)
        {
            return;
        }

        var insert = new NpgsqlBatchCommand(
            $"INSERT INTO {_s}runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, instance_id, outcome, error, result, attempt, " +
            "is_manual, is_recovery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.RunId });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.JobId });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.JobName });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = record.ScheduledTime.UtcTicks });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = record.StartedAt.UtcTicks });
        insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = record.FinishedAt.UtcTicks });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.Node });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)record.InstanceId ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = (int)record.Outcome });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)record.Error ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)record.Result ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = record.Attempt });
        insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = record.IsManual });
        insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = record.IsRecovery });
        batch.BatchCommands.Add(insert);
        if (_history.MaxRunsPerJob is { } keep)
        {
            var trim = new NpgsqlBatchCommand(
                $"DELETE FROM {_s}runs WHERE job_id = $1 AND seq < (SELECT seq FROM {_s}runs WHERE job_id = $1 ORDER BY seq DESC OFFSET $2 - 1 LIMIT 1)");
            trim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = record.JobId });
            trim.Parameters.Add(new NpgsqlParameter<long> { TypedValue = keep });
            batch.BatchCommands.Add(trim);
        }
    }
}
