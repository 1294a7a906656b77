using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// The <c>changes</c> table: each change a dispatcher relies on, written in the transaction that makes it, so that other
/// store instances on the file (other processes, or other stores in this one) raise it too.
/// </summary>
/// <remarks>
/// Ids are never reused (pruning always keeps the newest change, and a new id is the newest plus one, which costs less than
/// SQLite's AUTOINCREMENT) and, since writers take turns, every committed id follows the one before; a reader that finds the
/// next id missing knows changes were pruned before it read them, and says so with a change of kind
/// <see cref="JobStoreChangeKind.Unknown"/>. Not thread-safe: the store serialises every use under its lock.
/// </remarks>
internal sealed class ChangeLog
{
    private static readonly ColumnList s_columns = new("id, job_id, kind, due_at, origin");
    private static readonly int s_id = s_columns.Ordinal("id");
    private static readonly int s_jobId = s_columns.Ordinal("job_id");
    private static readonly int s_kind = s_columns.Ordinal("kind");
    private static readonly int s_dueAt = s_columns.Ordinal("due_at");
    private static readonly int s_origin = s_columns.Ordinal("origin");

    private readonly string _origin;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertJobId;
    private readonly SqliteParameter _insertKind;
    private readonly SqliteParameter _insertDueAt;
    private readonly SqliteParameter _insertAt;
    private readonly SqliteCommand _since;
    private readonly SqliteParameter _sinceId;
    private readonly SqliteCommand _lastId;
    private readonly SqliteCommand _firstKept;
    private readonly SqliteParameter _firstKeptCutoff;
    private readonly SqliteCommand _prune;
    private readonly SqliteParameter _pruneBefore;
    private readonly SqliteParameter _pruneBatch;
    private long _read;

    public ChangeLog(StoreConnection db, string origin)
    {
        _origin = origin;
        _insert = db.Prepare("INSERT INTO changes (job_id, kind, due_at, at, origin) VALUES ($job_id, $kind, $due_at, $at, $origin);");
        _insertJobId = StoreConnection.Parameter(_insert, "$job_id");
        _insertKind = StoreConnection.Parameter(_insert, "$kind");
        _insertDueAt = StoreConnection.Parameter(_insert, "$due_at");
        _insertAt = StoreConnection.Parameter(_insert, "$at");
        StoreConnection.Parameter(_insert, "$origin").Value = origin;
        _since = db.Prepare($"SELECT {s_columns.Text} FROM changes WHERE id > $id ORDER BY id;");
        _sinceId = StoreConnection.Parameter(_since, "$id");
        _lastId = db.Prepare("SELECT coalesce(max(id), 0) FROM changes;");

        // Ids grow with time, so the oldest changes are the first ids: delete from the front up to the first one still kept.
        _firstKept = db.Prepare("SELECT id FROM changes WHERE at >= $cutoff ORDER BY id LIMIT 1;");
        _firstKeptCutoff = StoreConnection.Parameter(_firstKept, "$cutoff");
        _prune = db.Prepare(
            "DELETE FROM changes WHERE id IN (SELECT id FROM changes WHERE id < $before AND id < (SELECT max(id) FROM changes) ORDER BY id LIMIT $batch);");
        _pruneBefore = StoreConnection.Parameter(_prune, "$before");
        _pruneBatch = StoreConnection.Parameter(_prune, "$batch");
    }

    /// <summary>Starts reading after the last change written so far: a new store instance does not replay the past.</summary>
    public void SkipToEnd() => _read = (long)_lastId.ExecuteScalar()!;

    /// <summary>Logs a change; call inside the transaction that makes it.</summary>
    public void Write(JobStoreChangeKind kind, string? jobId, long dueAt, long now)
    {
        _insertJobId.Value = (object?)jobId ?? DBNull.Value;
        _insertKind.Value = (long)kind;
        _insertDueAt.Value = dueAt == 0 ? DBNull.Value : dueAt;
        _insertAt.Value = now;
        _insert.ExecuteNonQuery();
    }

    /// <summary>The changes other store instances logged since the last read (this instance raised its own already).</summary>
    public List<JobStoreChange>? ReadOthers()
    {
        List<JobStoreChange>? changes = null;
        _sinceId.Value = _read;
        using SqliteDataReader reader = _since.ExecuteReader();
        while (reader.Read())
        {
            long id = reader.GetInt64(s_id);
            if (id != _read + 1)
            {
                // Pruned before this instance read them: what changed is not known, so everything is to be read again.
                (changes ??= []).Add(new JobStoreChange { Kind = JobStoreChangeKind.Unknown });
            }

            _read = id;
            if (reader.GetString(s_origin) != _origin)
            {
                (changes ??= []).Add(new JobStoreChange
                {
                    Kind = (JobStoreChangeKind)reader.GetInt32(s_kind),
                    JobId = reader.IsDBNull(s_jobId) ? null : reader.GetString(s_jobId),
                    DueAt = reader.IsDBNull(s_dueAt) ? null : new DateTimeOffset(reader.GetInt64(s_dueAt), TimeSpan.Zero),
                });
            }
        }

        return changes;
    }

    /// <summary>Deletes at most <paramref name="batch"/> changes logged before <paramref name="cutoff"/>.</summary>
    public void Prune(long cutoff, int batch)
    {
        _firstKeptCutoff.Value = cutoff;
        _pruneBefore.Value = _firstKept.ExecuteScalar() is long first ? first : long.MaxValue;
        _pruneBatch.Value = (long)batch;
        _prune.ExecuteNonQuery();
    }
}
