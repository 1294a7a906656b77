using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The <c>claims</c> table (the runs claimed and not yet completed or recovered) and the fencing counter.</summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock, inside its transactions.</remarks>
internal sealed class ClaimTable
{
    private static readonly ColumnList s_columns = new(
        "run_id, job_seq, scheduled, claimed_at, instance_id, node_name, lease_until, attempt, is_manual, is_recovery, fencing_token, epoch");
    private static readonly int s_runId = s_columns.Ordinal("run_id");
    private static readonly int s_jobSeq = s_columns.Ordinal("job_seq");
    private static readonly int s_scheduled = s_columns.Ordinal("scheduled");
    private static readonly int s_claimedAt = s_columns.Ordinal("claimed_at");
    private static readonly int s_instanceId = s_columns.Ordinal("instance_id");
    private static readonly int s_nodeName = s_columns.Ordinal("node_name");
    private static readonly int s_leaseUntil = s_columns.Ordinal("lease_until");
    private static readonly int s_attempt = s_columns.Ordinal("attempt");
    private static readonly int s_isManual = s_columns.Ordinal("is_manual");
    private static readonly int s_isRecovery = s_columns.Ordinal("is_recovery");
    private static readonly int s_fencingToken = s_columns.Ordinal("fencing_token");
    private static readonly int s_epoch = s_columns.Ordinal("epoch");

    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _insertRunId;
    private readonly SqliteParameter _insertJobSeq;
    private readonly SqliteParameter _insertScheduled;
    private readonly SqliteParameter _insertClaimedAt;
    private readonly SqliteParameter _insertInstanceId;
    private readonly SqliteParameter _insertNodeName;
    private readonly SqliteParameter _insertLeaseUntil;
    private readonly SqliteParameter _insertAttempt;
    private readonly SqliteParameter _insertIsManual;
    private readonly SqliteParameter _insertIsRecovery;
    private readonly SqliteParameter _insertFencingToken;
    private readonly SqliteParameter _insertEpoch;

    private readonly SqliteCommand _liveJobOf;
    private readonly SqliteParameter _liveJobOfRunId;
    private readonly SqliteParameter _liveJobOfInstanceId;
    private readonly SqliteParameter _liveJobOfToken;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleteRunId;
    private readonly SqliteCommand _renew;
    private readonly SqliteParameter _renewLeaseUntil;
    private readonly SqliteParameter _renewRunId;
    private readonly SqliteParameter _renewInstanceId;
    private readonly SqliteParameter _renewToken;
    private readonly SqliteCommand _expired;
    private readonly SqliteParameter _expiredNow;
    private readonly SqliteParameter _expiredEpoch;
    private readonly SqliteCommand _countForJob;
    private readonly SqliteParameter _countForJobSeq;
    private readonly SqliteCommand _lastToken;
    private readonly SqliteCommand _writeLastToken;
    private readonly SqliteParameter _writeLastTokenValue;

