using System.Globalization;
using System.Reflection;
using System.Text;
using Codomyrmex.Scheduler.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>The dispatch lock: one process at a time fires jobs from a file.</summary>
public sealed partial class SqliteJobStore
{
    private DispatchLock? _dispatchLock;

    /// <summary>Gets the epoch of the dispatch lock this store dispatches under; 0 until it first dispatches.</summary>
    private long Epoch => _dispatchLock?.Epoch ?? 0;

    /// <summary>Joins or takes the file's dispatch lock, once; recovers nothing itself (the runs of a dead holder are found by their epoch).</summary>
    /// <remarks>
    /// The lock is an exclusive <c>flock</c> (Unix) or sharing lock (Windows) on <c>&lt;path&gt;.lock</c>, held once per process
    /// for every store of the process (<see cref="DispatchLock"/>): the operating system drops it when its process dies however
    /// it dies, so a dead holder never blocks a new one. The lock file is never deleted: deleting it would let two processes
    /// lock two different files of the same name.
    /// </remarks>
    private void EnsureDispatchLock()
    {
        if (_dispatchLock is not null)
        {
            return;
        }

        ThrowIfReadOnly();
        _dispatchLock = DispatchLock.Acquire(_path, OpenLockFile, RecordHolder);
    }

    /// <summary>
    /// Joins or takes the dispatch lock before a write that dispatches is queued (taking it writes the holder in a transaction
    /// of its own); once this store holds it, costs one read of a field.
    /// </summary>
    private void JoinDispatchLock()
    {
        if (Volatile.Read(ref _dispatchLock) is null)
        {
            _ = Read(() =>
            {
                EnsureDispatchLock();
                return true;
            });
        }
    }

    private FileStream OpenLockFile()
    {
        string lockPath = _path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidOperationException(
                $"Cannot create the lock file '{lockPath}' that a store needs to run jobs from '{_path}': {e.Message} Make its folder writable.", e);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidOperationException(DescribeHolder() + " A store that only reads and changes jobs may share the file; only one process may run them.", e);
        }
    }

    /// <summary>Records this process as the lock's holder (a new epoch) in the file, and for a person, in the lock file.</summary>
    private long RecordHolder(FileStream file)
    {
        var holder = Holder.OfThisProcess(_time);
        long epoch;
        using (StoreTransaction transaction = BeginWrite())
        {
            using (SqliteCommand read = _db.Connection.CreateCommand())
            {
                read.CommandText = "SELECT epoch FROM lock_holder WHERE id = 1;";
                epoch = (read.ExecuteScalar() is long last ? last : 0) + 1;
            }

            using (SqliteCommand write = _db.Connection.CreateCommand())
            {
                write.CommandText =
                    "INSERT INTO lock_holder (id, epoch, active, pid, process, host, since) VALUES (1, $epoch, 1, $pid, $process, $host, $since) " +
                    "ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch, active = 1, pid = excluded.pid, process = excluded.process, " +
                    "host = excluded.host, since = excluded.since;";
                write.Parameters.AddWithValue("$epoch", epoch);
                write.Parameters.AddWithValue("$pid", (long)holder.Pid);
                write.Parameters.AddWithValue("$process", holder.Process);
                write.Parameters.AddWithValue("$host", holder.Host);
                write.Parameters.AddWithValue("$since", holder.Since.UtcTicks);
                write.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        // For a person who looks at the lock file (flock is advisory, so `cat` can read it).
        byte[] text = Encoding.UTF8.GetBytes(holder.Describe() + "\n");
        file.SetLength(0);
        file.Write(text);
        file.Flush();
        return epoch;
    }

    /// <summary>Leaves the dispatch lock; the last store of the process marks the holder row as left cleanly.</summary>
    private void ReleaseDispatchLock()
    {
        if (_dispatchLock is null)
        {
            return;
        }

        _dispatchLock.Release(MarkReleased);
        _dispatchLock = null;
    }

    private void MarkReleased(long epoch)
    {
        try
        {
            using SqliteCommand release = _db.Connection.CreateCommand();
            release.CommandText = "UPDATE lock_holder SET active = 0 WHERE epoch = $epoch;";
            release.Parameters.AddWithValue("$epoch", epoch);
            release.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // The mark is only information: the operating-system lock is what counts, and it goes with the handle.
        }
    }

    private string DescribeHolder()
    {
        string file = System.IO.Path.GetFileName(_path);
        try
        {
            if (ReadHolder(activeOnly: true) is { } holder)
            {
                return $"{file} ('{_path}') is in use by {holder.Describe()}; stop it first.";
            }
        }
        catch (SqliteException)
        {
            // Fall through to the message without a name.
        }

        return $"{file} ('{_path}') is in use by another process, which holds its lock file '{_path}.lock'; stop it first.";
    }

    /// <summary>The holder the file records (only one that has not let go cleanly, with <paramref name="activeOnly"/>), if any.</summary>
    private Holder? ReadHolder(bool activeOnly)
    {
        using SqliteCommand read = _db.Connection.CreateCommand();
        read.CommandText = "SELECT pid, process, host, since, active FROM lock_holder WHERE id = 1;";
        using SqliteDataReader reader = read.ExecuteReader();
        if (!reader.Read() || (activeOnly && reader.GetInt64(reader.GetOrdinal("active")) == 0))
        {
            return null;
        }

        return new Holder(reader.GetInt32(reader.GetOrdinal("pid")), reader.GetString(reader.GetOrdinal("process")),
            reader.GetString(reader.GetOrdinal("host")), new DateTimeOffset(reader.GetInt64(reader.GetOrdinal("since")), TimeSpan.Zero));
    }

    private readonly record struct Holder(int Pid, string Process, string Host, DateTimeOffset Since)
    {
        public static Holder OfThisProcess(TimeProvider time)
        {
            string name;
            using (var process = System.Diagnostics.Process.GetCurrentProcess())
            {
                name = process.ProcessName;
            }

            // `dotnet app.dll` is every app's process name: the entry assembly says which app it is.
            if (name == "dotnet" && Assembly.GetEntryAssembly()?.GetName().Name is { } app)
            {
                name = app;
            }

            return new Holder(Environment.ProcessId, name, Environment.MachineName, time.GetUtcNow());
        }

        public string Describe() =>
            string.Create(CultureInfo.InvariantCulture, $"process {Pid} ({Process}) on host {Host} since {Since.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
    }
}
