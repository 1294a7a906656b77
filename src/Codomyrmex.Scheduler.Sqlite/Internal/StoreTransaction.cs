namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>A transaction on the store's connection that rolls back when disposed unless <see cref="Commit"/> ended it.</summary>
/// <remarks>
/// <code>
/// using StoreTransaction transaction = _db.Begin();
/// ... reads and writes; any exception leaves the using block and rolls back ...
/// transaction.Commit();
/// </code>
/// Whether it is still open is SQLite's own state, so a commit that fails (the file is busy) leaves it open and disposing
/// rolls it back; a transaction SQLite already ended after an error is not rolled back twice.
/// </remarks>
internal readonly struct StoreTransaction : IDisposable
{
    private readonly StoreConnection _connection;

    internal StoreTransaction(StoreConnection connection) => _connection = connection;

    public void Commit() => _connection.Commit();

    public void Dispose() => _connection.RollbackIfOpen();
}
