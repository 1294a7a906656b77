using System.Globalization;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>Creates and migrates the store's schema by version, under an advisory lock so that nodes starting at once migrate it once.</summary>
internal static class StoreSchema
{
    /// <summary>The migrations, in order: the script at index i brings the schema from version i to i + 1.</summary>
    private static readonly string[] s_scripts = ["001_initial.sql", "002_queries.sql"];

    /// <summary>Gets the schema version this code writes; a newer schema is refused.</summary>
    public static int CurrentVersion => s_scripts.Length;

    /// <summary>Reads a migration script (the DDL, as shipped in the package).</summary>
    public static string ReadScript(string name)
    {
        using Stream stream = typeof(StoreSchema).Assembly.GetManifestResourceStream("Codomyrmex.Scheduler.PostgreSql.Schema." + name)
            ?? throw new InvalidOperationException($"The schema script '{name}' is missing from {typeof(StoreSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Creates the schema, or brings it to <see cref="CurrentVersion"/>, in one transaction.</summary>
    /// <exception cref="InvalidOperationException">The schema was made by a newer version of the store.</exception>
    public static async Task MigrateAsync(NpgsqlDataSource source, string schema, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                string quoted = Quote(schema);

                // The lock is held until the transaction ends, so a second node waits here and then finds the schema current.
                await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@key))", cancellationToken, ("key", "codomyrmex.schema:" + schema))
                    .ConfigureAwait(false);
                await ExecuteAsync(connection, transaction,
                    $"CREATE SCHEMA IF NOT EXISTS {quoted}; SET LOCAL search_path TO {quoted}; " +
                    "CREATE TABLE IF NOT EXISTS schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)",
                    cancellationToken).ConfigureAwait(false);
                int version;
                using (var read = new NpgsqlCommand("SELECT version FROM schema_version", connection, transaction))
                {
                    object? value = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    version = value is null or DBNull ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
                }

                if (version > CurrentVersion)
                {
                    throw new InvalidOperationException(
                        $"The PostgreSQL schema '{schema}' is at version {version}, made by a newer Codomyrmex.Scheduler.PostgreSql; this version knows {CurrentVersion}.");
                }

                for (int step = version; step < CurrentVersion; step++)
                {
                    await ExecuteAsync(connection, transaction, ReadScript(s_scripts[step]), cancellationToken).ConfigureAwait(false);
                }

                if (version < CurrentVersion)
                {
                    await ExecuteAsync(connection, transaction,
                        "INSERT INTO schema_version (id, version) VALUES (1, @version) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                        cancellationToken, ("version", CurrentVersion)).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Quotes an identifier for SQL text.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
