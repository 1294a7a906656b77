using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The <c>claims</c> table: the runs claimed and not yet completed or recovered.</summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock, inside its transactions.</remarks>
internal sealed class ClaimTable
{
    private static readonly ColumnList s_columns = new("run_id, job_seq, scheduled, claimed_at, node, lease_until, attempt, is_manual, is_recovery, epoch");
    private static readonly int s_runId = s_columns.Ordinal("run_id");
    private static readonly int s_jobSeq = s_columns.Ordinal("job_seq");
    private static readonly int s_scheduled = s_columns.Ordinal("scheduled");
    private static readonly int s_claimedAt = s_columns.Ordinal("claimed_at");
    private static readonly int s_node = s_columns.Ordinal("node");
    private static readonly int s_leaseUntil = s_columns.Ordinal("lease_until");
    private static readonly int s_attempt = s_columns.Ordinal("attempt");
    private static readonly int s_isManual = s_columns.Ordinal("is_manual");
    private static readonly int s_isRecovery = s_columns.Ordinal("is_recovery");
    private static readonly int s_epoch = s_columns.Ordinal("epoch");

    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertRunId;
    private readonly SqliteParameter _insertJobSeq;
    private readonly SqliteParameter _insertScheduled;
    private readonly SqliteParameter _insertClaimedAt;
    private readonly SqliteParameter _insertNode;
    private readonly SqliteParameter _insertLeaseUntil;
    private readonly SqliteParameter _insertAttempt;
    private readonly SqliteParameter _insertIsManual;
    private readonly SqliteParameter _insertIsRecovery;
    private readonly SqliteParameter _insertEpoch;

    private readonly SqliteCommand _jobOf;
    private readonly SqliteParameter _jobOfRunId;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleteRunId;
    private readonly SqliteCommand _renew;
    private readonly SqliteParameter _renewLeaseUntil;
    private readonly SqliteParameter _renewNode;
    private readonly SqliteCommand _expired;
    private readonly SqliteParameter _expiredNow;
    private readonly SqliteParameter _expiredEpoch;
    private readonly SqliteCommand _countForJob;
    private readonly SqliteParameter _countForJobSeq;

    public ClaimTable(StoreConnection db)
    {
        _insert = db.Prepare(
            $"INSERT INTO claims ({s_columns.Text}) VALUES ({s_columns.Parameters});");
        _insertRunId = StoreConnection.Parameter(_insert, "$run_id");
        _insertJobSeq = StoreConnection.Parameter(_insert, "$job_seq");
        _insertScheduled = StoreConnection.Parameter(_insert, "$scheduled");
        _insertClaimedAt = StoreConnection.Parameter(_insert, "$claimed_at");
        _insertNode = StoreConnection.Parameter(_insert, "$node");
        _insertLeaseUntil = StoreConnection.Parameter(_insert, "$lease_until");
        _insertAttempt = StoreConnection.Parameter(_insert, "$attempt");
        _insertIsManual = StoreConnection.Parameter(_insert, "$is_manual");
        _insertIsRecovery = StoreConnection.Parameter(_insert, "$is_recovery");
        _insertEpoch = StoreConnection.Parameter(_insert, "$epoch");

        _jobOf = db.Prepare("SELECT job_seq FROM claims WHERE run_id = $run_id;");
        _jobOfRunId = StoreConnection.Parameter(_jobOf, "$run_id");
        _delete = db.Prepare("DELETE FROM claims WHERE run_id = $run_id;");
        _deleteRunId = StoreConnection.Parameter(_delete, "$run_id");
        _renew = db.Prepare("UPDATE claims SET lease_until = $lease_until WHERE node = $node;");
        _renewLeaseUntil = StoreConnection.Parameter(_renew, "$lease_until");
        _renewNode = StoreConnection.Parameter(_renew, "$node");

        // Epoch 0: claimed by a store that did not hold the dispatch lock (a manual run from another process), so the
        // lock says nothing about whether its process lives; only its lease does.
        _expired = db.Prepare($"SELECT {s_columns.Text} FROM claims WHERE lease_until <= $now OR (epoch <> 0 AND epoch <> $epoch) ORDER BY claimed_at;");
        _expiredNow = StoreConnection.Parameter(_expired, "$now");
        _expiredEpoch = StoreConnection.Parameter(_expired, "$epoch");
        _countForJob = db.Prepare("SELECT count(*) FROM claims WHERE job_seq = $job_seq;");
        _countForJobSeq = StoreConnection.Parameter(_countForJob, "$job_seq");
    }

    public void Insert(in ClaimRow claim)
    {
        _insertRunId.Value = claim.RunId;
        _insertJobSeq.Value = claim.JobSeq;
        _insertScheduled.Value = claim.Scheduled;
        _insertClaimedAt.Value = claim.ClaimedAt;
        _insertNode.Value = claim.Node;
        _insertLeaseUntil.Value = claim.LeaseUntil;
        _insertAttempt.Value = (long)claim.Attempt;
        _insertIsManual.Value = claim.IsManual ? 1L : 0L;
        _insertIsRecovery.Value = claim.IsRecovery ? 1L : 0L;
        _insertEpoch.Value = claim.Epoch;
        _insert.ExecuteNonQuery();
    }

    /// <summary>The <c>seq</c> of the job a claimed run belongs to, or <see langword="null"/> if the run is not claimed.</summary>
    public long? JobOf(string runId)
    {
        _jobOfRunId.Value = runId;
        return _jobOf.ExecuteScalar() is long seq ? seq : null;
    }

    public void Delete(string runId)
    {
        _deleteRunId.Value = runId;
        _delete.ExecuteNonQuery();
    }

    /// <summary>Extends every lease of <paramref name="node"/>; returns how many.</summary>
    public int Renew(string node, long leaseUntil)
    {
        _renewLeaseUntil.Value = leaseUntil;
        _renewNode.Value = node;
        return _renew.ExecuteNonQuery();
    }

    /// <summary>The claims whose lease has ended at <paramref name="now"/>, or whose process held the dispatch lock before <paramref name="epoch"/>.</summary>
    public List<ClaimRow> Expired(long now, long epoch)
    {
        _expiredNow.Value = now;
        _expiredEpoch.Value = epoch;
        var claims = new List<ClaimRow>();
        using SqliteDataReader reader = _expired.ExecuteReader();
        while (reader.Read())
        {
            claims.Add(new ClaimRow(reader.GetString(s_runId), reader.GetInt64(s_jobSeq), reader.GetInt64(s_scheduled), reader.GetInt64(s_claimedAt),
                reader.GetString(s_node), reader.GetInt64(s_leaseUntil), reader.GetInt32(s_attempt), reader.GetInt64(s_isManual) != 0,
                reader.GetInt64(s_isRecovery) != 0, reader.GetInt64(s_epoch)));
        }

        return claims;
    }

    /// <summary>How many runs of the job are claimed (by any process).</summary>
    public long CountForJob(long jobSeq)
    {
        _countForJobSeq.Value = jobSeq;
        return (long)_countForJob.ExecuteScalar()!;
    }
}
