using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Giving back claimed runs that never started: a batch in one transaction of two round trips.</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// One transaction of two round trips for the whole batch, under the same idle limit as a completion: the claims that still
    /// match (run id, instance id and fencing token) and their jobs are locked in the first (with <c>BEGIN</c>), the shared rule
    /// (<see cref="JobState.Release"/>) runs here, and the released claims' deletion, the jobs' new states, one notification
    /// per job (so that other nodes see it due) and <c>COMMIT</c> go in the second.
    /// </para>
    /// <para>
    /// A transaction that surely rolled back (the server reported an error, or ended the session because this process stalled
    /// between the round trips) is tried once more after a short pause; nothing of it was written. When the outcome of the
    /// <c>COMMIT</c> is unknown (the connection was lost), the exception is thrown: the runs may be given back, and giving them
    /// back again is answered <see cref="RunReleaseStatus.Fenced"/>.
    /// </para>
    /// </remarks>
    public async ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default)
    {
        int[] order = JobState.GetReleaseOrder(runs);
        cancellationToken.ThrowIfCancellationRequested();
        if (runs.Count == 0)
        {
            return [];
        }

        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await InBatchedTransactionAsync(store => ReleaseAllAsync(store, runs, order), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (attempt == 0 && RolledBack(exception) && exception is not OperationCanceledException)
            {
                await Task.Delay(s_retryBackoff, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<RunReleaseStatus>> ReleaseAllAsync(StoreTransaction store, IReadOnlyList<ClaimedRun> runs, int[] order)
    {
        // Round trip 1: BEGIN, lock the claims that still match (run, holder and token), and lock their jobs in one order.
        (HashSet<string> live, Dictionary<string, JobRow> rows, long now) = await LockRunsAndJobsAsync(store,
            $"SELECT c.run_id FROM {_s}claims c JOIN unnest(@run_ids, @instance_ids, @tokens) AS t(r, i, k) " +
            "ON c.run_id = t.r AND c.instance_id = t.i AND c.token = t.k FOR UPDATE OF c",
            runs).ConfigureAwait(false);

        await BetweenRoundTripsAsync().ConfigureAwait(false);

        // The shared rule, run by run, latest scheduled time first.
        var statuses = new RunReleaseStatus[runs.Count];
        var released = new List<string>(runs.Count);
        var changed = new List<JobRow>(rows.Count);
        foreach (int i in order)
        {
            ClaimedRun run = runs[i];
            if (!rows.TryGetValue(run.Job.Id, out JobRow? row))
            {
                statuses[i] = RunReleaseStatus.NotFound;
                continue;
            }

            if (!live.Remove(run.RunId))
            {
                statuses[i] = RunReleaseStatus.Fenced;
                continue;
            }

            Trigger? trigger;
            try
            {
                trigger = TriggerOf(row);
            }
            catch (InvalidOperationException exception) when (exception.InnerException is FormatException)
            {
                // A damaged trigger cannot say where the occurrence goes: the run stays claimed, and its node completes it.
                statuses[i] = RunReleaseStatus.Kept;
                continue;
            }

            if (!row.State.Release(trigger, row.MaxRuns, run))
            {
                statuses[i] = RunReleaseStatus.Kept;
                continue;
            }

            row.StampFinished(now);
            released.Add(run.RunId);
            if (!changed.Contains(row))
            {
                changed.Add(row);
            }

            statuses[i] = RunReleaseStatus.Released;
        }

        if (changed.Count == 0)
        {
            await CommitAsync(store, CancellationToken.None).ConfigureAwait(false);
            return statuses;
        }

        foreach (JobRow row in changed)
        {
            store.Changes.Add(Change(JobStoreChangeKind.Released, row));
        }

        // Round trip 2: the released claims deleted, every job's new state, the notifications, and COMMIT.
        var write = new NpgsqlBatch(store.Connection);
        await using (write.ConfigureAwait(false))
        {
            var delete = new NpgsqlBatchCommand($"DELETE FROM {_s}claims WHERE run_id = ANY(@run_ids)");
            delete.Parameters.Add(new NpgsqlParameter<string[]>("run_ids", released.ToArray()));
            write.BatchCommands.Add(delete);
            write.BatchCommands.Add(StateUpdate(changed));
            AddCommit(write, store);
            await write.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return statuses;
    }
}
