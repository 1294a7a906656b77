using Codomyrmex.Scheduler.Sqlite.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Nodes: heartbeats with lease renewal, leaving, and the list of live nodes.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Does not take the dispatch lock: a process that made a manual run renews it from outside the dispatching process. The
    /// heartbeat and every renewal are one transaction.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(heartbeat.Node, nameof(heartbeat));
        cancellationToken.ThrowIfCancellationRequested();
        NodeIdentity node = heartbeat.Node;
        List<string>? lost = null;
        int renewed = 0;
        DateTimeOffset leaseUntil;
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                using StoreTransaction transaction = BeginWrite();
                (DateTimeOffset now, leaseUntil) = NowPlus(heartbeat.LeaseDuration);
                _nodes.Beat(node, now.UtcTicks, leaseUntil.UtcTicks);
                foreach (HeldRun held in heartbeat.Runs)
                {
                    if (_claims.Renew(held.RunId, node.InstanceId, held.FencingToken, leaseUntil.UtcTicks))
                    {
                        renewed++;
                    }
                    else
                    {
                        (lost ??= []).Add(held.RunId);
                    }
                }

                transaction.Commit();
            }
        }
        catch (SqliteException e) when (SqliteSchema.IsDamage(e))
        {
            throw Damaged(e);
        }

        return new(new LeaseRenewal { LeaseUntil = leaseUntil, Lost = lost ?? [], Renewed = renewed });
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                ThrowIfReadOnly();
                _nodes.Delete(instanceId);
            }
        }
        catch (SqliteException e) when (SqliteSchema.IsDamage(e))
        {
            throw Damaged(e);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>Dead nodes are left in the file until <see cref="PurgeExpiredAsync"/> deletes them, so a read-only store lists nodes too.</remarks>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return new(_nodes.Live(_time.GetUtcNow().UtcTicks));
            }
        }
        catch (SqliteException e) when (SqliteSchema.IsDamage(e))
        {
            throw Damaged(e);
        }
    }
}
