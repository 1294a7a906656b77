using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>The <c>nodes</c> table: each scheduler instance's last heartbeat, by the store's clock.</summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock.</remarks>
internal sealed class NodeTable
{
    private static readonly ColumnList s_columns = new("instance_id, name, host, pid, started_at, last_seen, alive_until");
    private static readonly int s_instanceId = s_columns.Ordinal("instance_id");
    private static readonly int s_name = s_columns.Ordinal("name");
    private static readonly int s_host = s_columns.Ordinal("host");
    private static readonly int s_pid = s_columns.Ordinal("pid");
    private static readonly int s_startedAt = s_columns.Ordinal("started_at");
    private static readonly int s_lastSeen = s_columns.Ordinal("last_seen");
    private static readonly int s_aliveUntil = s_columns.Ordinal("alive_until");

    private readonly SqliteCommand _beat;
    private readonly SqliteParameter _beatInstanceId;
    private readonly SqliteParameter _beatName;
    private readonly SqliteParameter _beatHost;
    private readonly SqliteParameter _beatPid;
    private readonly SqliteParameter _beatStartedAt;
    private readonly SqliteParameter _beatLastSeen;
    private readonly SqliteParameter _beatAliveUntil;
    private readonly SqliteCommand _live;
    private readonly SqliteParameter _liveNow;
    private readonly SqliteCommand _delete;
    private readonly SqliteParameter _deleteInstanceId;
    private readonly SqliteCommand _deleteDead;
    private readonly SqliteParameter _deleteDeadNow;

    public NodeTable(StoreConnection db)
    {
        _beat = db.Prepare(
            $"INSERT INTO nodes ({s_columns.Text}) VALUES ({s_columns.Parameters}) " +
            "ON CONFLICT (instance_id) DO UPDATE SET last_seen = excluded.last_seen, alive_until = excluded.alive_until;");
        _beatInstanceId = StoreConnection.Parameter(_beat, "$instance_id");
        _beatName = StoreConnection.Parameter(_beat, "$name");
        _beatHost = StoreConnection.Parameter(_beat, "$host");
        _beatPid = StoreConnection.Parameter(_beat, "$pid");
        _beatStartedAt = StoreConnection.Parameter(_beat, "$started_at");
        _beatLastSeen = StoreConnection.Parameter(_beat, "$last_seen");
        _beatAliveUntil = StoreConnection.Parameter(_beat, "$alive_until");

        // The running runs are counted here rather than kept, so they never disagree with the claims.
        _live = db.Prepare(
            $"SELECT {s_columns.Text}, (SELECT count(*) FROM claims WHERE claims.instance_id = nodes.instance_id) AS running " +
            "FROM nodes WHERE alive_until >= $now ORDER BY seq;");
        _liveNow = StoreConnection.Parameter(_live, "$now");
        _delete = db.Prepare("DELETE FROM nodes WHERE instance_id = $instance_id;");
        _deleteInstanceId = StoreConnection.Parameter(_delete, "$instance_id");
        _deleteDead = db.Prepare("DELETE FROM nodes WHERE alive_until < $now;");
        _deleteDeadNow = StoreConnection.Parameter(_deleteDead, "$now");
    }

    /// <summary>Records the node alive, seen at <paramref name="now"/> until <paramref name="aliveUntil"/>.</summary>
    public void Beat(NodeIdentity node, long now, long aliveUntil)
    {
        _beatInstanceId.Value = node.InstanceId;
        _beatName.Value = node.Name;
        _beatHost.Value = node.Host;
        _beatPid.Value = (long)node.ProcessId;
        _beatStartedAt.Value = node.StartedAt.UtcTicks;
        _beatLastSeen.Value = now;
        _beatAliveUntil.Value = aliveUntil;
        _beat.ExecuteNonQuery();
    }

    /// <summary>The nodes alive at <paramref name="now"/>, in the order they first beat.</summary>
    public List<NodeInfo> Live(long now)
    {
        _liveNow.Value = now;
        var nodes = new List<NodeInfo>();
        using SqliteDataReader reader = _live.ExecuteReader();
        int running = reader.GetOrdinal("running");
        while (reader.Read())
        {
            nodes.Add(new NodeInfo
            {
                InstanceId = reader.GetString(s_instanceId),
                Name = reader.GetString(s_name),
                Host = reader.GetString(s_host),
                ProcessId = reader.GetInt32(s_pid),
                StartedAt = Utc(reader.GetInt64(s_startedAt)),
                LastSeen = Utc(reader.GetInt64(s_lastSeen)),
                AliveUntil = Utc(reader.GetInt64(s_aliveUntil)),
                RunningRuns = reader.GetInt32(running),
            });
        }

        return nodes;
    }

    public void Delete(string instanceId)
    {
        _deleteInstanceId.Value = instanceId;
        _delete.ExecuteNonQuery();
    }

    /// <summary>Forgets the nodes dead at <paramref name="now"/>.</summary>
    public int DeleteDead(long now)
    {
        _deleteDeadNow.Value = now;
        return _deleteDead.ExecuteNonQuery();
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
