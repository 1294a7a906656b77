namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>How much of its file a <see cref="SqliteJobStore"/> checks when it opens it, before it writes anything.</summary>
/// <remarks>
/// <para>
/// Whatever the check at open, SQLite checks every page it reads: an operation that reads a damaged page fails with an
/// <see cref="InvalidOperationException"/> that names the file and says it is damaged, and its transaction is rolled back, so
/// it changes nothing. What the checks at open add is finding damage in pages that no operation has read yet.
/// </para>
/// <para>
/// SQLite itself never damages a file in write-ahead-log mode when a process or the machine crashes: damage comes from outside
/// (a faulty disk, a file system or disk that does not keep its flushes, a program that wrote into the file, a copy taken while it was being written), so a check at
/// every start-up mostly re-reads a sound file. Check a file you suspect, or one restored from a copy, with <see cref="Full"/>
/// on a read-only store (<see cref="SqliteJobStoreOptions.ReadOnly"/>), which works while a scheduler has the file open.
/// </para>
/// </remarks>
public enum SqliteIntegrityCheck
{
    /// <summary>
    /// The file's header and schema: that it is a SQLite database, that it is a job store (or empty) of a schema version this
    /// code reads, that the schema has every table, index and trigger of that version, and that the file is as long as its
    /// header says (not truncated). Reads a few pages, so it takes about the same time at any size.
    /// </summary>
    Schema,

    /// <summary>
    /// <see cref="Schema"/>, then <c>PRAGMA quick_check</c>: reads every page and checks the structure of every table and index.
    /// It takes time in proportion to the file: about 2 to 3 seconds for a store of a million jobs (250 MB).
    /// </summary>
    Quick,

    /// <summary>
    /// <see cref="Schema"/>, then <c>PRAGMA integrity_check</c>: <see cref="Quick"/>, and also that every index holds exactly the
    /// rows of its table; several times slower than <see cref="Quick"/>.
    /// </summary>
    Full,
}
