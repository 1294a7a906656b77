using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// Opens a store's file: recognises it as ours (<c>PRAGMA application_id</c>), creates or migrates the schema by version
/// (<c>PRAGMA user_version</c>) under a write lock, and turns every way a file can be wrong into an error that names it.
/// </summary>
/// <remarks>
/// Nothing is written to a file before it is known to be ours or empty, so a wrong path never damages another program's
/// database. Times are UTC ticks in INTEGER columns (exact, compact, and compared by plain integer indexes); 0 or NULL means none.
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>"CdmS" in ASCII: marks a file as a Codomyrmex.Scheduler store.</summary>
    public const int ApplicationId = 0x43646D53;

    /// <summary>The schema version this code writes; files of a newer version are refused, older ones migrated.</summary>
    public const int CurrentVersion = 4;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteCantOpen = 14;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    /// <summary>The migrations: step i brings a file from version i to i + 1.</summary>
    private static readonly string[] s_migrations =
    [
        """
        CREATE TABLE jobs (
            seq             INTEGER PRIMARY KEY,   -- insertion order
            id              TEXT    NOT NULL UNIQUE,
            name            TEXT    NOT NULL,
            task            TEXT,
            args            TEXT    NOT NULL,      -- JSON array
            kwargs          TEXT    NOT NULL,      -- JSON object
            trigger         TEXT,                  -- Trigger.ToJson(); NULL: run once, as soon as possible
            max_runs        INTEGER,
            source          TEXT,
            created_at      INTEGER NOT NULL,
            result          TEXT,                  -- JSON of the last successful run's value
            error           TEXT,
            overlap         INTEGER NOT NULL,
            misfire         INTEGER NOT NULL,
            misfire_grace   INTEGER NOT NULL,
            max_attempts    INTEGER NOT NULL,
            retry_delay     INTEGER NOT NULL,
            max_retry_delay INTEGER NOT NULL,
            timeout         INTEGER,
            recoverable     INTEGER NOT NULL DEFAULT 0,
            -- JobState, the changing part that the shared rules update:
            status          INTEGER NOT NULL,
            last_failed     INTEGER NOT NULL,
            run_count       INTEGER NOT NULL,
            failure_count   INTEGER NOT NULL,
            active_runs     INTEGER NOT NULL,
            next_run        INTEGER NOT NULL,
            queued          INTEGER NOT NULL,
            last_run        INTEGER NOT NULL,
            last_duration   INTEGER NOT NULL,
            version         INTEGER NOT NULL,
            retry_at        INTEGER NOT NULL,
            retry_of        INTEGER NOT NULL,
            retry_attempt   INTEGER NOT NULL,
            waits_for_idle  INTEGER NOT NULL,
            retry_is_recovery INTEGER NOT NULL,
            due_at          INTEGER                -- JobState.DueAt, NULL when never due
        );
        CREATE INDEX jobs_due ON jobs (due_at) WHERE due_at IS NOT NULL;
        CREATE INDEX jobs_status ON jobs (status);

        CREATE TABLE claims (
            run_id      TEXT    PRIMARY KEY,              -- the claimed runs; a run leaves this table when it completes or is recovered
            job_seq     INTEGER NOT NULL REFERENCES jobs (seq),
            scheduled   INTEGER NOT NULL,
            claimed_at  INTEGER NOT NULL,
            node        TEXT    NOT NULL,
            lease_until INTEGER NOT NULL,
            attempt     INTEGER NOT NULL,
            is_manual   INTEGER NOT NULL,
            is_recovery INTEGER NOT NULL,
            epoch       INTEGER NOT NULL               -- lock_holder.epoch of the process that claimed it
        ) WITHOUT ROWID;
        CREATE INDEX claims_lease ON claims (lease_until);
        CREATE INDEX claims_node ON claims (node);

        CREATE TABLE runs (
            seq         INTEGER PRIMARY KEY,
            run_id      TEXT    NOT NULL,
            job_id      TEXT    NOT NULL,
            job_name    TEXT    NOT NULL,
            scheduled   INTEGER NOT NULL,
            started_at  INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            node        TEXT    NOT NULL,
            outcome     INTEGER NOT NULL,
            error       TEXT,
            result      TEXT,
            attempt     INTEGER NOT NULL,
            is_manual   INTEGER NOT NULL,
            is_recovery INTEGER NOT NULL
        );
        CREATE INDEX runs_job ON runs (job_id, seq);         -- history is read newest first: by seq, per job or overall

        CREATE TABLE lock_holder (
            id      INTEGER PRIMARY KEY CHECK (id = 1),
            epoch   INTEGER NOT NULL,   -- counts the processes that have dispatched from this file
            active  INTEGER NOT NULL,   -- 0 once the holder let go cleanly
            pid     INTEGER NOT NULL,
            process TEXT    NOT NULL,
            host    TEXT    NOT NULL,
            since   INTEGER NOT NULL
        );
        """,
        // Version 2: pausing (a paused job keeps its schedule, due_at NULL until resumed), and when a job finished, which
        // purging finished jobs by age reads. Jobs that finished before the upgrade count from their last run's end (or
        // their creation if they never ran): the best the file knows of them.
        """
        ALTER TABLE jobs ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN finished_at INTEGER;          -- NULL while the job may run
        UPDATE jobs SET finished_at = max(created_at, CASE WHEN last_run = 0 THEN 0 ELSE last_run + last_duration END)
            WHERE status IN (2, 3, 4);                            -- JobStatus Completed, Failed, Cancelled
        """,
        // Version 3: the store contract for many nodes. Runs are held by a scheduler instance (instance_id, the old node
        // column) with its node name and a fencing token from a counter that only grows; nodes beat into a table by the
        // store's clock; changes are logged for other store instances to read; finished jobs are found by finished_at;
        // and a declared job (source, name) is live at most once. Live duplicates an older version let in are cancelled,
        // all but the first, saying why (the first keeps running as before).
        """
        ALTER TABLE claims RENAME COLUMN node TO instance_id;
        ALTER TABLE claims ADD COLUMN node_name TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN fencing_token INTEGER NOT NULL DEFAULT 0;
        UPDATE claims SET node_name = instance_id;
        DROP INDEX claims_node;
        CREATE INDEX claims_instance ON claims (instance_id);
        ALTER TABLE runs ADD COLUMN instance_id TEXT;                -- NULL for runs recorded before version 3

        CREATE TABLE counters (
            name  TEXT    PRIMARY KEY,                               -- 'fencing': the last fencing token handed out
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO counters (name, value) VALUES ('fencing', 0);

        CREATE TABLE nodes (
            seq         INTEGER PRIMARY KEY,                         -- the order nodes first beat
            instance_id TEXT    NOT NULL UNIQUE,
            name        TEXT    NOT NULL,
            host        TEXT    NOT NULL,
            pid         INTEGER NOT NULL,
            started_at  INTEGER NOT NULL,
            last_seen   INTEGER NOT NULL,                            -- the store's clock at the last heartbeat
            alive_until INTEGER NOT NULL                             -- the store's clock: dead after this
        );

        CREATE TABLE changes (
            id     INTEGER PRIMARY KEY,                              -- never reused (pruning keeps the newest), so a reader's last id stays valid
            job_id TEXT,                                             -- NULL: many jobs
            kind   INTEGER NOT NULL,                                 -- JobStoreChangeKind
            due_at INTEGER,                                          -- the job's due time after the change
            at     INTEGER NOT NULL,                                 -- the store's clock; pruned by age
            origin TEXT    NOT NULL                                  -- the store instance that wrote it
        );

        UPDATE jobs SET status = 4, paused = 0, next_run = 0, queued = 0, retry_at = 0, retry_is_recovery = 0, due_at = NULL,
            version = version + 1, finished_at = $now,
            error = 'Cancelled: another live job has the same source and name (a duplicate declared job, cancelled on upgrade).'
            WHERE source IS NOT NULL AND status IN (0, 1) AND EXISTS (SELECT 1 FROM jobs AS first WHERE first.source = jobs.source
                AND first.name = jobs.name AND first.status IN (0, 1) AND first.seq < jobs.seq);
        CREATE UNIQUE INDEX jobs_declared ON jobs (source, name) WHERE source IS NOT NULL AND status IN (0, 1);  -- Pending, Running
        CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
        """,
        // Version 4: a million jobs. Listing by name, name prefix or source reads a range of an index (each index ends with
        // the rowid, seq, so a range is in the order jobs were added), and jobs are counted as they come, finish and go
        // (triggers, in the transaction that changes them) rather than by reading every job, so a page's total and the
        // jobs-by-status gauge cost the same at any size. Counted by class: live (pending or running: a claim or a completion
        // that moves a job between the two writes nothing more) and each finished status; running jobs, as many as runs in
        // progress, are counted from the status index. The status index is (status, seq) already: seq is the rowid.
        """
        CREATE INDEX jobs_name ON jobs (name);                                   -- BINARY collation: ordinal ranges
        CREATE INDEX jobs_source ON jobs (source) WHERE source IS NOT NULL;

        CREATE TABLE job_counts (
            class INTEGER PRIMARY KEY,                                           -- 0: pending or running; else the JobStatus
            jobs  INTEGER NOT NULL
        );
        INSERT INTO job_counts (class, jobs) VALUES (0, 0), (2, 0), (3, 0), (4, 0);
        UPDATE job_counts SET jobs = (SELECT count(*) FROM jobs WHERE (jobs.status >= 2) * jobs.status = job_counts.class);
        CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs BEGIN
            UPDATE job_counts SET jobs = jobs + 1 WHERE class = (new.status >= 2) * new.status;
        END;
        CREATE TRIGGER jobs_counted_delete AFTER DELETE ON jobs BEGIN
            UPDATE job_counts SET jobs = jobs - 1 WHERE class = (old.status >= 2) * old.status;
        END;
        CREATE TRIGGER jobs_counted_status AFTER UPDATE OF status ON jobs
            WHEN (old.status >= 2) * old.status <> (new.status >= 2) * new.status BEGIN
            UPDATE job_counts SET jobs = jobs - 1 WHERE class = (old.status >= 2) * old.status;
            UPDATE job_counts SET jobs = jobs + 1 WHERE class = (new.status >= 2) * new.status;
        END;
        """,
    ];

    /// <summary>The tables, indexes and triggers of the current version, which the store's statements rely on (a migration adds its own here).</summary>
    private static readonly (string Type, string Name)[] s_objects =
    [
        ("table", "jobs"), ("table", "claims"), ("table", "runs"), ("table", "lock_holder"), ("table", "counters"), ("table", "nodes"),
        ("table", "changes"), ("table", "job_counts"),
        ("index", "jobs_due"), ("index", "jobs_status"), ("index", "claims_lease"), ("index", "claims_instance"), ("index", "runs_job"),
        ("index", "jobs_declared"), ("index", "jobs_finished"), ("index", "jobs_name"), ("index", "jobs_source"),
        ("trigger", "jobs_counted_insert"), ("trigger", "jobs_counted_delete"), ("trigger", "jobs_counted_status"),
    ];

    /// <summary>Opens the file, checks that it is ours, sets WAL and creates or migrates the schema.</summary>
    /// <exception cref="InvalidOperationException">The file cannot be used; the message names it and says what to do.</exception>
    public static StoreConnection Open(string path, SqliteJobStoreOptions options)
    {
        string directory = System.IO.Path.GetDirectoryName(path) ?? ".";
        if (!Directory.Exists(directory))
        {
            throw new InvalidOperationException($"Cannot open the job store '{path}': the folder '{directory}' does not exist; create it first.");
        }

        if (Directory.Exists(path))
        {
            throw new InvalidOperationException($"Cannot open the job store '{path}': it is a folder, not a file.");
        }

        if (options.ReadOnly && !File.Exists(path))
        {
            throw new InvalidOperationException($"There is no job store at '{path}': the file does not exist (a read-only store never creates one).");
        }

        // A reader of a write-ahead-log database needs the -shm file, which SQLite creates if it is missing: in a folder the
        // reader may not write (a store of root's read by another user) that fails. With no -wal file no writer has the
        // file open (the last one to close removes it), so the file is read as immutable: no -shm, no locks.
        bool immutable = options.ReadOnly && !File.Exists(path + "-wal");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? ImmutableUri(path) : path,
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds};"));
            if (!options.ReadOnly && SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                throw new InvalidOperationException(
                    $"The job store '{path}' is read-only for this process: a scheduler must write to it. Make the file and its folder " +
                    "writable for this user (and check that the disk is not mounted read-only).");
            }

            // Look before touching: reading these changes nothing, so another program's database, or a damaged one, is left
            // as it is.
            Check(connection, path);
            CheckObjects(connection, path);
            if (options.IntegrityCheck != SqliteIntegrityCheck.Schema)
            {
                CheckIntegrity(connection, path, options.IntegrityCheck);
            }

            if (options.ReadOnly)
            {
                CheckReadable(connection, path);
                return new StoreConnection(connection);
            }

            string mode = Scalar<string>(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"The job store '{path}' cannot use write-ahead logging (journal mode is '{mode}'); put it on a local disk, not a network share.");
            }

            Execute(connection, options.FlushEveryCommit ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            Execute(connection, "PRAGMA foreign_keys = OFF;");
            var db = new StoreConnection(connection);
            Migrate(db, path, options.TimeProvider.GetUtcNow().UtcTicks);
            return db;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw Explain(e, path, options.ReadOnly);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A SQLite URI that opens the file as immutable; '%', '?' and '#' in the path are escaped, as the URI form of a file
    /// name requires (Microsoft.Data.Sqlite opens a data source that starts with <c>file:</c> as a URI).
    /// </summary>
    private static string ImmutableUri(string path)
    {
        string name = path.Replace("%", "%25", StringComparison.Ordinal).Replace("?", "%3f", StringComparison.Ordinal)
            .Replace("#", "%23", StringComparison.Ordinal);
        if (System.IO.Path.DirectorySeparatorChar == '\\')
        {
            // Windows: file:///C:/folder/x.db
            name = "/" + name.Replace('\\', '/');
        }

        return "file:" + (name.StartsWith("//", StringComparison.Ordinal) ? "//" + name : name) + "?immutable=1";
    }

    /// <summary>Turns an error of SQLite at open into one that names the file and says what to do.</summary>
    public static InvalidOperationException Explain(SqliteException e, string path, bool readOnly) => e.SqliteErrorCode switch
    {
        SqliteReadOnly or SqliteCantOpen when readOnly => new InvalidOperationException(
            $"The job store '{path}' cannot be read by this process ({e.Message}). This user needs read access to the file; while " +
            "a scheduler has it open (a -wal file is beside it), reading also uses the -wal and -shm files, so read it as the " +
            "scheduler's user or let this user write those two files.", e),
        SqliteNotADatabase => new InvalidOperationException(
            $"The file '{path}' is not a SQLite database (or it is encrypted), so it cannot be a job store. Point the store at a new " +
            "file or at one it created; the file was not changed.", e),
        SqliteCorrupt => new InvalidOperationException(
            $"The job store '{path}' is damaged ({e.Message}). Restore it from a backup, or check it with `sqlite3 {path} \"PRAGMA integrity_check\"`; " +
            "the file was not changed.", e),
        SqliteBusy or SqliteLocked => new InvalidOperationException(
            $"The job store '{path}' is locked by another connection that did not let go within the busy timeout; stop the program " +
            "holding it (or raise SqliteJobStoreOptions.BusyTimeout) and try again.", e),
        SqliteReadOnly => new InvalidOperationException(
            $"The job store '{path}' is read-only for this process: a scheduler must write to it. Make the file, its -wal and -shm " +
            "files and its folder writable for this user.", e),
        SqliteCantOpen => new InvalidOperationException(
            $"The job store '{path}' cannot be opened ({e.Message}); check that the path names a file in a folder this user may write to.", e),
        _ => new InvalidOperationException($"The job store '{path}' cannot be opened: {e.Message}", e),
    };

    private static void Check(SqliteConnection connection, string path)
    {
        long applicationId = Scalar<long>(connection, "PRAGMA application_id;");
        long version = Scalar<long>(connection, "PRAGMA user_version;");
        if (applicationId == ApplicationId)
        {
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"The job store '{path}' has schema version {version}, newer than this version of Codomyrmex.Scheduler.Sqlite " +
                    $"understands ({CurrentVersion}): a newer release wrote it. Upgrade this program; the file was not changed.");
            }

            return;
        }

        long objects = Scalar<long>(connection, "SELECT count(*) FROM sqlite_schema;");
        if (applicationId != 0 || version != 0 || objects != 0)
        {
            throw new InvalidOperationException(
                $"The file '{path}' is a SQLite database of another program (application_id {applicationId:x8}, user_version {version}, " +
                $"{objects} schema objects), not a Codomyrmex.Scheduler job store. Point the store at a new file; this one was not changed.");
        }
    }

    /// <summary>
    /// Refuses a file of the current version whose schema lacks a table, index or trigger this code uses (another program
    /// dropped it, or the schema's pages are damaged): reads only the schema, so it costs the same at any size. Objects that
    /// others added are allowed.
    /// </summary>
    private static void CheckObjects(SqliteConnection connection, string path)
    {
        if (Scalar<long>(connection, "PRAGMA application_id;") != ApplicationId || Scalar<long>(connection, "PRAGMA user_version;") != CurrentVersion)
        {
            return; // empty, or an older version that Migrate brings up to date.
        }

        var present = new HashSet<(string, string)>();
        using (SqliteCommand command = connection.CreateCommand())
        {
            command.CommandText = "SELECT type, name FROM sqlite_schema;";
            using SqliteDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                present.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        string[] missing = [.. s_objects.Where(item => !present.Contains(item)).Select(item => $"{item.Type} {item.Name}")];
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The job store '{path}' is damaged: its schema (version {CurrentVersion}) lacks {string.Join(", ", missing)}, which another " +
                "program removed or which is in a damaged page. Restore it from a backup; the file was not changed.");
        }
    }

    /// <summary>
    /// Refuses a damaged file before anything is written to it: <c>PRAGMA quick_check</c> reads every page and checks the
    /// b-trees; <c>PRAGMA integrity_check</c> also checks the indexes against their tables, at several times the cost.
    /// </summary>
    private static void CheckIntegrity(SqliteConnection connection, string path, SqliteIntegrityCheck level)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = level == SqliteIntegrityCheck.Full ? "PRAGMA integrity_check(5);" : "PRAGMA quick_check(5);";
        var problems = new List<string>();
        using (SqliteDataReader reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                // A row may span lines ("*** in database main ***" then the page's problem); the error is one line.
                problems.Add(string.Join(' ', reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
            }
        }

        if (problems is not ["ok"])
        {
            throw new InvalidOperationException(
                $"The job store '{path}' is damaged ({string.Join("; ", problems)}). Restore it from a backup, or check it with " +
                $"`sqlite3 {path} \"PRAGMA integrity_check\"`; the file was not changed.");
        }
    }

    /// <summary>Gets whether SQLite's error says the file is damaged or not a database, which retrying cannot mend.</summary>
    public static bool IsDamage(SqliteException e) => e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase;

    /// <summary>The error of an operation that read a damaged page: names the file and says what to do; the operation changed nothing.</summary>
    public static InvalidOperationException Damaged(string path, SqliteException e) => new(
        $"The job store '{path}' is damaged ({e.Message}); the operation was rolled back and changed nothing. Stop the scheduler " +
        $"and restore the file from a backup, or check it with `sqlite3 {path} \"PRAGMA integrity_check\"`.", e);

    /// <summary>A read-only store cannot create or migrate a schema: the file must already be a store of this version.</summary>
    private static void CheckReadable(SqliteConnection connection, string path)
    {
        long version = Scalar<long>(connection, "PRAGMA user_version;");
        if (Scalar<long>(connection, "PRAGMA application_id;") != ApplicationId)
        {
            throw new InvalidOperationException(
                $"The file '{path}' is not a job store yet: it is empty, and a read-only store never creates the schema. Point the " +
                "store at the file a scheduler (such as schedctl run) writes.");
        }

        if (version != CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The job store '{path}' has schema version {version}, older than this version of Codomyrmex.Scheduler.Sqlite " +
                $"reads ({CurrentVersion}); open it once read-write to upgrade it. The file was not changed.");
        }
    }

    private static void Migrate(StoreConnection db, string path, long now)
    {
        SqliteConnection connection = db.Connection;
        if (Scalar<long>(connection, "PRAGMA user_version;") == CurrentVersion && Scalar<long>(connection, "PRAGMA application_id;") == ApplicationId)
        {
            return;
        }

        // BEGIN IMMEDIATE takes the write lock first, so two processes that open a new file at once create its schema once.
        using StoreTransaction transaction = db.Begin();
        Check(connection, path);
        long version = Scalar<long>(connection, "PRAGMA user_version;");
        try
        {
            for (long step = version; step < CurrentVersion; step++)
            {
                Execute(connection, s_migrations[step], now);
            }

            Execute(connection, string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {CurrentVersion};"));
            transaction.Commit();
        }
        catch (SqliteException e) when (version > 0)
        {
            // Every step, and the version stamp, is in the one transaction, which did not commit: SQLite undoes all of it
            // (the transaction rolls back here, or SQLite already rolled it back). Opening the file may have switched its
            // journal to write-ahead logging before, which changes no data.
            throw new InvalidOperationException(
                $"The job store '{path}' could not be upgraded from schema version {version} to {CurrentVersion}: {e.Message}. The upgrade " +
                $"is one transaction and did not commit, so the file still holds its version-{version} schema, jobs and history; an " +
                "older version of Codomyrmex.Scheduler.Sqlite still reads it. If another program added tables, indexes or triggers to " +
                "the file, remove them and open it again; otherwise restore it from a backup.", e);
        }
    }

    private static void Execute(SqliteConnection connection, string sql, long? now = null)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        if (now is { } ticks)
        {
            // The store's clock, for a step that stamps rows (statements that do not use it ignore it).
            command.Parameters.AddWithValue("$now", ticks);
        }

        command.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }
}
