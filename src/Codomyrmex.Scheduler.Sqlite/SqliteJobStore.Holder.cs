using Codomyrmex.Scheduler.Sqlite.Internal;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Who runs the jobs of the file, for tools that look at a store (<c>schedctl jobs list</c>).</summary>
public sealed partial class SqliteJobStore
{
    /// <summary>Gets the live process that holds the file's dispatch lock, which fires its jobs.</summary>
    /// <returns>The holder, or <see langword="null"/> if no live process holds the lock, so nothing fires the file's jobs now.</returns>
    /// <remarks>
    /// The file records each holder when it takes the lock and marks it when it lets go cleanly; a holder that died without
    /// letting go is told apart by its operating-system lock, which died with it. To see that lock this method opens
    /// <c>&lt;path&gt;.lock</c> for reading for an instant (a shared lock); a process that tries to take the dispatch lock in that
    /// instant is refused as if the file were in use, so call it to inform people, not in a loop.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public SqliteLockHolder? GetLockHolder()
    {
        (SqliteLockHolder? recorded, bool known) = Read(() =>
        {
            SqliteLockHolder? recorded = ReadHolder(activeOnly: true) is { } holder
                ? new SqliteLockHolder { ProcessId = holder.Pid, ProcessName = holder.Process, Host = holder.Host, Since = holder.Since }
                : null;
            return (recorded, recorded is null || DispatchLock.IsHeld(_path));
        });
        if (known)
        {
            return recorded;
        }

        try
        {
            // Opens only if nobody holds the lock exclusively: the recorded holder is gone.
            using var probe = new FileStream(_path + ".lock", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            return null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return recorded;
        }
        catch (UnauthorizedAccessException)
        {
            // The lock file cannot be read by this user, so its lock cannot be seen: the record is all there is.
            return recorded;
        }
    }
}
