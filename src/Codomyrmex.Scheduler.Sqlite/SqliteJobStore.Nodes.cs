using Codomyrmex.Scheduler.Storage;

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
        return WriteAsync(() =>
        {
            List<string>? lost = null;
            int renewed = 0;
            (DateTimeOffset now, DateTimeOffset leaseUntil) = NowPlus(heartbeat.LeaseDuration);
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

            return new LeaseRenewal { LeaseUntil = leaseUntil, Lost = lost ?? [], Renewed = renewed };
        });
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        cancellationToken.ThrowIfCancellationRequested();
        _ = await WriteAsync(() =>
        {
            _nodes.Delete(instanceId);
            return true;
        }).ConfigureAwait(false);
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
        return new(Read(() => _nodes.Live(_time.GetUtcNow().UtcTicks)));
    }
}
