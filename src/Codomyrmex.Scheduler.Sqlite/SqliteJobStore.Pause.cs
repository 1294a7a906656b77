using Codomyrmex.Scheduler.Internal;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler;

/// <summary>Pausing, resuming and deleting jobs.</summary>
public sealed partial class SqliteJobStore
{
    private SqliteCommand? _hasClaims;
    private SqliteCommand? _deleteJob;
    private SqliteCommand? _deleteJobRuns;

    /// <inheritdoc/>
    /// <remarks>
    /// A paused job has no due time in the file, so a dispatcher in another process claims nothing of it; a resume reaches that
    /// dispatcher through <see cref="Changed"/> within <see cref="SqliteJobStoreOptions.PollInterval"/>.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        bool resumed;
        Job job;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Begin();
            try
            {
                JobRow? row = ReadJob(_jobById, id);
                if (row is null)
                {
                    Rollback();
                    return new((Job?)null);
                }

                resumed = row.State.SetPaused(paused) && !paused;
                WriteState(row);
                _commit.ExecuteNonQuery();
                job = ToJob(row);
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        if (resumed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return new(job);
    }

    /// <inheritdoc/>
    /// <remarks>The job's row and its history rows go in one transaction. A run claimed from another process counts as in progress.</remarks>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _hasClaims ??= Command("SELECT count(*) FROM claims WHERE job_seq = $seq;", "$seq");
            _deleteJob ??= Command("DELETE FROM jobs WHERE seq = $seq;", "$seq");
            _deleteJobRuns ??= Command("DELETE FROM runs WHERE job_id = $id;", "$id");
            Begin();
            try
            {
                JobRow? row = ReadJob(_jobById, id);
                if (row is null)
                {
                    Rollback();
                    return new(false);
                }

                SetParameter(_hasClaims, 0, row.Seq);
                if (row.State.ActiveRuns > 0 || (long)_hasClaims.ExecuteScalar()! > 0)
                {
                    throw StoreErrors.DeleteWhileRunning(row.Id, row.Name);
                }

                SetParameter(_deleteJobRuns, 0, row.Id);
                _deleteJobRuns.ExecuteNonQuery();
                SetParameter(_deleteJob, 0, row.Seq);
                _deleteJob.ExecuteNonQuery();
                _commit.ExecuteNonQuery();
                return new(true);
            }
            catch
            {
                Rollback();
                throw;
            }
        }
    }
}
