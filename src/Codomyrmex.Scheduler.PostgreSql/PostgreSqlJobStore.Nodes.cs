using System.Diagnostics;
using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Nodes: heartbeats, lease renewal, leaving and listing.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// One statement, so one round trip in a transaction of its own that the server runs start to end without waiting for
    /// this process: the node's row is written, the rows of nodes whose heartbeat lapsed are deleted, the job counters of
    /// server processes that have ended are folded, and the listed runs are renewed. A heartbeat that spanned several round
    /// trips held its row locks while its process waited for a core, and other nodes' heartbeats queued behind it; under
    /// load the leases of live nodes lapsed one after another.
    /// </para>
    /// <para>
    /// Rows another transaction holds are skipped, never waited for: another node's dead row that a heartbeat is deleting
    /// (the next heartbeat deletes what is left), and a claim that a node is recovering (its lease has lapsed, so it is lost
    /// to this node anyway) or that this node is completing (the run is over). A skipped claim whose lease has not lapsed
    /// is kept; one whose lease has lapsed is reported lost.
    /// </para>
    /// <para>
    /// A caller on a thread of its own (the scheduler's heartbeat thread) is answered on that thread, with blocking I/O, on a
    /// connection kept for heartbeats: the renewal then waits neither for a connection of the pool (where claims and
    /// completions queue) nor for a thread-pool thread to run its continuations, both of which a loaded node made wait for
    /// seconds, so that live nodes lost their leases. A caller on the thread pool, or one that comes while that connection is
    /// in use, is answered asynchronously on a connection of the pool.
    /// </para>
    /// </remarks>
    public async ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(heartbeat.Node, nameof(heartbeat));

        // A run id the database cannot hold is no claim's: the run is lost. (Run ids the store made are ASCII, which every
        // encoding holds, so this completes at once and the caller's thread still answers.)
        string?[] runIds = await KeysAsync(heartbeat.Runs, run => run.RunId, cancellationToken).ConfigureAwait(false);
        Task ready = EnsureReadyAsync(cancellationToken);
        if (ready.IsCompletedSuccessfully && !Thread.CurrentThread.IsThreadPoolThread && _heartbeatLock.TryEnter())
        {
            try
            {
                return RenewOnHeartbeatConnection(heartbeat, runIds, cancellationToken);
            }
            finally
            {
                _heartbeatLock.Exit();
            }
        }

        await ready.ConfigureAwait(false);
        return await ReadAsync(store => RenewAsync(store.Connection, heartbeat, runIds, sync: false, cancellationToken).AsTask(), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Renews on the connection kept for heartbeats (opened again once if it broke since the last heartbeat); the caller holds <see cref="_heartbeatLock"/>.</summary>
    private LeaseRenewal RenewOnHeartbeatConnection(NodeHeartbeat heartbeat, string?[] runIds, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool reused = _heartbeatConnection is not null;
        while (true)
        {
            NpgsqlConnection connection = _heartbeatConnection ??= _source.OpenConnection();
            try
            {
                ValueTask<LeaseRenewal> renewal = RenewAsync(connection, heartbeat, runIds, sync: true, cancellationToken);
                Debug.Assert(renewal.IsCompleted, "A synchronous renewal completes before it returns.");
                return renewal.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // The server's cancel request is asynchronous: one that arrives after the renewal ended could cancel the next
                // statement on this connection, so a cancelled renewal's connection is not used again.
                _heartbeatConnection = null;
                connection.Dispose();
                throw;
            }
            catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException)
            {
                // A connection that broke (the server ended it while it was idle, say) is dropped; one that was open before
                // this heartbeat is replaced at once, so that a renewal is not lost to a connection that died unseen.
                bool broken = connection.FullState != System.Data.ConnectionState.Open;
                _heartbeatConnection = null;
                connection.Dispose();
                if (!reused || !broken)
                {
                    throw;
                }

                reused = false;
            }
        }
    }

    /// <summary>SQLSTATE query_canceled.</summary>
    private const string QueryCanceled = "57014";

    /// <summary>
    /// The heartbeat's one statement (see <see cref="RenewAsync(NodeHeartbeat, CancellationToken)"/>), on <paramref name="connection"/>,
    /// with blocking I/O when <paramref name="sync"/> (the returned task is then complete).
    /// </summary>
    private async ValueTask<LeaseRenewal> RenewAsync(NpgsqlConnection connection, NodeHeartbeat heartbeat, string?[] runIds, bool sync, CancellationToken cancellationToken)
    {
        NodeIdentity node = heartbeat.Node;
        using var beat = new NpgsqlCommand(
            $"WITH t AS (SELECT {Db.Now} AS now), " +
            $"beat AS (INSERT INTO {_s}nodes (instance_id, name, host, process_id, started_at, last_seen, alive_until) " +
            "SELECT @instance_id, @name, @host, @process_id, @started_at, t.now, t.now + @lease FROM t " +
            "ON CONFLICT (instance_id) DO UPDATE SET last_seen = excluded.last_seen, alive_until = excluded.alive_until), " +
            $"dead AS (DELETE FROM {_s}nodes WHERE instance_id IN (SELECT n.instance_id FROM {_s}nodes n, t WHERE n.alive_until < t.now " +
            "AND n.instance_id <> @instance_id FOR UPDATE OF n SKIP LOCKED)), " +
            // The job counters of server processes that have ended fold into backend 0, so that the rows stay as few as the
            // live processes and counting only reads.
            $"gone AS (DELETE FROM {_s}job_counts WHERE (class, backend) IN (SELECT class, backend FROM {_s}job_counts WHERE backend <> 0 " +
            "AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) FOR UPDATE SKIP LOCKED) RETURNING class, jobs), " +
            $"folded AS (INSERT INTO {_s}job_counts AS counted (class, backend, jobs) SELECT class, 0, sum(jobs) FROM gone GROUP BY class " +
            "ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + excluded.jobs), " +
            "h AS (SELECT run_id, token FROM unnest(@run_ids, @tokens) AS h(run_id, token)), " +
            $"mine AS (SELECT c.run_id, c.lease_until FROM {_s}claims c JOIN h ON c.run_id = h.run_id AND c.token = h.token " +
            "WHERE c.instance_id = @instance_id), " +
            $"free AS (SELECT c.run_id FROM {_s}claims c JOIN h ON c.run_id = h.run_id AND c.token = h.token " +
            "WHERE c.instance_id = @instance_id FOR UPDATE OF c SKIP LOCKED), " +
            $"renewed AS (UPDATE {_s}claims c SET lease_until = t.now + @lease FROM free, t WHERE c.run_id = free.run_id RETURNING c.run_id) " +
            "SELECT t.now, m.run_id, m.renewed FROM t LEFT JOIN (SELECT mine.run_id, mine.lease_until, mine.run_id IN (SELECT run_id FROM renewed) " +
            "AS renewed FROM mine) m ON m.renewed OR m.lease_until > t.now", connection);
        Db.AddNow(beat, _clock);
        Db.Add(beat, "instance_id", node.InstanceId);
        Db.Add(beat, "name", node.Name);
        Db.Add(beat, "host", node.Host);
        Db.Add(beat, "process_id", node.ProcessId);
        Db.Add(beat, "started_at", node.StartedAt.UtcTicks);
        Db.Add(beat, "lease", AddLease(0, heartbeat.LeaseDuration));
        Db.Add(beat, "run_ids", runIds);
        Db.Add(beat, "tokens", heartbeat.Runs.Select(r => r.FencingToken).ToArray());
        var kept = new HashSet<string>(StringComparer.Ordinal);
        int renewed = 0;
        long now = 0;
        NpgsqlDataReader reader;
        if (sync)
        {
            // Blocking I/O takes no token: cancelling it asks the server to cancel the statement, so that a renewal waiting
            // for a lock (or a server that does not answer) does not hold up the caller, who stops the heartbeat, until the
            // command times out.
            cancellationToken.ThrowIfCancellationRequested();
            using CancellationTokenRegistration cancel = cancellationToken.UnsafeRegister(static command => ((NpgsqlCommand)command!).Cancel(), beat);
            try
            {
                reader = beat.ExecuteReader();
            }
            catch (PostgresException e) when (e.SqlState == QueryCanceled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The renewal was cancelled.", e, cancellationToken);
            }
        }
        else
        {
            reader = await beat.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            while (sync ? reader.Read() : await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                now = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    kept.Add(reader.GetString(1));
                    renewed += reader.GetBoolean(2) ? 1 : 0;
                }
            }
        }
        finally
        {
            // Closing reads the end of the response: blocking too when the rest was.
            if (sync)
            {
                reader.Dispose();
            }
            else
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }

        string[] lost = heartbeat.Runs.Where(r => !kept.Contains(r.RunId)).Select(r => r.RunId).ToArray();
        return new LeaseRenewal { LeaseUntil = Utc(AddLease(now, heartbeat.LeaseDuration)), Lost = lost, Renewed = renewed };
    }

    /// <inheritdoc/>
    public async ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        if (!await HoldsAsync(instanceId, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        await InTransactionAsync(async store =>
        {
            using NpgsqlCommand delete = store.Command($"DELETE FROM {_s}nodes WHERE instance_id = @instance_id");
            Db.Add(delete, "instance_id", instanceId);
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Only reads, so a role that may only read the schema can list nodes. Nodes whose heartbeat lapsed are left out here and
    /// deleted by the next heartbeat of any node.
    /// </remarks>
    public async ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        return await ReadAsync(async store =>
        {
            long now = await NowAsync(store, cancellationToken).ConfigureAwait(false);
            using NpgsqlCommand select = store.Command(
                "SELECT instance_id, name, host, process_id, started_at, last_seen, alive_until, " +
                $"(SELECT count(*) FROM {_s}claims c WHERE c.instance_id = n.instance_id) FROM {_s}nodes n WHERE alive_until >= @at ORDER BY seq");
            Db.Add(select, "at", now);
            var nodes = new List<NodeInfo>();
            NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    nodes.Add(new NodeInfo
                    {
                        InstanceId = reader.GetString(0),
                        Name = reader.GetString(1),
                        Host = reader.GetString(2),
                        ProcessId = reader.GetInt32(3),
                        StartedAt = Utc(reader.GetInt64(4)),
                        LastSeen = Utc(reader.GetInt64(5)),
                        AliveUntil = Utc(reader.GetInt64(6)),
                        RunningRuns = (int)reader.GetInt64(7),
                    });
                }
            }

            return (IReadOnlyList<NodeInfo>)nodes;
        }, cancellationToken).ConfigureAwait(false);
    }
}
