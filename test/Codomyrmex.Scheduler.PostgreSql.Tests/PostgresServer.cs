using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server the PostgreSQL tests run against (this store's, and hosting's, schedctl's and the cluster's, which link
/// this file), named by the <c>CODOMYRMEX_POSTGRES</c> connection string (<c>eng/postgres.sh start</c>
/// starts a throwaway one and prints it). Without it a test is skipped on a laptop, and fails under CI (<c>CI=true</c>).
/// </summary>
internal static class PostgresServer
{
    public const string Variable = "CODOMYRMEX_POSTGRES";

    private static readonly Lazy<NpgsqlDataSource?> s_admin = new(() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString ? NpgsqlDataSource.Create(connectionString) : null);

    /// <summary>Gets the connection string, or skips (fails under CI) the test when there is none.</summary>
    public static string ConnectionString
    {
        get
        {
            if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } connectionString)
            {
                return connectionString;
            }

            string message = $"{Variable} is not set: start a server with `eng/postgres.sh start` and export the connection string it prints.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail("Under CI the PostgreSQL tests must run: " + message);
            }

            Assert.Skip(message);
            return "";
        }
    }

    /// <summary>A data source of the tests' own, for setting up and looking into databases.</summary>
    public static NpgsqlDataSource Admin => s_admin.Value ?? throw new InvalidOperationException(Variable + " is not set.");

    /// <summary>
    /// A new data source (a pool of its own, as another node would have), as <see cref="PostgreSqlJobStore.CreateDataSource"/>
    /// makes it: the store's statements prepared on each connection, so the contract suite runs on prepared statements.
    /// </summary>
    public static NpgsqlDataSource NewDataSource() => PostgreSqlJobStore.CreateDataSource(ConnectionString);

    /// <summary>A schema name no other test uses: each test's store is a new, empty store on the shared test database.</summary>
    public static string NewSchema() => "test_" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// Makes every statement that writes the store's <c>jobs</c> table in <paramref name="schema"/> record how many statements
    /// its own session has prepared (read back with <see cref="MostPreparedAsync"/>): what a store's data source does, seen
    /// from the server, for a store that runs in another process or behind a host.
    /// </summary>
    public static async Task WatchPreparedStatementsAsync(string schema)
    {
        await using NpgsqlCommand watch = Admin.CreateCommand($"""
            CREATE TABLE "{schema}".prepared_probe (prepared bigint NOT NULL);
            CREATE FUNCTION "{schema}".prepared_probe() RETURNS trigger LANGUAGE plpgsql AS
                $$BEGIN INSERT INTO "{schema}".prepared_probe SELECT count(*) FROM pg_prepared_statements; RETURN NULL; END$$;
            CREATE TRIGGER prepared_probe AFTER INSERT OR UPDATE ON "{schema}".jobs FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".prepared_probe();
            """);
        await watch.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The most statements a session had prepared when it wrote the jobs table since <see cref="WatchPreparedStatementsAsync"/>,
    /// and how many writes were seen.
    /// </summary>
    public static async Task<(long MostPrepared, long Writes)> MostPreparedAsync(string schema)
    {
        await using NpgsqlCommand read = Admin.CreateCommand($"""SELECT coalesce(max(prepared), 0), count(*) FROM "{schema}".prepared_probe""");
        await using NpgsqlDataReader reader = await read.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Creates a database of a test's own (in <paramref name="encoding"/>, from <c>template0</c> in the C locale, when one is
    /// given) and returns it, to be disposed by the test: disposing drops it, and the sessions still on it.
    /// </summary>
    public static async Task<TemporaryDatabase> CreateDatabaseAsync(string? encoding = null)
    {
        var database = new TemporaryDatabase(NewSchema(), ConnectionString);
        string options = encoding is null ? "" : $" ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0";

        // Not the test's token: a create that a cancel cut short on the client may still have been made, and must be dropped.
        await using NpgsqlCommand create = Admin.CreateCommand($"CREATE DATABASE \"{database.Name}\"{options}");
        try
        {
            await create.ExecuteNonQueryAsync();
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }

        return database;
    }

    /// <summary>A database made by <see cref="CreateDatabaseAsync"/>; disposing it drops it.</summary>
    public sealed class TemporaryDatabase(string name, string serverConnectionString) : IAsyncDisposable
    {
        /// <summary>Gets the database's name.</summary>
        public string Name { get; } = name;

        /// <summary>Gets the connection string of the tests' server, to this database.</summary>
        public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;

        public async ValueTask DisposeAsync()
        {
            await using NpgsqlCommand drop = Admin.CreateCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Drops the schemas a test made (none were made when there is no server).</summary>
    public static async Task DropAsync(params IEnumerable<string> schemas)
    {
        if (s_admin.Value is not { } admin)
        {
            return;
        }

        foreach (string schema in schemas.Distinct())
        {
            await using NpgsqlCommand drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
