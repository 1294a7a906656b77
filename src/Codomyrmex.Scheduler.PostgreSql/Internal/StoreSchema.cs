using System.Globalization;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>Creates and migrates the store's schema by version, under an advisory lock so that nodes starting at once migrate it once.</summary>
internal static class StoreSchema
{
    private const string ResourcePrefix = "Codomyrmex.Scheduler.PostgreSql.Schema.";

    /// <summary>PostgreSQL's error code for a statement the role has no privilege for.</summary>
    private const string InsufficientPrivilege = "42501";

    /// <summary>
    /// The migrations, in order: the script at index i brings the schema from version i to i + 1. They are the package's
    /// <c>Schema/NNN_*.sql</c> files, sorted by name; a gap or a repeated number in the numbering is a build mistake, caught here.
    /// </summary>
    private static readonly string[] s_scripts = FindScripts();

    /// <summary>Gets the schema version this code writes; a newer schema is refused.</summary>
    public static int CurrentVersion => s_scripts.Length;

    /// <summary>Gets the names of the migration scripts, in the order they run.</summary>
    public static IReadOnlyList<string> Scripts => s_scripts;

    /// <summary>The version table, as the store creates it before the first script.</summary>
    private const string VersionTable = "CREATE TABLE IF NOT EXISTS schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)";

    /// <summary>
    /// The whole schema at <see cref="CurrentVersion"/> as one script, to run with the schema as the search path: the version
    /// table, every migration script in order, and the version recorded; what <see cref="MigrateAsync"/> runs on an empty schema.
    /// </summary>
    public static string FullScript() =>
        VersionTable + ";\n\n" + string.Join("\n", s_scripts.Select(ReadScript)) + "\n" +
        $"INSERT INTO schema_version (id, version) VALUES (1, {CurrentVersion.ToString(CultureInfo.InvariantCulture)});\n";

    /// <summary>Reads a migration script (the DDL, as shipped in the package).</summary>
    public static string ReadScript(string name)
    {
        using Stream stream = typeof(StoreSchema).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"The schema script '{name}' is missing from {typeof(StoreSchema).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Brings the schema to <see cref="CurrentVersion"/>: a schema already there is only read (no DDL, no lock), so a role that
    /// may only read can open the store; otherwise it is created or migrated in one transaction, under an advisory lock.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The schema was made by a newer version of the store, or it is older than this code and the role may not migrate it.
    /// </exception>
    public static async Task MigrateAsync(NpgsqlDataSource source, string schema, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            int found = await ReadVersionAsync(connection, null, schema, cancellationToken).ConfigureAwait(false);
            ThrowIfNewer(schema, found);
            if (found == CurrentVersion)
            {
                return;
            }

            try
            {
                await MigrateLockedAsync(connection, schema, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == InsufficientPrivilege)
            {
                string role = connection.UserName ?? "?";
                throw new InvalidOperationException(
                    found == 0
                        ? $"The PostgreSQL schema '{schema}' holds no Codomyrmex.Scheduler store (version 0) and role '{role}' may not create it " +
                          $"({e.MessageText}). Open the store once as a role that may create the schema (or call MigrateAsync as one), or run the " +
                          $"scripts {string.Join(", ", s_scripts)} from the package by hand; then this role can use the store at version {CurrentVersion}."
                        : $"The PostgreSQL schema '{schema}' is at version {found} and this Codomyrmex.Scheduler.PostgreSql needs version {CurrentVersion}, " +
                          $"but role '{role}' may not migrate it ({e.MessageText}). Open the store once as the schema's owner (or call MigrateAsync as " +
                          $"it), or run the scripts {string.Join(", ", s_scripts.Skip(found))} from the package by hand.",
                    e);
            }
        }
    }

    private static async Task MigrateLockedAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            string quoted = Quote(schema);

            // The lock is held until the transaction ends, so a second node waits here and then finds the schema current.
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@key))", cancellationToken, ("key", "codomyrmex.schema:" + schema))
                .ConfigureAwait(false);
            int version = await ReadVersionAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false);
            ThrowIfNewer(schema, version);
            if (version == CurrentVersion)
            {
                // Another node migrated it while this one waited for the lock.
                return;
            }

            // CREATE SCHEMA needs the CREATE privilege on the database even when the schema exists: only when it is missing.
            string create = await SchemaExistsAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false)
                ? ""
                : $"CREATE SCHEMA {quoted}; ";
            await ExecuteAsync(connection, transaction,
                create + $"SET LOCAL search_path TO {quoted}; " + VersionTable,
                cancellationToken).ConfigureAwait(false);
            for (int step = version; step < CurrentVersion; step++)
            {
                await ExecuteAsync(connection, transaction, ReadScript(s_scripts[step]), cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, transaction,
                "INSERT INTO schema_version (id, version) VALUES (1, @version) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                cancellationToken, ("version", CurrentVersion)).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The schema's version: 0 when the schema or its version table is missing.</summary>
    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema,
        CancellationToken cancellationToken)
    {
        // The catalog itself, not to_regclass: the session's catalog cache may still say "missing" after another node created
        // the table while this one waited for the lock; a plain query reads the committed catalog.
        using (var exists = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relname = 'schema_version')",
            connection, transaction))
        {
            exists.Parameters.AddWithValue("schema", schema);
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return 0;
            }
        }

        using var read = new NpgsqlCommand($"SELECT version FROM {Quote(schema)}.schema_version", connection, transaction);
        object? value = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? 0 : Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    private static async Task<bool> SchemaExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema,
        CancellationToken cancellationToken)
    {
        using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", connection, transaction);
        exists.Parameters.AddWithValue("schema", schema);
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static void ThrowIfNewer(string schema, int version)
    {
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' is at version {version}, made by a newer Codomyrmex.Scheduler.PostgreSql; this version knows {CurrentVersion}.");
        }
    }

    private static string[] FindScripts()
    {
        string[] names = typeof(StoreSchema).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..])
            .Order(StringComparer.Ordinal)
            .ToArray();
        for (int i = 0; i < names.Length; i++)
        {
            string expected = (i + 1).ToString("000", CultureInfo.InvariantCulture) + "_";
            if (!names[i].StartsWith(expected, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"The schema scripts of {typeof(StoreSchema).Assembly.GetName().Name} are numbered wrongly: '{names[i]}' is number {i + 1} in order " +
                    $"and must begin with '{expected}' ({string.Join(", ", names)}).");
            }
        }

        return names;
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
