using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>A durable store on PostgreSQL that several scheduler nodes share: every occurrence is claimed by exactly one node.</summary>
/// <remarks>
/// <para>
/// The server's clock is the clock of record: what is due, when a lease ends and expires, liveness, <see cref="Job.FinishedAt"/>
/// and retention are all decided by <c>clock_timestamp()</c> on the server, so nodes whose clocks disagree still agree.
/// Claims lock the due jobs with <c>FOR UPDATE SKIP LOCKED</c>, so nodes claiming at once take different jobs and never wait
/// for each other; the job rules (<see cref="JobState"/>) run in this process on the locked rows, and the whole batch is
/// written back in the claim's transaction, with a fencing token for each run from a sequence.
/// </para>
/// <para>
/// The schema (<see cref="PostgreSqlJobStoreOptions.Schema"/>) is created or migrated on first use, under an advisory lock.
/// Every change a dispatcher relies on is sent with <c>NOTIFY</c> in its transaction; each store instance listens on a
/// connection of its own and raises <see cref="Changed"/> for the changes other instances made. The repository's README
/// ("PostgreSQL store") describes the tables and the scripts that create them. All members are thread-safe.
/// </para>
/// <para>
/// Any database encoding works, UTF8 or not (LATIN1, SQL_ASCII, another). A job, a node's name or a node's instance id to
/// write that holds a character the encoding cannot hold (a CJK name on LATIN1) is refused with PostgreSQL's error
/// (<c>22P05</c>, which names the encoding), and nothing is written; a run's error and result are recorded with such
/// characters replaced (see <see cref="CompleteRunAsync"/>). A key a caller passes only to find something (the id
/// given to <see cref="GetAsync"/>, <see cref="UpdateAsync"/>, <see cref="CancelAsync"/>, <see cref="SetPausedAsync"/>,
/// <see cref="DeleteAsync"/>, <see cref="ClaimNowAsync"/>, <see cref="GetRunsAsync"/> and <see cref="LeaveAsync"/>; a
/// run's ids in a completion, a give-back or a heartbeat; a list filter) that holds such a character, or U+0000 or half a
/// surrogate pair, which no database holds, is in no row: the call answers as for a key the store does not have, as every
/// store does, without sending it.
/// </para>
/// </remarks>
public sealed partial class PostgreSqlJobStore : IJobStore, IAsyncDisposable, IDisposable
{
    private const int MaxTriggerCache = 4096;

    /// <summary>A lease longer than this is cut to it, so that server time plus lease never leaves the range of ticks.</summary>
    private static readonly long s_maxLeaseTicks = TimeSpan.FromDays(365 * 100).Ticks;

    /// <summary>Gets the lease that <c>schedctl</c> and the generic host give a scheduler on this store when none is set: 3 seconds.</summary>
    /// <value>3 seconds: renewed every second, so that the runs of a node that dies are recovered by another in about 4 seconds.</value>
    /// <remarks>
    /// A <see cref="Scheduler"/> built in code keeps its own default (<see cref="SchedulerOptions.LeaseDuration"/>, 5 minutes),
    /// which suits a store only one process uses; on this store set <see cref="SchedulerOptions.LeaseDuration"/> to this value,
    /// or longer where pauses of seconds are normal.
    /// </remarks>
    public static TimeSpan RecommendedLeaseDuration { get; } = TimeSpan.FromSeconds(3);

    private readonly NpgsqlDataSource _source;
    private readonly bool _ownsSource;
    private readonly string _schema;
    private readonly string _s;
    private readonly string _channel;
    private readonly string _storeId = Guid.NewGuid().ToString("N");
    private readonly RunHistoryOptions _history;
    private readonly ILogger _logger;
    private readonly JobRetentionOptions _retention;
    private readonly TimeProvider? _clock;
    private readonly ServerClock _serverClock = new();
    private readonly ChangeListener? _listener;
    private readonly ConcurrentDictionary<string, Trigger> _triggers = new(StringComparer.Ordinal);
    private readonly Lock _readyLock = new();

