using Codomyrmex.Scheduler.Sqlite.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>A durable store in one SQLite file: jobs, their next runs, counters and run history survive restarts and crashes.</summary>
/// <remarks>
/// <para>
/// The file is opened in write-ahead-log mode. Every operation is atomic: a change is one <c>BEGIN IMMEDIATE</c> transaction
/// (a read one deferred transaction) that applies the store rules of <see cref="JobState"/>, so a scheduler behaves
/// identically on this store and on <see cref="InMemoryJobStore"/>; <see cref="CompleteRunAsync"/> writes the job's new state
/// and its run-history row in the same transaction. See <see cref="SqliteJobStoreOptions.FlushEveryCommit"/> for what a commit
/// survives.
/// </para>
/// <para>
/// The store's clock (<see cref="SqliteJobStoreOptions.TimeProvider"/>) is the clock of record: what is due, when a lease ends
/// and whether it expired, when a node stops counting as alive, <see cref="Job.FinishedAt"/> and retention are all decided by
/// it. Every claim takes a fencing token from a counter in the file that only grows, in the claim's transaction; a completion
/// or renewal with a token that is no longer the run's live claim changes nothing.
/// </para>
/// <para>
/// One process dispatches from a file at a time. The first call of a process that dispatches (<see cref="ClaimDueAsync"/>,
/// <see cref="RecoverExpiredAsync"/>) takes an operating-system lock on <c>&lt;path&gt;.lock</c> and records the holder (process
/// id, name, host, since) in the file; another process that tries is refused with an <see cref="InvalidOperationException"/>
/// naming the holder. Store instances of the holding process share its lock: they may all dispatch, and share the file's runs
/// through their leases and fencing tokens, as nodes share a database. The lock dies with its process, so a crashed holder's
/// lock is simply taken over, and every run it had claimed is then recovered as interrupted by <see cref="RecoverExpiredAsync"/>,
/// whatever its lease said. Stores that only read and change jobs (<c>schedctl jobs list</c>, <c>cancel</c>) never take the
/// lock and may share the file with the dispatching process.
/// </para>
/// <para>
/// Every change to a job that another process must act on (a cancel, a delete, a pause, an update, a run due again) is also
/// logged in the file, in the change's own transaction. Other store instances on the file (another process's, or another in
/// this process) read the log when the file's change counter (<c>PRAGMA data_version</c>) moves, which they look at every
/// <see cref="SqliteJobStoreOptions.PollInterval"/>, and raise <see cref="Changed"/> with the job's id: a
/// <c>schedctl jobs cancel</c> reaches the dispatching process within a poll. Adds are not logged, so that adding a job writes
/// only its row: when the counter moves, the instance raises one <see cref="JobStoreChangeKind.Added"/> change without a job id
/// and with the earliest due time, which is all a dispatcher needs to know of jobs added elsewhere.
/// </para>
/// <para>
/// <see cref="ClaimNowAsync"/> (a manual run, <c>schedctl jobs run</c>) and <see cref="RenewAsync"/> do not need the lock
/// either: a manual run may be made from another process while one dispatches, and the dispatcher sees it in the job's counters
/// and its overlap policy as it would a run of its own. A run claimed by a store that does not hold the lock is tied to its lease
/// only, as on a cluster: its process renews the lease while it runs, and if that process dies, the run is recovered as
/// interrupted once the lease has expired.
/// </para>
/// <para>
/// Jobs must run registered tasks: delegates cannot be stored. Arguments, keyword arguments and results are kept as JSON and
/// read back as <see cref="System.Text.Json.Nodes.JsonNode"/> values.
/// </para>
/// <para>
/// Opening a file checks it before writing anything: that it is a SQLite database, not truncated, a job store (or empty) of a
/// schema version this code reads, with every table, index and trigger of that version. This reads the header and the schema
/// only, so a store of a million jobs opens in milliseconds; <see cref="SqliteJobStoreOptions.IntegrityCheck"/> adds a check of
/// every page, which takes seconds at that size. A file that fails is refused with an <see cref="InvalidOperationException"/>
/// naming it, and is left exactly as it was; SQLite may have created its <c>-wal</c> and <c>-shm</c> files beside it, which hold
/// nothing of the store's. A writable store then switches the file to write-ahead logging and creates or upgrades the schema;
/// the lock file <c>&lt;path&gt;.lock</c> appears only when a process first dispatches. See
/// <see cref="SqliteJobStoreOptions.ReadOnly"/> for a store that never writes.
/// </para>
/// <para>
/// SQLite checks every page it reads. An operation that reads a damaged page throws an <see cref="InvalidOperationException"/>
/// that names the file and says it is damaged, and its transaction is rolled back, so it changes nothing.
/// </para>
/// <para>All members are thread-safe: one connection serves the store, one operation at a time.</para>
/// </remarks>
public sealed partial class SqliteJobStore : IJobStore, IAsyncDisposable, IDisposable
{
    /// <summary>How long logged changes are kept at least, for store instances that read them late.</summary>
    private static readonly TimeSpan s_minChangeRetention = TimeSpan.FromMinutes(10);

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly bool _readOnly;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JobRetentionOptions _retention;
    private readonly TimeSpan _changeRetention;
    private readonly StoreConnection _db;
    private readonly JobTable _jobs;
    private readonly ClaimTable _claims;
    private readonly RunHistoryTable _history;
    private readonly NodeTable _nodes;
    private readonly ChangeLog _changes;
    private readonly ITimer? _poll;
    private long _dataVersion;

