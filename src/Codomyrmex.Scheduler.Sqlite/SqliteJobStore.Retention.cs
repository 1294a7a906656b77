using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Retention: finished jobs, old history, dead nodes and old logged changes.</summary>
public sealed partial class SqliteJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// One transaction deletes, by the store's clock and as <see cref="SqliteJobStoreOptions.Retention"/> says: at most
    /// <see cref="JobRetentionOptions.BatchSize"/> finished jobs (oldest finished first, found through an index on their finish
    /// time) with all their history; at most as many history records older than <see cref="JobRetentionOptions.Runs"/> (looked
    /// for among the oldest records); the nodes that are no longer alive; and logged changes old enough that every store
    /// instance polling the file has read them.
    /// </para>
    /// <para>A cancelled job whose run is still going is kept until the run has ended.</para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RetentionResult purged = await WriteAsync(() =>
        {
            int jobsDeleted = 0;
            int runsDeleted = 0;
            long now = _time.GetUtcNow().UtcTicks;
            int batch = _retention.BatchSize;
            if (_retention.FinishedJobs is { } keepJobs)
            {
                foreach ((long seq, string id) in _jobs.FinishedBefore(now - Math.Min(keepJobs.Ticks, now), batch))
                {
                    runsDeleted += _history.DeleteForJob(id);
                    _jobs.Delete(seq);
                    jobsDeleted++;
                }
            }

            if (_retention.Runs is { } keepRuns)
            {
                runsDeleted += _history.PurgeOlderThan(now - Math.Min(keepRuns.Ticks, now), batch);
            }

            _nodes.DeleteDead(now);
            _changes.Prune(now - Math.Min(_changeRetention.Ticks, now), batch);
            if (jobsDeleted > 0)
            {
                _changes.Write(JobStoreChangeKind.Purged, null, 0, now);
            }

            return new RetentionResult { JobsDeleted = jobsDeleted, RunsDeleted = runsDeleted };
        }).ConfigureAwait(false);

        if (purged.JobsDeleted > 0)
        {
            Raise(new JobStoreChange { Kind = JobStoreChangeKind.Purged });
        }

        return purged;
    }
}
