namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// One write operation of the store: its body runs inside a write transaction, alone or among other writes that waited for the
/// file at the same time (see <c>SqliteJobStore.WriteAsync</c>).
/// </summary>
/// <remarks>
/// A body reads what it needs from the file and may run again, alone, if the transaction it shared fails as a whole: it
/// must not depend on state outside the file that an earlier run of it changed.
/// </remarks>
internal abstract class PendingWrite
{
    /// <summary>Gets whether the body has failed (its exception is kept for the caller).</summary>
    public bool Failed { get; private set; }

    /// <summary>Runs the body and keeps its result; throws what it throws.</summary>
    public abstract void Run();

    /// <summary>Keeps the body's error for the caller.</summary>
    public virtual void Fail(Exception exception) => Failed = true;

    /// <summary>Hands the result or the error to a caller that waits for it (one that queued); called once, after the commit.</summary>
    public abstract void Complete();
}
