using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// The store's one connection: the statements prepared on it (disposed with it) and the transactions made on it.
/// </summary>
/// <remarks>Not thread-safe: the store serialises every use under its lock.</remarks>
internal sealed class StoreConnection : IDisposable
{
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _beginRead;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _dataVersion;
    private readonly SqliteCommand _savepoint;
    private readonly SqliteCommand _release;
    private readonly SqliteCommand _rollbackToSavepoint;

    public StoreConnection(SqliteConnection connection)
    {
        Connection = connection;
        _begin = Prepare("BEGIN IMMEDIATE;");
        _beginRead = Prepare("BEGIN DEFERRED;");
        _commit = Prepare("COMMIT;");
        _rollback = Prepare("ROLLBACK;");
        _dataVersion = Prepare("PRAGMA data_version;");
        _savepoint = Prepare("SAVEPOINT one_write;");
        _release = Prepare("RELEASE one_write;");
        _rollbackToSavepoint = Prepare("ROLLBACK TO one_write;");
    }

    public SqliteConnection Connection { get; }

    /// <summary>Gets whether a transaction is open on the connection (SQLite ends one by itself on some errors).</summary>
    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>Gets the file's change counter: it moves when another connection commits a change to the file.</summary>
    public long DataVersion => (long)_dataVersion.ExecuteScalar()!;

    /// <summary>Makes a statement that lives as long as the connection; its parameters are added by name with <see cref="Parameter"/>.</summary>
    public SqliteCommand Prepare(string sql)
    {
        SqliteCommand command = Connection.CreateCommand();
        command.CommandText = sql;
        _commands.Add(command);
        return command;
    }

    /// <summary>Adds the named parameter to a statement and returns it, so the caller sets it without looking it up again.</summary>
    public static SqliteParameter Parameter(SqliteCommand command, string name) => command.Parameters.Add(new SqliteParameter(name, DBNull.Value));

    /// <summary>Begins a write transaction (<c>BEGIN IMMEDIATE</c>: the file's write lock is taken now, not at the first write).</summary>
    public StoreTransaction Begin()
    {
        _begin.ExecuteNonQuery();
        return new StoreTransaction(this);
    }

    /// <summary>Begins a read transaction, so several reads see one state of the file while another process writes.</summary>
    public StoreTransaction BeginRead()
    {
        _beginRead.ExecuteNonQuery();
        return new StoreTransaction(this);
    }

    /// <summary>Marks the start of one operation inside a transaction that holds several.</summary>
    public void Savepoint() => _savepoint.ExecuteNonQuery();

    /// <summary>Keeps the operation's changes in the enclosing transaction.</summary>
    public void Release() => _release.ExecuteNonQuery();

    /// <summary>Undoes the operation's changes and only them, leaving the enclosing transaction open.</summary>
    public void RollbackToSavepoint()
    {
        _rollbackToSavepoint.ExecuteNonQuery();
        _release.ExecuteNonQuery();
    }

    internal void Commit() => _commit.ExecuteNonQuery();

    /// <summary>Rolls the open transaction back, if SQLite has not already ended it.</summary>
    internal void RollbackIfOpen()
    {
        if (InTransaction)
        {
            _rollback.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        foreach (SqliteCommand command in _commands)
        {
            command.Dispose();
        }

        Connection.Dispose();
    }
}
