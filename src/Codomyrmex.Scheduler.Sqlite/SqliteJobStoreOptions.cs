using Microsoft.Extensions.Logging;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>How a <see cref="SqliteJobStore"/> opens its file: the path, durability, waits and the clock.</summary>
/// <remarks>The store validates the options once, when it is built, and lists every problem in one exception.</remarks>
public sealed class SqliteJobStoreOptions
{
    /// <summary>The longest wait a timer takes (<see cref="uint.MaxValue"/> - 1 milliseconds, about 49.7 days).</summary>
    private static readonly TimeSpan s_maxTimerWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Gets or sets the path of the database file; it is created, with its schema, if it does not exist.</summary>
    /// <remarks>
    /// SQLite keeps two more files beside it while it is open (<c>-wal</c> and <c>-shm</c>), and the store makes a lock file
    /// <c><see cref="Path"/>.lock</c> when it first dispatches (never deleted: only the operating-system lock on it is
    /// released), so the folder must be writable.
    /// </remarks>
    public required string Path { get; set; }

    /// <summary>Gets or sets the store's clock: the clock of record for what is due, leases, node liveness, finish times and retention.</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    /// <remarks>
    /// Nodes that share the file pass lease durations, never times, so their own clocks may disagree with this one. Change
    /// polling (<see cref="PollInterval"/>) runs on its timers too.
    /// </remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how often the store looks for changes that other store instances (other processes) made, to raise <see cref="SqliteJobStore.Changed"/>.</summary>
    /// <value>
    /// The default is one second. <see cref="Timeout.InfiniteTimeSpan"/> turns the polling off: then only changes made through this
    /// store raise the event, and a job that another process (such as <c>schedctl</c>) adds may wait until the scheduler next wakes.
    /// </value>
    /// <remarks>
    /// A poll reads one counter (<c>PRAGMA data_version</c>), so it costs a few microseconds; only when another connection has
    /// written to the file does it read the changes logged since the last poll. Logged changes are kept at least ten polls
    /// (and at least ten minutes) before <see cref="SqliteJobStore.PurgeExpiredAsync"/> deletes them. The poll's timer runs on
    /// <see cref="TimeProvider"/>: a test clock (<c>FakeTimeProvider</c>) polls once for every interval it is moved past, so a
    /// test that moves it by months wants a long interval, or <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </remarks>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an operation waits for another process's write to finish before it fails.</summary>
    /// <value>The default is five seconds; at least one second (SQLite's wait counts whole seconds).</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets a value indicating whether every commit is flushed to the disk before it returns (<c>synchronous=FULL</c>).</summary>
    /// <value>
    /// The default is <see langword="false"/> (<c>synchronous=NORMAL</c>): a commit survives a crash of the process at once, and
    /// a power loss or an operating-system crash once the write-ahead log is next synchronised (at a checkpoint), so such a
    /// failure can lose the last moments of changes — never corrupt the file. <see langword="true"/> makes every commit
    /// survive a power loss too, at the cost of one disk flush per change (a few milliseconds on many disks).
    /// </value>
    public bool FlushEveryCommit { get; set; }

    /// <summary>Gets or sets a value indicating whether the store only reads: for tools that list jobs and their history.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    /// <remarks>
    /// <para>
    /// A read-only store opens the file with SQLite's read-only mode, so it works on a file this process may not write. It
    /// never creates the file or its schema: a missing file, or one that is not yet a job store (an empty file), is an
    /// <see cref="InvalidOperationException"/> naming the path. Every method that would change the store throws an
    /// <see cref="InvalidOperationException"/> before it touches the file.
    /// </para>
    /// <para>
    /// The database file itself is never written. A file with no <c>-wal</c> file beside it (no scheduler has it open) is
    /// read as immutable, creating nothing, so it works in a folder this process may not write. While a scheduler has it open,
    /// the store reads through the <c>-wal</c> and <c>-shm</c> files that every reader shares, and SQLite may create a
    /// missing <c>-shm</c> file; when this process cannot, the error says so.
    /// </para>
    /// </remarks>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets how much of the file the store checks when it opens it, before it writes anything.</summary>
    /// <value>
    /// The default is <see cref="SqliteIntegrityCheck.Schema"/>: the header and the schema, which takes about the same time at
    /// any size, so a store of a million jobs opens in milliseconds. Damage inside a page is then reported by the first operation
    /// that reads the page, as an <see cref="InvalidOperationException"/> naming the file, and that operation changes nothing.
    /// </value>
    /// <remarks>
    /// <see cref="SqliteIntegrityCheck.Quick"/> and <see cref="SqliteIntegrityCheck.Full"/> read every page at open, which takes
    /// seconds for a large store; a file that fails is refused, and left as it was. A read-only store with
    /// <see cref="SqliteIntegrityCheck.Full"/> checks a file on demand, even while a scheduler has it open.
    /// </remarks>
    public SqliteIntegrityCheck IntegrityCheck { get; set; } = SqliteIntegrityCheck.Schema;

    /// <summary>Gets or sets how much run history the store keeps for each job.</summary>
    /// <value>The default is <see cref="RunHistoryOptions.Default"/>: the newest 100 runs of each job, results up to 4,096 characters.</value>
    public RunHistoryOptions History { get; set; } = RunHistoryOptions.Default;

    /// <summary>Gets or sets how long finished jobs and run history are kept, store-wide.</summary>
    /// <value>
    /// The default is <see cref="JobRetentionOptions.Default"/>: completed, failed and cancelled jobs are deleted with their
    /// history seven days after they finished; history has no age limit of its own.
    /// </value>
    /// <remarks>Applied by <see cref="SqliteJobStore.PurgeExpiredAsync"/>, which a scheduler calls from its maintenance.</remarks>
    public JobRetentionOptions Retention { get; set; } = JobRetentionOptions.Default;

    /// <summary>Gets or sets where the store logs what it cannot report to a caller, such as a <c>Changed</c> handler that threw.</summary>
    /// <value>The default is <see langword="null"/>: nothing is logged.</value>
    public ILogger? Logger { get; set; }

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            errors.Add("Path is empty; it must name the database file.");
        }

        if (TimeProvider is null)
        {
            errors.Add("TimeProvider is null.");
        }

        if (History is null)
        {
            errors.Add("History is null.");
        }
        else
        {
            errors.AddRange(History.Validate().Select(problem => "History: " + problem));
        }

        if (Retention is null)
        {
            errors.Add("Retention is null.");
        }
        else
        {
            errors.AddRange(Retention.Validate().Select(problem => "Retention: " + problem));
        }

        if ((PollInterval <= TimeSpan.Zero && PollInterval != Timeout.InfiniteTimeSpan) || PollInterval > s_maxTimerWait)
        {
            errors.Add(
                $"PollInterval is {PollInterval}; it must be positive and at most {s_maxTimerWait} (the longest timer), or " +
                "Timeout.InfiniteTimeSpan to turn polling off.");
        }

        if (!Enum.IsDefined(IntegrityCheck))
        {
            errors.Add($"IntegrityCheck is {IntegrityCheck}; it must be Schema, Quick or Full.");
        }

        // Microsoft.Data.Sqlite counts its wait in whole seconds, and reads zero as "wait forever".
        if (BusyTimeout < TimeSpan.FromSeconds(1) || BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            errors.Add($"BusyTimeout is {BusyTimeout}; it must be between one second and {TimeSpan.FromMilliseconds(int.MaxValue)}.");
        }

        return errors;
    }
}