    public ClaimTable(StoreConnection db)
    {
        _insert = db.Prepare($"INSERT INTO claims ({s_columns.Text}) VALUES ({s_columns.Parameters});");
        _insertRunId = StoreConnection.Parameter(_insert, "$run_id");
        _insertJobSeq = StoreConnection.Parameter(_insert, "$job_seq");
        _insertScheduled = StoreConnection.Parameter(_insert, "$scheduled");
        _insertClaimedAt = StoreConnection.Parameter(_insert, "$claimed_at");
        _insertInstanceId = StoreConnection.Parameter(_insert, "$instance_id");
        _insertNodeName = StoreConnection.Parameter(_insert, "$node_name");
        _insertLeaseUntil = StoreConnection.Parameter(_insert, "$lease_until");
        _insertAttempt = StoreConnection.Parameter(_insert, "$attempt");
        _insertIsManual = StoreConnection.Parameter(_insert, "$is_manual");
        _insertIsRecovery = StoreConnection.Parameter(_insert, "$is_recovery");
        _insertFencingToken = StoreConnection.Parameter(_insert, "$fencing_token");
        _insertEpoch = StoreConnection.Parameter(_insert, "$epoch");

        _liveJobOf = db.Prepare(
            "SELECT job_seq FROM claims WHERE run_id = $run_id AND instance_id = $instance_id AND fencing_token = $fencing_token;");
        _liveJobOfRunId = StoreConnection.Parameter(_liveJobOf, "$run_id");
        _liveJobOfInstanceId = StoreConnection.Parameter(_liveJobOf, "$instance_id");
        _liveJobOfToken = StoreConnection.Parameter(_liveJobOf, "$fencing_token");
        _delete = db.Prepare("DELETE FROM claims WHERE run_id = $run_id;");
        _deleteRunId = StoreConnection.Parameter(_delete, "$run_id");
        _renew = db.Prepare(
            "UPDATE claims SET lease_until = $lease_until WHERE run_id = $run_id AND instance_id = $instance_id AND fencing_token = $fencing_token;");
        _renewLeaseUntil = StoreConnection.Parameter(_renew, "$lease_until");
        _renewRunId = StoreConnection.Parameter(_renew, "$run_id");
        _renewInstanceId = StoreConnection.Parameter(_renew, "$instance_id");
        _renewToken = StoreConnection.Parameter(_renew, "$fencing_token");

        // Epoch 0: claimed by a store that did not hold the dispatch lock (a manual run from another process), so the
        // lock says nothing about whether its process lives; only its lease does.
        _expired = db.Prepare($"SELECT {s_columns.Text} FROM claims WHERE lease_until <= $now OR (epoch <> 0 AND epoch <> $epoch) ORDER BY fencing_token;");
        _expiredNow = StoreConnection.Parameter(_expired, "$now");
        _expiredEpoch = StoreConnection.Parameter(_expired, "$epoch");
        _countForJob = db.Prepare("SELECT count(*) FROM claims WHERE job_seq = $job_seq;");
        _countForJobSeq = StoreConnection.Parameter(_countForJob, "$job_seq");
        _lastToken = db.Prepare("SELECT value FROM counters WHERE name = 'fencing';");
        _writeLastToken = db.Prepare("UPDATE counters SET value = $value WHERE name = 'fencing';");
        _writeLastTokenValue = StoreConnection.Parameter(_writeLastToken, "$value");
    }

    /// <summary>The last fencing token handed out; a claim takes the next ones and writes the last back with <see cref="WriteLastToken"/>.</summary>
    public long LastToken() => (long)_lastToken.ExecuteScalar()!;

    public void WriteLastToken(long value)
    {
        _writeLastTokenValue.Value = value;
        _writeLastToken.ExecuteNonQuery();
    }

    public void Insert(in ClaimRow claim)
    {
        _insertRunId.Value = claim.RunId;
        _insertJobSeq.Value = claim.JobSeq;
        _insertScheduled.Value = claim.Scheduled;
        _insertClaimedAt.Value = claim.ClaimedAt;
        _insertInstanceId.Value = claim.InstanceId;
        _insertNodeName.Value = claim.NodeName;
        _insertLeaseUntil.Value = claim.LeaseUntil;
        _insertAttempt.Value = (long)claim.Attempt;
        _insertIsManual.Value = claim.IsManual ? 1L : 0L;
        _insertIsRecovery.Value = claim.IsRecovery ? 1L : 0L;
        _insertFencingToken.Value = claim.FencingToken;
        _insertEpoch.Value = claim.Epoch;
        _insert.ExecuteNonQuery();
    }

    /// <summary>The <c>seq</c> of the run's job if the run is still claimed by this instance with this token; <see langword="null"/> if it is fenced or gone.</summary>
    public long? LiveJobOf(string runId, string instanceId, long fencingToken)
    {
        _liveJobOfRunId.Value = runId;
        _liveJobOfInstanceId.Value = instanceId;
        _liveJobOfToken.Value = fencingToken;
        return _liveJobOf.ExecuteScalar() is long seq ? seq : null;
    }

    public void Delete(string runId)
    {
        _deleteRunId.Value = runId;
        _delete.ExecuteNonQuery();
    }

    /// <summary>Extends the run's lease if this instance still holds it with this token.</summary>
    /// <returns>Whether it did (<see langword="false"/>: the run is lost).</returns>
    public bool Renew(string runId, string instanceId, long fencingToken, long leaseUntil)
    {
        _renewLeaseUntil.Value = leaseUntil;
        _renewRunId.Value = runId;
        _renewInstanceId.Value = instanceId;
        _renewToken.Value = fencingToken;
        return _renew.ExecuteNonQuery() == 1;
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
                reader.GetString(s_instanceId), reader.GetString(s_nodeName), reader.GetInt64(s_leaseUntil), reader.GetInt32(s_attempt),
                reader.GetInt64(s_isManual) != 0, reader.GetInt64(s_isRecovery) != 0, reader.GetInt64(s_fencingToken), reader.GetInt64(s_epoch)));
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