    /// <summary>Held while the connection kept for heartbeats is in use (see <see cref="RenewAsync(NodeHeartbeat, CancellationToken)"/>).</summary>
    private readonly Lock _heartbeatLock = new();
    private NpgsqlConnection? _heartbeatConnection;
    private Task? _ready;
    private bool _disposed;

    /// <summary>Creates a store with the default options on a PostgreSQL database, reached through a data source the caller owns.</summary>
    /// <param name="dataSource">The data source; the store does not dispose it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    /// <remarks>Nothing is read or written until the first call: the schema is created or migrated then (or by <see cref="MigrateAsync"/>).</remarks>
    public PostgreSqlJobStore(NpgsqlDataSource dataSource)
        : this(dataSource, ownsSource: false, new PostgreSqlJobStoreOptions())
    {
    }

    /// <summary>Creates a store on a PostgreSQL database, reached through a data source the caller owns.</summary>
    /// <param name="dataSource">The data source; the store does not dispose it.</param>
    /// <param name="options">The options, validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    /// <remarks>Nothing is read or written until the first call: the schema is created or migrated then (or by <see cref="MigrateAsync"/>).</remarks>
    public PostgreSqlJobStore(NpgsqlDataSource dataSource, PostgreSqlJobStoreOptions options)
        : this(dataSource, ownsSource: false, options ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>Creates a store with the default options on a PostgreSQL database, with a data source of its own (disposed with the store).</summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <exception cref="ArgumentNullException"><paramref name="connectionString"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection string is not valid.</exception>
    /// <remarks>The data source is <see cref="CreateDataSource"/>'s: the store's statements are prepared on each connection.</remarks>
    public PostgreSqlJobStore(string connectionString)
        : this(CreateDataSource(connectionString), ownsSource: true, new PostgreSqlJobStoreOptions())
    {
    }

    /// <summary>
    /// Gets the number of statements each connection keeps prepared that <see cref="CreateDataSource"/> sets when the connection
    /// string sets none (Npgsql's <c>Max Auto Prepare</c>): 64.
    /// </summary>
    /// <value>64: more than the statements the store runs again and again.</value>
    public static int RecommendedMaxAutoPrepare => 64;

    /// <summary>
    /// Creates a data source for the store: the connection string as given, with Npgsql's automatic preparation on
    /// (<c>Max Auto Prepare</c> <see cref="RecommendedMaxAutoPrepare"/>) and the pool's reset of each connection it hands out
    /// again off (<c>No Reset On Close</c>), each unless the connection string sets it.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <returns>The data source, which the caller owns.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connectionString"/> is null.</exception>
    /// <exception cref="ArgumentException">The connection string is not valid.</exception>
    /// <remarks>
    /// <para>
    /// A statement the store runs often (claims, completions, heartbeats) is then parsed and planned once per connection
    /// rather than at every call (bench/README.md, "Many nodes", measures what that saves).
    /// </para>
    /// <para>
    /// The reset Npgsql otherwise runs on a pooled connection before its next use is seven statements (<c>DISCARD</c>,
    /// <c>RESET ALL</c>, <c>UNLISTEN *</c> and the like) in every transaction's first round trip: about as many statements as
    /// scheduling a job takes itself. The store leaves no session state behind for it to clear: its settings are
    /// <c>SET LOCAL</c>, its advisory lock is the transaction's, and its listener stops listening before it lets its
    /// connection go. Code of your own that sets session state on the same data source should set
    /// <c>No Reset On Close=false</c> in the connection string.
    /// </para>
    /// <para>A data source built otherwise works the same, without these savings.</para>
    /// </remarks>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);

        // Npgsql's builder says it contains every keyword it knows: look at the keys the string itself holds.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Sets(string keyword) => given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals(keyword, StringComparison.OrdinalIgnoreCase));
        if (!Sets("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = RecommendedMaxAutoPrepare;
        }

        if (!Sets("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return NpgsqlDataSource.Create(builder);
    }

    private PostgreSqlJobStore(NpgsqlDataSource dataSource, bool ownsSource, PostgreSqlJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (options.Validate() is { Count: > 0 } problems)
        {
            if (ownsSource)
            {
                dataSource.Dispose();
            }

            throw new ArgumentException("The PostgreSQL store options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        _source = dataSource;
        _ownsSource = ownsSource;
        _schema = options.Schema;
        _s = StoreSchema.Quote(_schema) + ".";
        _channel = ChannelOf(_schema);
        _history = options.History;
        _retention = options.Retention;
        _clock = options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        if (options.ListenForChanges)
        {
            _listener = new ChangeListener(_source, _channel, _storeId, RaiseForeign, TimeProvider.System);
        }
    }

    /// <inheritdoc/>
    public event EventHandler<JobStoreChange>? Changed;

    /// <inheritdoc/>
    /// <value>Always <see langword="true"/>.</value>
    public bool IsDurable => true;

    /// <inheritdoc/>
    /// <value>
    /// The server's clock as seen from this process (the local clock plus the offset measured when the store opened and at each
    /// claim), or <see cref="PostgreSqlJobStoreOptions.TimeProvider"/> when one is set.
    /// </value>
    public TimeProvider TimeProvider => _clock ?? _serverClock;

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema => _schema;

    /// <summary>
    /// Gets the DDL of the store's schema at this version, for a DBA who installs it by hand: the version table, every script of
    /// the package's <c>Schema</c> folder in order (what the store runs to create the schema), and the version recorded. Run it
    /// in one transaction with the schema as the search path (<c>CREATE SCHEMA codomyrmex; SET search_path TO codomyrmex;</c>);
    /// the store then finds the schema current and runs no DDL.
    /// </summary>
    /// <returns>The SQL script.</returns>
    public static string GetSchemaScript() => StoreSchema.FullScript();

    /// <summary>Creates the schema, or migrates it to this version, if that was not done yet; the first call of any member does it too.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the store is ready.</returns>
    /// <exception cref="InvalidOperationException">The schema was made by a newer version of the store.</exception>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public Task MigrateAsync(CancellationToken cancellationToken = default) => EnsureReadyAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        lock (_heartbeatLock)
        {
            _heartbeatConnection?.Dispose();
            _heartbeatConnection = null;
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsSource)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Gets a value indicating whether the store is listening for other instances' changes right now.</summary>
    /// <value>
    /// <see langword="false"/> before the first call, while the listening connection is being opened again after it was lost,
    /// and when <see cref="PostgreSqlJobStoreOptions.ListenForChanges"/> is off. A health check reports it: meanwhile changes made
    /// on other nodes are noticed only when this node claims or reads.
    /// </value>
    public bool IsListening => _listener?.IsListening ?? false;

    /// <summary>Gets the server process id of the connection that listens for changes (0 while it is reconnecting), for tests.</summary>
    internal int ListenerProcessId => _listener?.BackendProcessId ?? 0;

    /// <summary>Gets how many times the listener has connected, for tests.</summary>
    internal int ListenerConnections => _listener?.Connections ?? 0;

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static long AddLease(long now, TimeSpan lease) => now + Math.Clamp(lease.Ticks, 0, s_maxLeaseTicks);

    private static string ArgsJson(IReadOnlyList<object?> args) => args.Count == 0 ? "[]" : JobArguments.ToJson(args).ToJsonString();

    private static string KwargsJson(IReadOnlyDictionary<string, object?> kwargs) => kwargs.Count == 0 ? "{}" : JobArguments.ToJson(kwargs).ToJsonString();

    private Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task? ready = _ready;
        if (ready is { IsCompletedSuccessfully: true })
        {
            return ready;
        }

        lock (_readyLock)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = OpenAsync(cancellationToken);
            }

            return _ready;
        }
    }

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        await StoreSchema.MigrateAsync(_source, _schema, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (connection.PostgresParameters.TryGetValue("server_encoding", out string? encoding))
            {
                _serverEncoding = encoding;
            }

            using var command = new NpgsqlCommand("SELECT " + Db.Now, connection);
            Db.AddNow(command, null);
            _serverClock.Observe((long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
        }

        if (_listener is not null)
        {
            await _listener.StartAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction, notifies its changes in it, commits, then raises them.</summary>
    private async Task<T> InTransactionAsync<T>(Func<StoreTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        T result;
        StoreTransaction store;
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                store = new StoreTransaction(connection, transaction, _clock);
                result = await work(store).ConfigureAwait(false);
                if (store.Changes.Count > 0)
                {
                    using NpgsqlCommand notify = store.Command("SELECT pg_notify(@channel, p) FROM unnest(@payloads) AS p");
                    Db.Add(notify, "channel", _channel);
                    Db.Add(notify, "payloads", store.Changes.Select(c => ChangeListener.Payload(_storeId, c)).ToArray());
                    await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (JobStoreChange change in store.Changes)
        {
            JobStoreEvents.Raise(Changed, this, change, _logger);
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction its own SQL begins and ends: its first batch starts with <c>BEGIN</c>
    /// (<see cref="AddBegin"/>) and its last ends with <see cref="AddCommit"/>, so that neither costs a round trip of its
    /// own. When <paramref name="work"/> throws, the transaction is rolled back; once it returns, its changes are raised.
    /// </summary>
    private async Task<T> InBatchedTransactionAsync<T>(Func<StoreTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var store = new StoreTransaction(await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), null!, _clock);
        await using (store.Connection.ConfigureAwait(false))
        {
            try
            {
                T result = await work(store).ConfigureAwait(false);
                foreach (JobStoreChange change in store.Changes)
                {
                    JobStoreEvents.Raise(Changed, this, change, _logger);
                }

                return result;
            }
            catch when (store.Connection.State == System.Data.ConnectionState.Open)
            {
                await RollBackQuietlyAsync(store.Connection).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// How long a claim's, a completion's or a recovery's transaction may wait for this process between its round trips before
    /// the server ends the session, which rolls the transaction back and frees its rows: a node paused (stopped, or starved of
    /// CPU) in the middle of one must not hold the jobs it locked for the whole pause, since no other node can claim, complete
    /// or recover them meanwhile. Five seconds by default: a second was measured too short, since a loaded process's thread pool can delay the continuation between the round trips for longer, and a transaction ended for that fails a claim or costs a completion a second try; tests shorten it.
    /// </summary>
    internal int TransactionIdleTimeoutMilliseconds { get; set; } = 5000;

    /// <summary>Called between the two round trips of a claim, a completion, a run-now, an update, a pause or resume, or a delete (tests pause a transaction there); <see langword="null"/> by default.</summary>
    internal Func<Task>? BetweenRoundTrips { get; set; }

    /// <summary>
    /// Starts a batched transaction's first batch: <c>BEGIN</c>, and the server's limit on how long the transaction may stay idle
    /// (<see cref="TransactionIdleTimeoutMilliseconds"/>), which costs no round trip of its own.
    /// </summary>
    private void AddBegin(NpgsqlBatch batch)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SET LOCAL idle_in_transaction_session_timeout = " + TransactionIdleTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>Runs the test hook between a transaction's round trips, if any.</summary>
    private Task BetweenRoundTripsAsync() => BetweenRoundTrips is { } pause ? pause() : Task.CompletedTask;

    /// <summary>Ends a batched transaction's last batch: the notification of its changes (if any), then <c>COMMIT</c>.</summary>
    private void AddCommit(NpgsqlBatch batch, StoreTransaction store)
    {
        if (store.Changes.Count > 0)
        {
            var notify = new NpgsqlBatchCommand("SELECT pg_notify($1, p) FROM unnest($2) AS p");
            notify.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _channel });
            notify.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. store.Changes.Select(c => ChangeListener.Payload(_storeId, c))] });
            batch.BatchCommands.Add(notify);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
    }

    /// <summary>Reads the results a batch's reader has left (the last batch's <c>COMMIT</c>), so that an error in them is thrown here.</summary>
    private static async Task DrainAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Runs a batch that ends a batched transaction and has no rows to read (a <c>COMMIT</c>, with its notification).</summary>
    private async Task CommitAsync(StoreTransaction store, CancellationToken cancellationToken)
    {
        var batch = new NpgsqlBatch(store.Connection);
        await using (batch.ConfigureAwait(false))
        {
            AddCommit(batch, store);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a read on a connection of its own, outside any transaction.</summary>
    private async Task<T> ReadAsync<T>(Func<StoreTransaction, Task<T>> read, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        NpgsqlConnection connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await read(new StoreTransaction(connection, null!, _clock)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The notification channel of a schema's stores: a hash of the schema's name, so that it stays within PostgreSQL's 63 bytes
    /// for every schema name, which <c>pg_notify</c> would refuse and <c>LISTEN</c> would cut short.
    /// </summary>
    internal static string ChannelOf(string schema) =>
        "codomyrmex_changes_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(schema)).AsSpan(0, 16));

    private void RaiseForeign(JobStoreChange change) => JobStoreEvents.Raise(Changed, this, change, _logger);

    private static JobStoreChange Change(JobStoreChangeKind kind, JobRow row)
    {
        long due = row.State.DueAtTicks;
        return new JobStoreChange { Kind = kind, JobId = row.Id, DueAt = due == 0 ? null : Utc(due) };
    }

    /// <summary>
    /// Reads a job's row and the store's time, locking the row until the transaction ends; with <paramref name="skipLocked"/>,
    /// a row another transaction holds is not waited for and reads as no row.
    /// </summary>
    private async Task<(JobRow? Row, long Now)> LockJobAsync(StoreTransaction store, string id, CancellationToken cancellationToken, bool skipLocked = false)
    {
        using NpgsqlCommand command = store.Command(
            $"SELECT {JobRow.Columns}, {Db.Now} FROM {_s}jobs WHERE id = @id FOR UPDATE" + (skipLocked ? " SKIP LOCKED" : ""));
        Db.Add(command, "id", id);
        NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (null, 0);
            }

            return (JobRow.Read(reader), reader.GetInt64(38));
        }
    }

    /// <summary>
    /// Changes one job under its row lock in two round trips: the first sends <c>BEGIN</c>, the idle limit (<see cref="AddBegin"/>)
    /// and the locking read of the row with the store's time; <paramref name="decide"/> then looks at the row (<see langword="null"/>
    /// when there is none), adds what to write to the second batch and the changes to notify, and that batch ends with the
    /// notification and <c>COMMIT</c> (<see cref="AddCommit"/>). When <paramref name="decide"/> throws, the transaction is rolled back.
    /// </summary>
    private Task<T> ChangeJobAsync<T>(string id, Func<StoreTransaction, JobRow?, long, NpgsqlBatch, T> decide, CancellationToken cancellationToken) =>
        InBatchedTransactionAsync(async store =>
        {
            JobRow? row = null;
            long now = 0;
            var find = new NpgsqlBatch(store.Connection);
            await using (find.ConfigureAwait(false))
            {
                AddBegin(find);
                var select = new NpgsqlBatchCommand($"SELECT {JobRow.Columns}, {Db.Now} FROM {_s}jobs WHERE id = @id FOR UPDATE");
                Db.AddNow(select.Parameters, _clock);
                Db.Add(select.Parameters, "id", id);
                find.BatchCommands.Add(select);
                NpgsqlDataReader reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        row = JobRow.Read(reader);
                        now = reader.GetInt64(38);
                    }
                }
            }

            await BetweenRoundTripsAsync().ConfigureAwait(false);
            var write = new NpgsqlBatch(store.Connection);
            await using (write.ConfigureAwait(false))
            {
                T result = decide(store, row, now, write);
                AddCommit(write, store);
                await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
        }, cancellationToken);

    /// <summary>The <c>UPDATE</c> that writes a row's state (and, with <paramref name="definition"/>, its definition) back, for a batch.</summary>
    private NpgsqlBatchCommand WriteCommand(JobRow row, bool definition)
    {
        var update = new NpgsqlBatchCommand(definition
            ? $"UPDATE {_s}jobs SET {JobRow.StateAssignments}, {JobRow.DefinitionAssignments} WHERE id = @id"
            : $"UPDATE {_s}jobs SET {JobRow.StateAssignments} WHERE id = @id");
        row.BindState(update.Parameters);
        if (definition)
        {
            row.BindDefinition(update.Parameters);
        }

        return update;
    }

    /// <summary>Reads the store's time.</summary>
    private static async Task<long> NowAsync(StoreTransaction store, CancellationToken cancellationToken)
    {
        using NpgsqlCommand command = store.Command("SELECT " + Db.Now);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Writes a row's state (and, with <paramref name="definition"/>, its definition) back.</summary>
    private async Task WriteAsync(StoreTransaction store, JobRow row, bool definition, CancellationToken cancellationToken)
    {
        string sql = definition
            ? $"UPDATE {_s}jobs SET {JobRow.StateAssignments}, {JobRow.DefinitionAssignments} WHERE id = @id"
            : $"UPDATE {_s}jobs SET {JobRow.StateAssignments} WHERE id = @id";
        using NpgsqlCommand command = store.Command(sql);
        row.BindState(command);
        if (definition)
        {
            row.BindDefinition(command);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The job's trigger, read from its JSON once and then kept (triggers are immutable).</summary>
    private Trigger? TriggerOf(JobRow row)
    {
        if (row.TriggerJson is not { } json)
        {
            return null;
        }

        if (_triggers.TryGetValue(json, out Trigger? trigger))
        {
            return trigger;
        }

        try
        {
            trigger = Trigger.FromJson(json);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException(
                $"The trigger of job '{row.Id}' ({row.Name}) in schema '{_schema}' cannot be read: {e.Message} The stored JSON is {json}", e);
        }

        CacheTrigger(json, trigger);
        return trigger;
    }

    private void CacheTrigger(string json, Trigger trigger)
    {
        if (_triggers.Count >= MaxTriggerCache)
        {
            _triggers.Clear();
        }

        _triggers[json] = trigger;
    }

    private Job ToJob(JobRow row) => ToJob(row, null, keepStoredResult: true);

    /// <summary>The job of a row; with <paramref name="keepStoredResult"/> false its result is <paramref name="result"/> rather than the stored JSON.</summary>
    private Job ToJob(JobRow row, object? result, bool keepStoredResult)
    {
        Trigger? trigger;
        try
        {
            trigger = TriggerOf(row);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is FormatException && row.State.Status == JobStatus.Failed)
        {
            // A job failed for its damaged trigger is still listed and shown, without a trigger: its Error says what is wrong.
            trigger = null;
        }

        return new Job
        {
            Id = row.Id,
            Name = row.Name,
            Task = row.Task,
            Args = row.Args == "[]" ? [] : JobArguments.FromJson(JsonNode.Parse(row.Args)!.AsArray()),
            Kwargs = row.Kwargs == "{}" ? JobArguments.NoKwargs : JobArguments.FromJson(JsonNode.Parse(row.Kwargs)!.AsObject()),
            Trigger = trigger,
            Status = row.State.Status,
            CreatedAt = Utc(row.CreatedAt),
            LastRun = row.State.LastRunTicks == 0 ? null : Utc(row.State.LastRunTicks),
            NextRun = row.State.GetShownNextRun(trigger),
            RunCount = row.State.RunCount,
            MaxRuns = row.MaxRuns,
            Result = keepStoredResult ? (row.Result is null ? null : JsonNode.Parse(row.Result)) : result,
            Error = row.Error,
            FailureCount = row.State.FailureCount,
            LastDuration = row.State.LastRunTicks == 0 ? null : TimeSpan.FromTicks(row.State.LastDurationTicks),
            Options = row.Options,
            Source = row.Source,
            ActiveRuns = row.State.ActiveRuns,
            IsPaused = row.State.IsPaused,
            FinishedAt = row.FinishedAt == 0 ? null : Utc(row.FinishedAt),
            Version = row.State.Version,
        };
    }
}
