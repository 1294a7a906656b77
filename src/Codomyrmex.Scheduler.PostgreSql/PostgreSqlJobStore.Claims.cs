using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Claiming due runs, completing them and recovering the runs of nodes that vanished.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// One transaction in two round trips: the due jobs are locked earliest first with <c>FOR UPDATE SKIP LOCKED</c> (a job
    /// another node is claiming is skipped, not waited for) in the first, with <c>BEGIN</c>; <see cref="JobState.Claim"/> decides
    /// each in this process; the claimed runs (with their fencing tokens from a sequence), the jobs' new states and <c>COMMIT</c>
    /// go in the second. A claim that finds nothing due sends only <c>COMMIT</c> second. The rules run here rather than in SQL so
    /// that every store applies the same code; PostgreSQL only provides the atomicity and the exclusion.
    /// </para>
    /// <para>A job that is due again at once (catching up missed occurrences) is claimed again in the same batch while it is locked.</para>
    /// <para>
    /// A claim that finds nothing because every due job is held by another transaction (another node claiming it) answers the
    /// next due time of the jobs not held, and at most 10 ms from now while jobs are held, so that a node that lost the race
    /// for one job wakes for the next; a job that came due while the claim looked is claimed by looking again at once. The
    /// server ends a claim whose transaction stays idle for five seconds between its round trips (this process stalled), so that
    /// the jobs it locked are free for the other nodes; the claim then throws, having claimed nothing.
    /// </para>
    /// </remarks>
    public async ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxRuns, 1, nameof(request));
        for (int look = 1; ; look++)
        {
            ClaimBatch batch = await ClaimOnceAsync(request, cancellationToken).ConfigureAwait(false);
            if (look == MaxClaimLooks || batch.Runs.Count > 0 || batch.Skipped.Count > 0 || batch.NextDueAt is not { } next || next > batch.Now)
            {
                return batch;
            }

            // A job came due between the claim's reading of the time and its end: look again at once, rather than answer
            // "due, yet nothing claimed", on which a dispatcher pauses.
        }
    }

    /// <summary>The most claims one <see cref="ClaimDueAsync"/> makes when each finds nothing, yet a job came due meanwhile.</summary>
    private const int MaxClaimLooks = 3;

    /// <summary>
    /// How soon a claim that found every due job held by another transaction (another node claiming or completing it) says
    /// to look again, when no other job is due sooner: the holder usually moves the job on within milliseconds, and when it
    /// rolls back instead, the job is due and claimable again.
    /// </summary>
    private static readonly long s_heldRecheckTicks = TimeSpan.FromMilliseconds(10).Ticks;

    /// <summary>One claim transaction of <see cref="ClaimDueAsync"/>.</summary>
    private async Task<ClaimBatch> ClaimOnceAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        return await InBatchedTransactionAsync(async store =>
        {
            var rows = new List<JobRow>();
            long now = 0;
            long looked;

            // Round trip 1: BEGIN, the time, and the due jobs, locked.
            var find = new NpgsqlBatch(store.Connection);
            await using (find.ConfigureAwait(false))
            {
                AddBegin(find);
                var time = new NpgsqlBatchCommand($"SELECT {Db.Now}");
                time.Parameters.Add(NowParameter());
                find.BatchCommands.Add(time);
                // due_at <= (SELECT now ...), a value, is a bound of the due index's range; due_at <= t.now is a join filter, and
                // with fewer due jobs than @max the scan read every job (1.5-3.8 s at a million jobs, at every poll).
                var select = new NpgsqlBatchCommand(
                    $"WITH t AS (SELECT {Db.Now} AS now) SELECT {JobRow.Columns}, t.now FROM {_s}jobs, t WHERE due_at <= (SELECT now FROM t) " +
                    "ORDER BY due_at, seq LIMIT @max FOR UPDATE OF jobs SKIP LOCKED");
                select.Parameters.Add(NowParameter());
                select.Parameters.Add(new NpgsqlParameter<int>("max", request.MaxRuns));
                find.BatchCommands.Add(select);
                NpgsqlDataReader reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    looked = reader.GetInt64(0);
                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add(JobRow.Read(reader));
                        now = reader.GetInt64(38);
                    }
                }
            }

            await BetweenRoundTripsAsync().ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return await ClaimedNothingAsync(store, looked, cancellationToken).ConfigureAwait(false);
            }

            if (_clock is null)
            {
                _serverClock.Observe(now);
            }

            DateTimeOffset at = Utc(now);
            long leaseUntil = AddLease(now, request.LeaseDuration);
            var claims = new List<(JobRow Row, ClaimResult Claim)>();
            List<SkippedOccurrence>? skipped = null;
            foreach (JobRow row in rows)
            {
                Trigger? trigger;
                try
                {
                    trigger = TriggerOf(row);
                }
                catch (InvalidOperationException exception) when (exception.InnerException is FormatException)
                {
                    // One job whose stored trigger is damaged fails, saying why; it must not stop every other job.
                    row.State.Fail();
                    row.Error = $"{nameof(InvalidOperationException)}: {exception.Message}";
                    row.StampFinished(now);
                    continue;
                }

                while (claims.Count < request.MaxRuns && row.State.DueAtTicks is not 0 and var due && due <= now)
                {
                    ClaimResult claim = row.State.Claim(trigger, row.Options, row.MaxRuns, at);
                    if (claim.Decision == ClaimDecision.Run)
                    {
                        claims.Add((row, claim));
                    }
                    else if (claim.Decision == ClaimDecision.Skip)
                    {
                        (skipped ??= []).Add(new SkippedOccurrence
                        {
                            JobId = row.Id,
                            JobName = row.Name,
                            ScheduledTime = claim.ScheduledTime,
                            Reason = claim.SkipReason.GetValueOrDefault(),
                        });
                    }
                }

                row.StampFinished(now);
            }

            // Round trip 2: every job's new state, the claimed runs with their tokens, the next due time, and COMMIT.
            var batch = new NpgsqlBatch(store.Connection);
            await using (batch.ConfigureAwait(false))
            {
                batch.BatchCommands.Add(StateUpdate(rows));

                var insert = new NpgsqlBatchCommand(
                    $"INSERT INTO {_s}claims (run_id, job_id, scheduled, claimed_at, instance_id, node_name, lease_until, attempt, is_manual, " +
                    $"is_recovery, token) SELECT r, j, s, @claimed_at, @instance_id, @node_name, @lease_until, a, false, rc, nextval('{_s}fencing_tokens') " +
                    "FROM unnest(@run_ids, @job_ids, @scheduled, @attempts, @recovery) WITH ORDINALITY AS t(r, j, s, a, rc, n) ORDER BY n " +
                    "RETURNING run_id, token");
                string[] runIds = claims.Select(_ => RunIds.New()).ToArray();
                insert.Parameters.Add(new NpgsqlParameter<long>("claimed_at", now));
                insert.Parameters.Add(new NpgsqlParameter<string>("instance_id", request.Node.InstanceId));
                insert.Parameters.Add(new NpgsqlParameter<string>("node_name", request.Node.Name));
                insert.Parameters.Add(new NpgsqlParameter<long>("lease_until", leaseUntil));
                insert.Parameters.Add(new NpgsqlParameter<string[]>("run_ids", runIds));
                insert.Parameters.Add(new NpgsqlParameter<string[]>("job_ids", claims.Select(c => c.Row.Id).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<long[]>("scheduled", claims.Select(c => c.Claim.ScheduledTime.UtcTicks).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<int[]>("attempts", claims.Select(c => c.Claim.Attempt).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<bool[]>("recovery", claims.Select(c => c.Claim.IsRecovery).ToArray()));
                batch.BatchCommands.Add(insert);
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT min(due_at) FROM {_s}jobs WHERE due_at IS NOT NULL"));
                AddCommit(batch, store);

                var tokens = new Dictionary<string, long>(claims.Count, StringComparer.Ordinal);
                long? next;
                NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        tokens.Add(reader.GetString(0), reader.GetInt64(1));
                    }

                    await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    next = reader.IsDBNull(0) ? null : reader.GetInt64(0);
                    await DrainAsync(reader, cancellationToken).ConfigureAwait(false);
                }

                // Each run's job as it is after the whole batch (several runs of one job share the snapshot).
                var jobs = new Dictionary<string, Job>(StringComparer.Ordinal);
                var runs = new ClaimedRun[claims.Count];
                for (int i = 0; i < runs.Length; i++)
                {
                    (JobRow row, ClaimResult claim) = claims[i];
                    if (!jobs.TryGetValue(row.Id, out Job? job))
                    {
                        jobs.Add(row.Id, job = ToJob(row));
                    }

                    runs[i] = new ClaimedRun
                    {
                        RunId = runIds[i],
                        Job = job,
                        ScheduledTime = claim.ScheduledTime,
                        ClaimedAt = at,
                        InstanceId = request.Node.InstanceId,
                        NodeName = request.Node.Name,
                        LeaseUntil = Utc(leaseUntil),
                        IsManual = false,
                        Attempt = claim.Attempt,
                        IsRecovery = claim.IsRecovery,
                        FencingToken = tokens[runIds[i]],
                    };
                }

                return new ClaimBatch { Runs = runs, Skipped = skipped ?? [], Now = at, NextDueAt = next is { } n ? Utc(n) : null };
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a claim that found nothing due: the time and the next due time, read in the round trip of its <c>COMMIT</c>, the
    /// last before the dispatcher computes its wait from them, so that the wait starts from a reading only one transit old.
    /// </summary>
    /// <remarks>
    /// A job due by <paramref name="looked"/> (the time read just before the claim locked what was due) was held by another
    /// transaction, since the claim skipped it: typically another node claiming it, which moves it on within milliseconds
    /// and says nothing when it does. The next due time is therefore that of the jobs due after <paramref name="looked"/>, so
    /// that a node that lost the race for one job wakes for the next rather than for the one taken; while jobs are held, it
    /// is no later than <see cref="s_heldRecheckTicks"/> from now, so that a job whose holder rolled back waits no longer.
    /// </remarks>
    private async Task<ClaimBatch> ClaimedNothingAsync(StoreTransaction store, long looked, CancellationToken cancellationToken)
    {
        long now;
        long? next;
        bool held;
        var batch = new NpgsqlBatch(store.Connection);
        await using (batch.ConfigureAwait(false))
        {
            var idle = new NpgsqlBatchCommand(
                $"SELECT {Db.Now}, (SELECT min(due_at) FROM {_s}jobs WHERE due_at > @looked), EXISTS (SELECT 1 FROM {_s}jobs WHERE due_at <= @looked)");
            idle.Parameters.Add(NowParameter());
            idle.Parameters.Add(new NpgsqlParameter<long>("looked", looked));
            batch.BatchCommands.Add(idle);
            AddCommit(batch, store);
            NpgsqlDataReader reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                now = reader.GetInt64(0);
                next = reader.IsDBNull(1) ? null : reader.GetInt64(1);
                held = reader.GetBoolean(2);
                await DrainAsync(reader, cancellationToken).ConfigureAwait(false);
            }
        }

        if (_clock is null)
        {
            _serverClock.Observe(now);
        }

        if (held)
        {
            long recheck = now + s_heldRecheckTicks;
            next = next is { } later && later < recheck ? later : recheck;
        }

        return new ClaimBatch { Runs = [], Skipped = [], Now = Utc(now), NextDueAt = next is { } due ? Utc(due) : null };
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A finished declared job that runs again becomes live under its source and name. When another job of that source and name
    /// becomes live at the same moment (added, or run now on another node), the unique index refuses the second, and the caller
    /// gets the contract's answer for a taken name, as when the other job was live before. The server ends the transaction
    /// when it stays idle for five seconds between its round trips (this process stalled), freeing the job's row; the call
    /// then throws, having claimed nothing.
    /// </remarks>
    public async ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        if (!await HoldsAsync(jobId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        while (true)
        {
            (string Source, string Name)? declared = null;
            try
            {
                return await ClaimNowOnceAsync(jobId, request, d => declared = d, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "jobs_live_name" && declared is not null)
            {
                (string source, string name) = declared.Value;
                if (await ReadAsync(store => LiveDeclaredIdAsync(store, source, name, cancellationToken), cancellationToken).ConfigureAwait(false) is { } live)
                {
                    throw StoreErrors.ClaimNameTaken(jobId, name, live);
                }

                // The job that took the name finished meanwhile: the name is free again, so the claim is tried again.
            }
        }
    }

    private async Task<ClaimedRun?> ClaimNowOnceAsync(string jobId, ClaimRequest request, Action<(string Source, string Name)> declared,
        CancellationToken cancellationToken)
    {
        return await InTransactionAsync(async store =>
        {
            // As a claim's: the server ends the transaction if this process stalls between its round trips, so that the job's
            // row is not held for the whole stall (one round trip more, on the rare path of a run now).
            using (NpgsqlCommand limit = store.Command("SET LOCAL idle_in_transaction_session_timeout = " +
                TransactionIdleTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            {
                await limit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            (JobRow? row, long now) = await LockJobAsync(store, jobId, cancellationToken).ConfigureAwait(false);
            await BetweenRoundTripsAsync().ConfigureAwait(false);
            if (row is null)
            {
                return null;
            }

            if (row.Source is { } declaredSource)
            {
                declared((declaredSource, row.Name));
            }

            if (row.State.Status == JobStatus.Cancelled)
            {
                throw StoreErrors.ClaimCancelled(row.Id, row.Name);
            }

            if (row.State.LimitReached(row.MaxRuns))
            {
                throw StoreErrors.ClaimLimitReached(row.Id, row.Name, row.MaxRuns);
            }

            if (row.State.IsFinished && row.Source is { } source
                && await LiveDeclaredIdAsync(store, source, row.Name, cancellationToken).ConfigureAwait(false) is { } live)
            {
                throw StoreErrors.ClaimNameTaken(row.Id, row.Name, live);
            }

            DateTimeOffset at = Utc(now);
            row.State.ClaimNow(at, row.MaxRuns);
            row.StampFinished(now);
            await WriteAsync(store, row, definition: false, cancellationToken).ConfigureAwait(false);
            string runId = RunIds.New();
            long leaseUntil = AddLease(now, request.LeaseDuration);
            long token = await InsertClaimAsync(store, runId, row.Id, now, request.Node, leaseUntil, cancellationToken).ConfigureAwait(false);
            return new ClaimedRun
            {
                RunId = runId,
                Job = ToJob(row),
                ScheduledTime = at,
                ClaimedAt = at,
                InstanceId = request.Node.InstanceId,
                NodeName = request.Node.Name,
                LeaseUntil = Utc(leaseUntil),
                IsManual = true,
                Attempt = 1,
                FencingToken = token,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The most lost runs one <see cref="RecoverExpiredAsync"/> recovers, so that its transaction stays short.</summary>
    private const int MaxRecoveredPerCall = 100;

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// Two round trips, so that its locks are held across one wait for this process, not one per lost run: the first begins
    /// the transaction and locks the expired claims with their jobs (<c>SKIP LOCKED</c>: a claim or a job another
    /// transaction holds is left to the next call, so nodes recovering at once never record a lost run twice, and a
    /// recovery never waits for another node's claim or completion); the shared rules (<see cref="JobState.Interrupt"/>)
    /// run here; the second deletes the claims, writes the jobs and the history, notifies the other nodes and commits. A
    /// job's lost runs are taken in the order they were claimed; one that must wait for its job's retry slot
    /// (<see cref="JobState.DefersRecovery"/>) is left claimed for a later call.
    /// </para>
    /// <para>
    /// At most <see cref="MaxRecoveredPerCall"/> runs per call. The server ends the transaction if this process does not
    /// come back within five seconds (a node paused in the middle), which rolls it back and frees the jobs for another node.
    /// </para>
    /// </remarks>
    public async ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return await RecoverAsync(connection, cancellationToken).ConfigureAwait(false);
            }
            catch when (connection.State == System.Data.ConnectionState.Open)
            {
                await RollBackQuietlyAsync(connection).ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task<IReadOnlyList<ClaimedRun>> RecoverAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, JobRow>(StringComparer.Ordinal);
        var lost = new List<LostClaim>();
        var orphans = new List<string>();
        long now = 0;
        var find = new NpgsqlBatch(connection);
        await using (find.ConfigureAwait(false))
        {
            AddBegin(find);
            var expired = new NpgsqlBatchCommand(
                $"WITH t AS (SELECT {Db.Now} AS now) SELECT {JobRow.Columns}, t.now, c.run_id, c.scheduled, c.claimed_at, c.instance_id, " +
                $"c.node_name, c.lease_until, c.attempt, c.is_manual, c.is_recovery, c.token FROM {_s}claims c JOIN {_s}jobs j ON j.id = c.job_id " +
                "CROSS JOIN t WHERE c.lease_until <= t.now " +
                // A recoverable job's later lost runs wait for its retry slot (JobState.DefersRecovery): only its first is
                // read, so that runs left waiting never fill the call's limit and hold back other jobs' lost runs.
                $"AND NOT (j.recoverable AND EXISTS (SELECT 1 FROM {_s}claims e WHERE e.job_id = c.job_id AND e.lease_until <= t.now AND e.token < c.token)) " +
                // Nor is the first of a job whose retry slot holds a recovery (JobState.DefersRecovery, in SQL): it would be left
                // claimed, and a hundred such jobs would fill every call and hide the lost runs of all the others.
                "AND NOT (j.recoverable AND j.retry_at <> 0 AND j.retry_is_recovery AND j.status < 2 AND NOT j.paused) " +
                $"ORDER BY c.job_id, c.token LIMIT {MaxRecoveredPerCall} FOR UPDATE OF c, j SKIP LOCKED");
            expired.Parameters.Add(NowParameter());
            find.BatchCommands.Add(expired);

            // A claim whose job is gone (no store deletes a job with a claimed run, but a hand may) is deleted with the others.
            var orphaned = new NpgsqlBatchCommand(
                $"WITH t AS (SELECT {Db.Now} AS now) SELECT c.run_id FROM {_s}claims c CROSS JOIN t WHERE c.lease_until <= t.now " +
                $"AND NOT EXISTS (SELECT 1 FROM {_s}jobs j WHERE j.id = c.job_id) LIMIT {MaxRecoveredPerCall} FOR UPDATE OF c SKIP LOCKED");
            orphaned.Parameters.Add(NowParameter());
            find.BatchCommands.Add(orphaned);
            NpgsqlDataReader reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    string jobId = reader.GetString(1);
                    if (!rows.ContainsKey(jobId))
                    {
                        rows.Add(jobId, JobRow.Read(reader));
                    }

                    now = reader.GetInt64(38);
                    lost.Add(new LostClaim
                    {
                        RunId = reader.GetString(39),
                        JobId = jobId,
                        Scheduled = reader.GetInt64(40),
                        ClaimedAt = reader.GetInt64(41),
                        InstanceId = reader.GetString(42),
                        NodeName = reader.GetString(43),
                        LeaseUntil = reader.GetInt64(44),
                        Attempt = reader.GetInt32(45),
                        IsManual = reader.GetBoolean(46),
                        IsRecovery = reader.GetBoolean(47),
                        FencingToken = reader.GetInt64(48),
                    });
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    orphans.Add(reader.GetString(0));
                }
            }
        }

        if (lost.Count == 0 && orphans.Count == 0)
        {
            using var commit = new NpgsqlCommand("COMMIT", connection);
            await commit.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }

        var recovered = new List<ClaimedRun>(lost.Count);
        var changes = new List<JobStoreChange>(lost.Count);
        var write = new NpgsqlBatch(connection);
        await using (write.ConfigureAwait(false))
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {_s}claims WHERE run_id = ANY($1)");
            var deleted = new List<string>(orphans);
            write.BatchCommands.Add(delete);
            foreach (IGrouping<string, LostClaim> group in lost.GroupBy(l => l.JobId, StringComparer.Ordinal))
            {
                JobRow row = rows[group.Key];
                Job before = ToJob(row);
                int recorded = 0;
                foreach (LostClaim stored in group)
                {
                    if (row.State.DefersRecovery(row.Options.Recoverable))
                    {
                        // Its job's retry slot holds another lost occurrence: this run stays claimed until a later look.
                        continue;
                    }

                    recorded++;
                    deleted.Add(stored.RunId);
                    ClaimedRun run = stored.ToRun(before);
                    row.State.Interrupt(run, Utc(now), row.Options.Recoverable);
                    string error = RunRecords.LeaseExpired(run, run.LeaseUntil);
                    row.Error = error;
                    AddToHistory(write, RunRecords.Interrupted(run, Utc(now), error));
                    recovered.Add(run);
                }

                if (recorded == 0)
                {
                    continue;
                }

                row.StampFinished(now);
                var update = new NpgsqlBatchCommand($"UPDATE {_s}jobs SET {JobRow.StateAssignments} WHERE id = @id");
                using (var binder = new NpgsqlCommand())
                {
                    row.BindState(binder);
                    MoveParameters(binder, update);
                }

                write.BatchCommands.Add(update);
                changes.AddRange(Enumerable.Repeat(Change(JobStoreChangeKind.Recovered, row), recorded));
            }

            delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. deleted] });

            if (changes.Count > 0)
            {
                var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, p) FROM unnest($2) AS p");
                notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
                notify.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => ChangeListener.Payload(_storeId, c))] });
                write.BatchCommands.Add(notify);
            }

            write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (JobStoreChange change in changes)
        {
            JobStoreEvents.Raise(Changed, this, change, _logger);
        }

        return recovered;
    }

    /// <summary>The <c>@now</c> parameter of <see cref="Db.Now"/>: the store's own clock when it has one, else the server's.</summary>
    private NpgsqlParameter NowParameter() =>
        new("now", NpgsqlDbType.Bigint) { Value = (object?)_clock?.GetUtcNow().UtcTicks ?? DBNull.Value };

    /// <summary>Ends a transaction begun by SQL that failed part way; a connection that broke meanwhile is discarded by the pool anyway.</summary>
    private static async Task RollBackQuietlyAsync(NpgsqlConnection connection)
    {
        try
        {
            using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection is gone: so is the transaction.
        }
        catch (InvalidOperationException)
        {
            // The connection is busy or broken: the pool resets or discards it.
        }
    }

    /// <summary>Records a run claimed now (outside the schedule) and returns its fencing token.</summary>
    private async Task<long> InsertClaimAsync(StoreTransaction store, string runId, string jobId, long now, NodeIdentity node, long leaseUntil,
        CancellationToken cancellationToken)
    {
        using NpgsqlCommand insert = store.Command(
            $"INSERT INTO {_s}claims (run_id, job_id, scheduled, claimed_at, instance_id, node_name, lease_until, attempt, is_manual, is_recovery, token) " +
            "VALUES (@run_id, @job_id, @claimed_at, @claimed_at, @instance_id, @node_name, @lease_until, 1, true, false, " +
            $"nextval('{_s}fencing_tokens')) RETURNING token");
        Db.Add(insert, "run_id", runId);
        Db.Add(insert, "job_id", jobId);
        Db.Add(insert, "claimed_at", now);
        Db.Add(insert, "instance_id", node.InstanceId);
        Db.Add(insert, "node_name", node.Name);
        Db.Add(insert, "lease_until", leaseUntil);
        return (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Moves the parameters a row bound on a command onto a batch command (a parameter belongs to one collection).</summary>
    private static void MoveParameters(NpgsqlCommand from, NpgsqlBatchCommand to)
    {
        NpgsqlParameter[] parameters = from.Parameters.ToArray();
        from.Parameters.Clear();
        foreach (NpgsqlParameter parameter in parameters)
        {
            to.Parameters.Add(parameter);
        }
    }
}
