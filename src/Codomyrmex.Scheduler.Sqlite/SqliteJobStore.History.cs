using Codomyrmex.Scheduler.Sqlite.Internal;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Reading the run history.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ThrowIfBadPage(query.Offset, query.Limit);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(() =>
        {
            // One read transaction, so the total and the page agree even while another process writes.
            using StoreTransaction transaction = _db.BeginRead();
            int total = _history.Count(query);
            List<RunRecord> items = query.Limit != 0 && query.Offset < total ? _history.Page(query) : [];
            transaction.Commit();
            return new RunPage { Items = items, Total = total };
        }));
    }
}