    /// <summary>Whether a poll read a damaged page and logged it, and no poll has succeeded since (guarded by the lock).</summary>
    private bool _pollFoundDamage;
    private bool _disposed;

    /// <summary>Opens (or creates) a store in the file at <paramref name="path"/> with the default options.</summary>
    /// <param name="path">The database file.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">
    /// The file is not a SQLite database, is damaged, is another program's database, has a newer schema, is read-only or is
    /// locked, or is a folder; a read-only store also refuses a missing file and one that is not yet a job store.
    /// </exception>
    public SqliteJobStore(string path)
        : this(new SqliteJobStoreOptions { Path = path })
    {
    }

    /// <summary>Opens (or creates) a store as the options say.</summary>
    /// <param name="options">The file, durability, waits, clock, history and retention.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">
    /// The file is not a SQLite database, is damaged, is another program's database, has a newer schema, is read-only or is
    /// locked, or is a folder; a read-only store also refuses a missing file and one that is not yet a job store.
    /// </exception>
    public SqliteJobStore(SqliteJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The SQLite store options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        _path = System.IO.Path.GetFullPath(options.Path);
        _readOnly = options.ReadOnly;
        _time = options.TimeProvider;
        _logger = options.Logger ?? NullLogger.Instance;
        _retention = options.Retention;
        _changeRetention = options.PollInterval == Timeout.InfiniteTimeSpan || options.PollInterval * 10 < s_minChangeRetention
            ? s_minChangeRetention
            : options.PollInterval * 10;
        _db = SqliteSchema.Open(_path, options);
        try
        {
            _jobs = new JobTable(_db, _path, _time);
            _claims = new ClaimTable(_db);
            _history = new RunHistoryTable(_db, options.History);
            _nodes = new NodeTable(_db);

            // Tells this instance's logged changes from other instances' (which it raises when it reads them).
            _changes = new ChangeLog(_db, RunIds.New());
            _dataVersion = _db.DataVersion;
            _changes.SkipToEnd();
            if (options.PollInterval != Timeout.InfiniteTimeSpan)
            {
                _poll = _time.CreateTimer(static state => ((SqliteJobStore)state!).Poll(), this, options.PollInterval, options.PollInterval);
            }
        }
        catch (SqliteException e)
        {
            DisposeCore();
            throw SqliteSchema.Explain(e, _path, _readOnly);
        }
        catch
        {
            DisposeCore();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Changes made through this store are raised synchronously after their transaction commits. Changes that other store
    /// instances make to the file (other processes, such as <c>schedctl</c>, or other stores in this process) are raised, with
    /// their job ids, within <see cref="SqliteJobStoreOptions.PollInterval"/>, on the poll's timer thread; if this store read the
    /// log too late to see some of them, it raises one change of kind <see cref="JobStoreChangeKind.Unknown"/> instead.
    /// </remarks>
    public event EventHandler<JobStoreChange>? Changed;

    /// <inheritdoc/>
    /// <value>Always <see langword="true"/>.</value>
    public bool IsDurable => true;

    /// <inheritdoc/>
    /// <value>The clock of <see cref="SqliteJobStoreOptions.TimeProvider"/>.</value>
    public TimeProvider TimeProvider => _time;

    /// <summary>Gets the full path of the database file.</summary>
    public string Path => _path;

    /// <summary>Closes the file and lets go of the dispatch lock, if this store holds it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        DisposeCore();
    }

    /// <summary>Closes the file and lets go of the dispatch lock, if this store holds it.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>The error of an operation that read a damaged page (its transaction is rolled back as the error leaves it).</summary>
    private InvalidOperationException Damaged(SqliteException e) => SqliteSchema.Damaged(_path, e);

    /// <summary>The store's time, and that time plus <paramref name="duration"/> (the end of the longest date if it would pass it).</summary>
    private (DateTimeOffset Now, DateTimeOffset Until) NowPlus(TimeSpan duration)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return (now, duration >= DateTimeOffset.MaxValue - now ? DateTimeOffset.MaxValue : now + duration);
    }

