using System.CommandLine;
using System.Runtime.CompilerServices;
using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Shared;
using Codomyrmex.Scheduler.Sqlite;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// The <c>--store</c> option, the same on every command that uses a store: <c>sqlite:PATH</c> or a bare path (the default),
/// <c>postgres:CONNECTION-STRING</c>, or <c>memory</c>.
/// </summary>
internal static class StoreOption
{
    /// <summary>The environment variable that sets the store when <c>--store</c> is not given.</summary>
    public const string EnvironmentVariable = "SCHEDCTL_STORE";

    /// <summary>The store when neither <c>--store</c> nor <see cref="EnvironmentVariable"/> says otherwise.</summary>
    public const string Default = "sqlite:" + DefaultFile;

    /// <summary>The SQLite file of <c>sqlite</c> without a path, and of the default store.</summary>
    public const string DefaultFile = "schedctl.db";

    public static Option<string> Create() => new("--store")
    {
        Description = $"Where jobs and their history are kept: sqlite:PATH (or just the PATH of the file), postgres:CONNECTION-STRING (Npgsql keys, " +
            $"plus {PostgresTarget.SchemaKey}=NAME for the schema; many schedctl run processes may share one database), or memory (nothing kept; " +
            $"for trying things out). Default: ${EnvironmentVariable}, else {Default}.",
        HelpName = "sqlite:PATH|postgres:CONNECTION-STRING|memory",
    };

    /// <summary>The store the option (or the environment, or the default) names.</summary>
    public static string Resolve(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : Default : value;

    /// <summary>
    /// The one wording of a store's failure, for every command: <c>store TEXT: what is wrong</c>, on one line (after the
    /// <c>schedctl: </c> prefix).
    /// </summary>
    public static string Failure(string text, string message) =>
        $"store {Shown(text)}: {string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}";

    /// <summary>
    /// Opens the store the text names for <c>schedctl run</c>, read-write: a SQLite file (created with its schema if there is
    /// none), or a PostgreSQL database (its schema created or migrated now, so that a database that cannot be reached or
    /// refuses us is reported before anything starts).
    /// </summary>
    /// <exception cref="ArgumentException">The text is not a store this version knows, naming it and the forms it knows.</exception>
    /// <exception cref="InvalidOperationException">
    /// The path is a FIFO, a device or a socket, SQLite cannot use the file, or the PostgreSQL database cannot be reached or
    /// refuses us; the message says which, never with the connection string.
    /// </exception>
    public static async Task<OpenStore> OpenAsync(string text, CancellationToken cancellationToken)
    {
        StoreText store = StoreText.Parse(text);
        switch (store.Kind)
        {
            case StoreKind.Memory:
                return new OpenStore(new InMemoryJobStore());
            case StoreKind.Postgres:
                return await OpenPostgresAsync(store, listen: true, mustExist: false, cancellationToken).ConfigureAwait(false);
            default:
                string path = Parse(text)!;
                RefuseSpecialFile(path);
                return new OpenStore(new SqliteJobStore(path));
        }
    }

    /// <summary>
    /// Opens a PostgreSQL store: checks the connection string, connects once (so that every failure to reach the database is
    /// worded here), then creates or migrates the store's schema, or, when <paramref name="mustExist"/>, requires it to exist.
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is missing or not valid.</exception>
    /// <exception cref="InvalidOperationException">The database cannot be reached, refuses us, or holds no store.</exception>
    public static async Task<OpenStore> OpenPostgresAsync(StoreText store, bool listen, bool mustExist, CancellationToken cancellationToken)
    {
        if (store.Argument is not { } connectionString)
        {
            throw new ArgumentException($"Store '{store.Scheme}' has no connection string; for example postgres:Host=db;Database=jobs;Username=app.");
        }

        PostgresTarget target = PostgresTarget.Read(connectionString);
        var options = new PostgreSqlJobStoreOptions { ListenForChanges = listen };
        if (target.Schema is { } schema)
        {
            options.Schema = schema;
        }

        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(target.ConnectionString);
        var opened = new OpenStore(new PostgreSqlJobStore(source, options), source);
        try
        {
            if (mustExist)
            {
                NpgsqlCommand exists = source.CreateCommand("SELECT to_regclass(format('%I.schema_version', $1::text)) IS NOT NULL");
                await using ConfiguredAsyncDisposable disposeCommand = exists.ConfigureAwait(false);
                exists.Parameters.Add(new NpgsqlParameter { Value = options.Schema });
                if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
                {
                    throw new InvalidOperationException($"no store in {Described(target, options.Schema)}: a store is made by 'schedctl run FILE --store " +
                        "postgres:...' on it; check Database= and Schema=.");
                }
            }

            await ((PostgreSqlJobStore)opened.Store).MigrateAsync(cancellationToken).ConfigureAwait(false);
            return opened;
        }
        catch (Exception e) when (PostgresTarget.IsConnectionFailure(e))
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(target.Explain(e), e);
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Described(PostgresTarget target, string schema) =>
        target.Schema is null ? $"{target.Described} (schema {schema})" : target.Described;

    /// <summary>How a command names the store it serves: a SQLite file's full path, else <see cref="Shown"/>.</summary>
    public static string Described(string text)
    {
        try
        {
            return StoreText.Parse(text).Kind == StoreKind.Sqlite ? Parse(text)! : Shown(text);
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    /// <summary>How messages show the store: as given, but <c>postgres:...</c> for a connection string, which may hold a password.</summary>
    public static string Shown(string text)
    {
        try
        {
            StoreText store = StoreText.Parse(text);
            return store.Kind is StoreKind.Postgres or StoreKind.Other ? store.Redacted : text;
        }
        catch (ArgumentException)
        {
            return text;
        }
    }

    /// <summary>Refuses a FIFO (opening it would wait for a writer forever), a device or a socket before SQLite opens it.</summary>
    /// <exception cref="InvalidOperationException">The path is not a regular file; the message names it.</exception>
    public static void RefuseSpecialFile(string path)
    {
        if (FileTypes.Refusal(path) is { } refusal)
        {
            throw new InvalidOperationException(refusal + " A store is a regular file.");
        }
    }

    /// <summary>
    /// Reads a store's text with the one parser of store strings that the hosting configuration shares: <c>memory</c> (null is
    /// returned), or the full path of a SQLite file given as <c>sqlite:PATH</c>, <c>sqlite</c> (<c>schedctl.db</c>) or a bare path
    /// (<c>jobs.db</c>, <c>./x.db</c>, <c>/var/lib/schedctl.db</c>, <c>C:\x.db</c>), relative to the current folder.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The text is empty, <c>sqlite:</c> without a path, a PostgreSQL store (not a file), or an unknown scheme
    /// (<c>mysql:...</c>); the message names it and the forms that work.
    /// </exception>
    public static string? Parse(string text)
    {
        StoreText store = StoreText.Parse(text);
        return store.Kind switch
        {
            StoreKind.Memory => null,
            StoreKind.Sqlite => store.SqlitePath(DefaultFile, Directory.GetCurrentDirectory()),
            StoreKind.Postgres => throw new ArgumentException($"Store {store.Redacted} is a PostgreSQL database, not a file."),
            _ => throw new ArgumentException(store.Unsupported()),
        };
    }
}
