using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>One transaction of the store, and the changes it makes, which are notified in it and raised after it commits.</summary>
internal sealed class StoreTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, TimeProvider? clock)
{
    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction Transaction { get; } = transaction;

    public List<JobStoreChange> Changes { get; } = [];

    /// <summary>A command in this transaction, with <c>@now</c> bound (see <see cref="Db.Now"/>).</summary>
    public NpgsqlCommand Command(string sql)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        Db.AddNow(command, clock);
        return command;
    }
}
