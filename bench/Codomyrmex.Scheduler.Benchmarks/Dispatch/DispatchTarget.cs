namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>One library under test, driven through the same operations so that every scenario races them on the same work.</summary>
/// <remarks>Every job body calls <see cref="FireRecorder"/>. The blocking calls wait on the libraries' async APIs.</remarks>
internal abstract class DispatchTarget : IAsyncDisposable
{
    /// <summary>Gets the row label.</summary>
    public abstract string Name { get; }

    /// <summary>Starts firing (Start, or the server for Hangfire).</summary>
    public abstract void Start();

    /// <summary>Schedules a job whose body is <see cref="FireRecorder.Fire"/>, due at <paramref name="due"/>.</summary>
    public abstract void ScheduleFire(DateTimeOffset due, int index);

    /// <summary>Schedules a job whose body is <see cref="FireRecorder.Record"/> with <paramref name="index"/>.</summary>
    public abstract void ScheduleRecord(DateTimeOffset due, int index);

    /// <summary>Schedules a job that will not come due during the run; returns what <see cref="Get"/> and <see cref="Cancel"/> take.</summary>
    public abstract object SchedulePending(DateTimeOffset due, int index);

    /// <summary>
    /// The handle of the job scheduled with <paramref name="index"/> when the library lets a caller derive it (Quartz's
    /// names, Hangfire's sequential ids); <see langword="null"/> when the handle returned by <see cref="SchedulePending"/>
    /// must be kept. A derived handle is made after the memory is measured, so that holding samples of it adds nothing.
    /// </summary>
    public virtual object? DerivedHandle(int index) => null;

    /// <summary>Reads one job (its definition and its next run).</summary>
    public abstract void Get(object handle);

    /// <summary>Cancels one pending job so that it never runs.</summary>
    public abstract void Cancel(object handle);

    /// <summary>Lists the running jobs; returns how many there are.</summary>
    public abstract int ListRunning();

    /// <summary>Lists the first page of 50 pending jobs; returns the page's length.</summary>
    public abstract int ListPage();

    /// <summary>Gets the size of the library's database file (with its write-ahead log), in bytes; 0 for an in-memory store.</summary>
    public virtual long FileBytes => 0;

    /// <summary>Checks what the library itself says after a run of <paramref name="expected"/> jobs; null if it has no cheap way to tell.</summary>
    public virtual string? Verify(int expected) => null;

    public abstract ValueTask DisposeAsync();

    protected static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    protected static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
}