    /// <summary>Begins a write transaction, refusing it first on a read-only store.</summary>
    private StoreTransaction BeginWrite()
    {
        ThrowIfReadOnly();
        return _db.Begin();
    }

    /// <summary>Refuses a change on a store opened with <see cref="SqliteJobStoreOptions.ReadOnly"/>, before the file is touched.</summary>
    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException($"The job store '{_path}' was opened read-only, so it cannot be changed.");
        }
    }

    /// <summary>Logs a change of one job for other store instances; call inside the transaction that makes it.</summary>
    private JobStoreChange LogChange(JobStoreChangeKind kind, JobRow row, long now)
    {
        long due = row.State.DueAtTicks;
        _changes.Write(kind, row.Id, due, now);
        return new JobStoreChange { Kind = kind, JobId = row.Id, DueAt = due == 0 ? null : Utc(due) };
    }

    private void Raise(in JobStoreChange change) => JobStoreEvents.Raise(Changed, this, change, _logger);

    private void DisposeCore()
    {
        _poll?.Dispose();
        lock (_lock)
        {
            ReleaseDispatchLock();
            _db.Dispose();
        }
    }

    /// <summary>Raises the changes other store instances logged, when the file's change counter says there may be some.</summary>
    private void Poll()
    {
        if (!_lock.TryEnter())
        {
            return; // busy with an operation: the next tick looks again.
        }

        List<JobStoreChange>? changes = null;
        try
        {
            if (_disposed)
            {
                return;
            }

            long version = _db.DataVersion;
            if (version != _dataVersion)
            {
                // Adds are not logged (they would cost every add a second row): another instance may have added jobs, so
                // say when the earliest job is due; a dispatcher that wakes by then anyway ignores it. Read first, so that a
                // poll that fails here reads everything again at the next tick.
                long? due = _jobs.NextDue();
                changes = _changes.ReadOthers();
                if (due is { } earliest)
                {
                    (changes ??= []).Add(new JobStoreChange { Kind = JobStoreChangeKind.Added, DueAt = Utc(earliest) });
                }

                _dataVersion = version;
                _pollFoundDamage = false;
            }
        }
        catch (SqliteException e)
        {
            // A poll that fails is simply made again at the next tick: the disk was busy, or a page it read is damaged, which
            // nobody would hear of from a timer thread, so it is logged, once until a poll succeeds again.
            if (SqliteSchema.IsDamage(e) && !_pollFoundDamage)
            {
                _pollFoundDamage = true;
                Log.PollFoundDamage(_logger, _path, e);
            }

            return;
        }
        finally
        {
            _lock.Exit();
        }

        foreach (JobStoreChange change in changes ?? [])
        {
            Raise(change);
        }
    }
}
