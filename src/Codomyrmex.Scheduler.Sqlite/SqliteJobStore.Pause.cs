using Codomyrmex.Scheduler.Sqlite.Internal;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Pausing, resuming and deleting jobs.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// A paused job has no due time in the file, so a dispatcher in another process claims nothing of it; a resume reaches that
    /// dispatcher through its <see cref="Changed"/> within <see cref="SqliteJobStoreOptions.PollInterval"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        (Job? job, JobStoreChange? change) = await ChangeStateAsync(
            id,
            paused
                ? static row => row.State.SetPaused(true) ? JobStoreChangeKind.Paused : null
                : static row => row.State.SetPaused(false) ? JobStoreChangeKind.Resumed : null).ConfigureAwait(false);
        if (change is { } changed)
        {
            Raise(changed);
        }

        return job;
    }

    /// <inheritdoc/>
    /// <remarks>The job's row and its history rows go in one transaction. A run claimed from another process counts as in progress.</remarks>
    /// <exception cref="InvalidOperationException">
    /// A run of the job is in progress, or the store was opened read-only. Also thrown when the file is damaged: the message names it,
    /// and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        bool deleted = await WriteAsync(() =>
        {
            JobRow? row = _jobs.ById(id);
            if (row is null)
            {
                return false;
            }

            if (row.State.ActiveRuns > 0 || _claims.CountForJob(row.Seq) > 0)
            {
                throw StoreErrors.DeleteWhileRunning(row.Id, row.Name);
            }

            _history.DeleteForJob(row.Id);
            _jobs.Delete(row.Seq);
            _changes.Write(JobStoreChangeKind.Deleted, row.Id, 0, _time.GetUtcNow().UtcTicks);
            return true;
        }).ConfigureAwait(false);

        if (deleted)
        {
            Raise(new JobStoreChange { Kind = JobStoreChangeKind.Deleted, JobId = id });
        }

        return deleted;
    }
}
