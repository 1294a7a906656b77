using Codomyrmex.Scheduler.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>
/// How every operation reaches the file: reads under the store's lock, and writes through one queue that commits the writes
/// waiting at the same time in one transaction (group commit).
/// </summary>
public sealed partial class SqliteJobStore
{
    /// <summary>At most this many queued writes share one transaction, so reads wait for the lock a bounded time.</summary>
    private const int MaxWritesPerCommit = 256;

    /// <summary>Guards <see cref="_queued"/> and <see cref="_writing"/> (never held while the file is used).</summary>
    private readonly Lock _queueGate = new();
    private readonly Queue<PendingWrite> _queued = new();

    /// <summary>Whether a thread is writing: a write that comes meanwhile queues, and is committed with the others queued.</summary>
    private bool _writing;

    /// <summary>
    /// Runs a read under the store's lock: refuses a disposed store, and reports a damaged page as the store's error naming
    /// the file.
    /// </summary>
    private T Read<T>(Func<T> body)
    {
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return body();
            }
        }
        catch (SqliteException e) when (SqliteSchema.IsDamage(e))
        {
            throw Damaged(e);
        }
    }

    /// <summary>
    /// Runs a write in a write transaction (<c>BEGIN IMMEDIATE</c>) and commits it; the body's exception rolls its changes back
    /// and reaches the caller (a damaged page as the store's error naming the file).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A write that finds the file free runs at once on the caller's thread, alone in its transaction. Writes that come while
    /// one runs queue, and the next writer commits them together: each in a savepoint of one transaction, so each keeps its
    /// own atomicity (a body that throws undoes only its own changes) and every caller learns its outcome only after the
    /// commit, while the file's write lock is taken, and its log written, once for all of them. The store then keeps up with
    /// many callers (a dispatcher, workers completing runs, callers scheduling) by doing less per write as more wait.
    /// </para>
    /// <para>
    /// If the shared transaction fails as a whole (SQLite ended it after an error, or the commit failed), none of its writes
    /// stands: each that had not failed on its own runs again, alone.
    /// </para>
    /// </remarks>
    private ValueTask<T> WriteAsync<T>(Func<T> body)
    {
        lock (_queueGate)
        {
            if (_writing)
            {
                var queued = new PendingWrite<T>(body, queued: true);
                _queued.Enqueue(queued);
                return new(queued.Task);
            }

            _writing = true;
        }

        var write = new PendingWrite<T>(body, queued: false);
        try
        {
            lock (_lock)
            {
                RunAlone(write);
            }
        }
        finally
        {
            HandOver();
        }

        return new(write.Result());
    }

    /// <summary>Lets the next thread write, or, if writes queued meanwhile, commits them on the thread pool.</summary>
    private void HandOver()
    {
        lock (_queueGate)
        {
            if (_queued.Count == 0)
            {
                _writing = false;
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static store => store.CommitQueued(), this, preferLocal: false);
    }

    /// <summary>Commits the queued writes, a batch at a time, until none is left.</summary>
    private void CommitQueued()
    {
        var batch = new List<PendingWrite>();
        while (true)
        {
            lock (_queueGate)
            {
                if (_queued.Count == 0)
                {
                    _writing = false;
                    return;
                }

                while (batch.Count < MaxWritesPerCommit && _queued.TryDequeue(out PendingWrite? write))
                {
                    batch.Add(write);
                }
            }

            lock (_lock)
            {
                if (batch.Count == 1)
                {
                    RunAlone(batch[0]);
                }
                else
                {
                    RunTogether(batch);
                }
            }

            foreach (PendingWrite write in batch)
            {
                write.Complete();
            }

            batch.Clear();
        }
    }

    /// <summary>Runs one write in its own transaction; under the store's lock.</summary>
    private void RunAlone(PendingWrite write)
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            write.Run();
            transaction.Commit();
        }
        catch (Exception exception)
        {
            write.Fail(exception is SqliteException e && SqliteSchema.IsDamage(e) ? Damaged(e) : exception);
        }
    }

    /// <summary>Runs several writes in one transaction, each in a savepoint; under the store's lock.</summary>
    private void RunTogether(List<PendingWrite> batch)
    {
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            foreach (PendingWrite write in batch)
            {
                _db.Savepoint();
                try
                {
                    write.Run();
                    _db.Release();
                }
                catch (Exception exception) when (_db.InTransaction)
                {
                    _db.RollbackToSavepoint();
                    write.Fail(exception is SqliteException e && SqliteSchema.IsDamage(e) ? Damaged(e) : exception);
                }
            }

            transaction.Commit();
        }
#pragma warning disable CA1031 // Every write of the batch gets its own outcome: each runs again alone, and fails alone if it must.
        catch (Exception)
#pragma warning restore CA1031
        {
            foreach (PendingWrite write in batch)
            {
                if (!write.Failed)
                {
                    RunAlone(write);
                }
            }
        }
    }
}
