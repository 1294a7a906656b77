namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>
/// A file's dispatch lock as this process holds it: one exclusive operating-system lock on <c>&lt;path&gt;.lock</c> per
/// process, shared by every store instance of the process that dispatches from the file.
/// </summary>
/// <remarks>
/// The guarantee is one dispatching process per file (the runs of a process that died are recovered by the epoch it held);
/// store instances inside that process share the lock and its epoch, and share the file's runs by their leases and fencing
/// tokens like nodes on a shared database. The table of held locks is static because the operating-system lock belongs to
/// the process, not to one store: a second lock on the same file from the same process would be refused by the system.
/// </remarks>
internal sealed class DispatchLock
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<string, DispatchLock> s_held = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);

    private readonly string _path;
    private readonly FileStream _file;
    private int _users;

    private DispatchLock(string path, FileStream file, long epoch)
    {
        _path = path;
        _file = file;
        Epoch = epoch;
    }

    /// <summary>Gets the lock's epoch: the number of processes that have dispatched from the file, this one included.</summary>
    public long Epoch { get; }

    /// <summary>Gets whether this process holds the lock of the database at <paramref name="path"/>.</summary>
    public static bool IsHeld(string path)
    {
        lock (s_lock)
        {
            return s_held.ContainsKey(path);
        }
    }

    /// <summary>Joins this process's lock on the file, or takes it: opens the lock file exclusively and lets <paramref name="record"/> record the holder.</summary>
    /// <param name="path">The database file's full path.</param>
    /// <param name="open">Opens the lock file exclusively; throws if another process holds it.</param>
    /// <param name="record">Records this process as the holder in the database, given the lock file; returns the new epoch.</param>
    public static DispatchLock Acquire(string path, Func<FileStream> open, Func<FileStream, long> record)
    {
        lock (s_lock)
        {
            if (!s_held.TryGetValue(path, out DispatchLock? held))
            {
                FileStream file = open();
                try
                {
                    held = new DispatchLock(path, file, record(file));
                }
                catch
                {
                    file.Dispose();
                    throw;
                }

                s_held.Add(path, held);
            }

            held._users++;
            return held;
        }
    }

    /// <summary>Leaves the lock; the last store of the process to leave lets <paramref name="markReleased"/> mark the holder as gone and closes the lock file.</summary>
    public void Release(Action<long> markReleased)
    {
        lock (s_lock)
        {
            if (--_users > 0)
            {
                return;
            }

            s_held.Remove(_path);
            try
            {
                markReleased(Epoch);
            }
            finally
            {
                _file.Dispose();
            }
        }
    }
}
