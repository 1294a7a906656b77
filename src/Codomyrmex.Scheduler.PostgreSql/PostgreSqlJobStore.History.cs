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
        (int jobs, int runs) = await InTransactionAsync(async store =>
        {
            int jobsDeleted = 0;
            int runsDeleted = 0;
            if (_retention.FinishedJobs is { } keepJobs)
            {
                using NpgsqlCommand purge = store.Command(
                    $"WITH t AS (SELECT {Db.Now} AS now), doomed AS (SELECT id FROM {_s}jobs, t WHERE finished_at IS NOT NULL " +
                    "AND finished_at < t.now - @keep AND active_runs = 0 ORDER BY finished_at LIMIT @batch FOR UPDATE OF jobs SKIP LOCKED), " +
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
                    $"WITH t AS (SELECT {Db.Now} AS now), old AS (SELECT seq FROM {_s}runs, t WHERE finished_at < t.now - @keep " +
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

    /// <summary>Writes a history record and trims the job's history to <see cref="RunHistoryOptions.MaxRunsPerJob"/>.</summary>
    private async Task AddToHistoryAsync(StoreTransaction store, RunRecord record, CancellationToken cancellationToken)
    {
        if (_history.MaxRunsPerJob == 0)
        {
            return;
        }

        string trim = _history.MaxRunsPerJob is null ? ""
            : $"; DELETE FROM {_s}runs WHERE job_id = @job_id AND seq < (SELECT seq FROM {_s}runs WHERE job_id = @job_id ORDER BY seq DESC " +
              "OFFSET @keep - 1 LIMIT 1)";
        using NpgsqlCommand insert = store.Command(
            $"INSERT INTO {_s}runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, instance_id, outcome, error, result, attempt, " +
            "is_manual, is_recovery) VALUES (@run_id, @job_id, @job_name, @scheduled, @started_at, @finished_at, @node, @instance_id, @outcome, " +
            "@error, @result, @attempt, @is_manual, @is_recovery)" + trim);
        Db.Add(insert, "run_id", record.RunId);
        Db.Add(insert, "job_id", record.JobId);
        Db.Add(insert, "job_name", record.JobName);
        Db.Add(insert, "scheduled", record.ScheduledTime.UtcTicks);
        Db.Add(insert, "started_at", record.StartedAt.UtcTicks);
        Db.Add(insert, "finished_at", record.FinishedAt.UtcTicks);
        Db.Add(insert, "node", record.Node);
        Db.Add(insert, "instance_id", record.InstanceId, NpgsqlDbType.Text);
        Db.Add(insert, "outcome", (int)record.Outcome);
        Db.Add(insert, "error", record.Error, NpgsqlDbType.Text);
        Db.Add(insert, "result", record.Result, NpgsqlDbType.Text);
        Db.Add(insert, "attempt", record.Attempt);
        Db.Add(insert, "is_manual", record.IsManual);
        Db.Add(insert, "is_recovery", record.IsRecovery);
        if (_history.MaxRunsPerJob is { } keep)
        {
            Db.Add(insert, "keep", (long)keep);
        }

        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
