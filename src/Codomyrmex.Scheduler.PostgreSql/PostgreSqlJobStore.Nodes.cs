using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Nodes: heartbeats, lease renewal, leaving and listing.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <inheritdoc/>
    public async ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(heartbeat.Node, nameof(heartbeat));
        NodeIdentity node = heartbeat.Node;
        return await InTransactionAsync(async store =>
        {
            long now = await NowAsync(store, cancellationToken).ConfigureAwait(false);
            long until = AddLease(now, heartbeat.LeaseDuration);
            using (NpgsqlCommand beat = store.Command(
                $"INSERT INTO {_s}nodes (instance_id, name, host, process_id, started_at, last_seen, alive_until) " +
                "VALUES (@instance_id, @name, @host, @process_id, @started_at, @last_seen, @alive_until) " +
                "ON CONFLICT (instance_id) DO UPDATE SET last_seen = excluded.last_seen, alive_until = excluded.alive_until"))
            {
                Db.Add(beat, "instance_id", node.InstanceId);
                Db.Add(beat, "name", node.Name);
                Db.Add(beat, "host", node.Host);
                Db.Add(beat, "process_id", node.ProcessId);
                Db.Add(beat, "started_at", node.StartedAt.UtcTicks);
                Db.Add(beat, "last_seen", now);
                Db.Add(beat, "alive_until", until);
                await beat.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // Rows another transaction holds (a node beating at this moment) are skipped: a heartbeat never waits for another
            // node's, and the next heartbeat of any node deletes what is left.
            using (NpgsqlCommand dead = store.Command(
                $"DELETE FROM {_s}nodes WHERE instance_id IN (SELECT instance_id FROM {_s}nodes WHERE alive_until < @at FOR UPDATE SKIP LOCKED)"))
            {
                Db.Add(dead, "at", now);
                await dead.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // The job counters of server processes that have ended fold into backend 0, so that the rows stay as few as the
            // live processes and counting only reads.
            using (NpgsqlCommand fold = store.Command(
                $"WITH gone AS (DELETE FROM {_s}job_counts WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL) " +
                "RETURNING class, jobs) " +
                $"INSERT INTO {_s}job_counts AS counted (class, backend, jobs) SELECT class, 0, sum(jobs) FROM gone GROUP BY class " +
                "ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + excluded.jobs"))
            {
                await fold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            // A claim another transaction holds is skipped, not waited for: a node recovering it (its lease has lapsed, so it is
            // lost to this node anyway) or this node's own completion of it (the run is over). A heartbeat that waited held
            // up every renewal behind another node's recovery, so the leases of live nodes lapsed one after another. A skipped
            // claim whose lease has not lapsed is kept (the run is finishing here); one whose lease has lapsed is lost.
            var kept = new HashSet<string>(StringComparer.Ordinal);
            int renewed = 0;
            if (heartbeat.Runs.Count > 0)
            {
                using NpgsqlCommand renew = store.Command(
                    $"WITH h AS (SELECT run_id, token FROM unnest(@run_ids, @tokens) AS h(run_id, token)), " +
                    $"mine AS (SELECT c.run_id, c.lease_until FROM {_s}claims c JOIN h ON c.run_id = h.run_id AND c.token = h.token " +
                    "WHERE c.instance_id = @instance_id), " +
                    $"free AS (SELECT c.run_id FROM {_s}claims c JOIN h ON c.run_id = h.run_id AND c.token = h.token " +
                    "WHERE c.instance_id = @instance_id FOR UPDATE OF c SKIP LOCKED), " +
                    $"renewed AS (UPDATE {_s}claims c SET lease_until = @lease_until FROM free WHERE c.run_id = free.run_id RETURNING c.run_id) " +
                    "SELECT mine.run_id, mine.run_id IN (SELECT run_id FROM renewed) FROM mine " +
                    "WHERE mine.run_id IN (SELECT run_id FROM renewed) OR mine.lease_until > @at");
                Db.Add(renew, "lease_until", until);
                Db.Add(renew, "at", now);
                Db.Add(renew, "run_ids", heartbeat.Runs.Select(r => r.RunId).ToArray());
                Db.Add(renew, "tokens", heartbeat.Runs.Select(r => r.FencingToken).ToArray());
                Db.Add(renew, "instance_id", node.InstanceId);
                NpgsqlDataReader reader = await renew.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        kept.Add(reader.GetString(0));
                        renewed += reader.GetBoolean(1) ? 1 : 0;
                    }
                }
            }

            string[] lost = heartbeat.Runs.Where(r => !kept.Contains(r.RunId)).Select(r => r.RunId).ToArray();
            return new LeaseRenewal { LeaseUntil = Utc(until), Lost = lost, Renewed = renewed };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
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
