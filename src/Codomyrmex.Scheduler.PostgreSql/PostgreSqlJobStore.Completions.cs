using System.Collections.Concurrent;
using Codomyrmex.Scheduler.PostgreSql.Internal;
using Codomyrmex.Scheduler.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>Completing runs: concurrent completions on one instance are written together, in one transaction (group commit).</summary>
public sealed partial class PostgreSqlJobStore
{
    /// <summary>The pause before a batch that rolled back is written again one by one, so that a conflict can clear.</summary>
    private static readonly TimeSpan s_retryBackoff = TimeSpan.FromMilliseconds(20);

    /// <summary>The completions waiting for the writer.</summary>
    private readonly ConcurrentQueue<PendingCompletion> _completions = new();

    /// <summary>1 while a caller (or the task it handed over to) writes the queued completions.</summary>
    private int _completing;

    private int _completionTransactions;

    /// <summary>Gets how many transactions have written completions (each batch once, and once more per completion when it failed), for tests.</summary>
    internal int CompletionTransactions => Volatile.Read(ref _completionTransactions);

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// Completions that arrive while another is being written wait in a queue; the caller that finds no writer becomes it and
    /// writes everything queued in one transaction of two round trips: the claims are deleted by run id, instance id and
    /// fencing token together and the jobs locked in the first (with <c>BEGIN</c>), the shared rules
    /// (<see cref="JobState.Complete"/>) run here, and the jobs' new states, the history rows and <c>COMMIT</c> go in the
    /// second. A run recovered (or re-claimed) meanwhile no longer matches its claim, so a node that lost its lease records
    /// nothing over the new holder. Each caller gets its own answer.
    /// </para>
    /// <para>
    /// When a transaction of several completions surely rolled back (the server reported an error), each is written again
    /// alone after a short pause, so one completion the database refuses does not fail the others; each caller whose
    /// completion could not be written gets the exception. When the server ended the session because this process stalled
    /// between the two round trips (the transaction may stay idle for five seconds, so that a paused node does not hold the jobs'
    /// rows for the whole pause), nothing was written and the whole batch is written again at once. When the outcome of the COMMIT is unknown (the connection was
    /// lost), every caller of the batch gets the exception: the runs may be recorded, and completing again is answered by the
    /// claim's fencing. Cancelling
    /// <paramref name="cancellationToken"/> after the completion was queued stops the wait, not the write: the run may be recorded.
    /// </para>
    /// <para>
    /// As on every store, U+0000 and half a surrogate pair in the error are first replaced by U+FFFD
    /// (<see cref="RunRecords.FormatError"/>), and in the result written as JSON escapes or U+FFFD (<see cref="RunRecords.FormatResult"/>):
    /// PostgreSQL refuses U+0000 in text on every encoding, and Npgsql cannot send half a pair.
    /// </para>
    /// <para>
    /// A run whose error or result holds a character the database's encoding cannot hold (a job failing with a CJK message on
    /// LATIN1) is recorded all the same, in the job and in its history: in the error each such character is replaced by
    /// <c>?</c>; in the result (JSON) it is written as its JSON escape (<c>\uXXXX</c>), so the result keeps its value. Refused
    /// whole, the run would stay claimed until its lease expired and then be recorded as interrupted, its outcome lost.
    /// </para>
    /// </remarks>
    public async ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        cancellationToken.ThrowIfCancellationRequested();
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        RunRecord record = RunRecords.FromCompletion(completion, _history);
        string? error = await HeldTextAsync(record.Error, json: false, cancellationToken).ConfigureAwait(false);
        var pending = new PendingCompletion(
            completion,
            await HeldTextAsync(PendingCompletion.RowResult(completion, _history.MaxResultLength), json: true, cancellationToken).ConfigureAwait(false),
            error,
            record with { Error = error, Result = await HeldTextAsync(record.Result, json: true, cancellationToken).ConfigureAwait(false) });
        _completions.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _completing, 1, 0) == 0)
        {
            await WriteQueuedCompletionsAsync().ConfigureAwait(false);
        }

        return await pending.Answer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the queued completions, holding <see cref="_completing"/>; once its caller's batch is written, a task of its own
    /// takes over what queued meanwhile, so that the first caller does not wait for the others' batches.
    /// </summary>
    private async Task WriteQueuedCompletionsAsync()
    {
        while (true)
        {
            var batch = new List<PendingCompletion>();
            while (_completions.TryDequeue(out PendingCompletion? next))
            {
                batch.Add(next);
            }

            if (batch.Count > 0)
            {
                await WriteCompletionsAsync(batch).ConfigureAwait(false);
            }

            if (!_completions.IsEmpty)
            {
                _ = Task.Run(WriteQueuedCompletionsAsync);
                return;
            }

            Volatile.Write(ref _completing, 0);

            // A completion queued after the check above and before the release found a writer busy: take it unless another did.
            if (_completions.IsEmpty || Interlocked.CompareExchange(ref _completing, 1, 0) != 0)
            {
                return;
            }
        }
    }

    /// <summary>Writes completions in one transaction and answers each caller; never throws.</summary>
    /// <param name="batch">The completions.</param>
    /// <param name="again">Whether this is the batch's second try after the server ended an idle session (<see cref="IdleTimedOut"/>).</param>
    private async Task WriteCompletionsAsync(List<PendingCompletion> batch, bool again = false)
    {
        Interlocked.Increment(ref _completionTransactions);
        try
        {
            RunCompletionResult[] results = await InBatchedTransactionAsync(store => CompleteAllAsync(store, batch), CancellationToken.None).ConfigureAwait(false);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Answered(results[i]);
            }
        }
#pragma warning disable CA1031 // Every caller gets the exception of its own completion; none is lost.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            if (!again && IdleTimedOut(exception))
            {
                // This process stalled between the round trips and the server ended the session: nothing was written, and
                // nothing in the batch was at fault, so the whole batch is written again at once on another connection.
                await WriteCompletionsAsync(batch, again: true).ConfigureAwait(false);
                return;
            }

            // Only a batch whose transaction surely rolled back may be written again one by one. When the outcome of COMMIT is
            // unknown (the connection was lost), the batch may be recorded: a retry would find its claims gone and answer
            // Fenced for runs that were recorded. Each caller gets the exception instead and completes again; the claim's
            // fencing records the run once.
            if (batch.Count == 1 || !RolledBack(exception))
            {
                foreach (PendingCompletion pending in batch)
                {
                    pending.Failed(exception);
                }

                return;
            }

            await Task.Delay(s_retryBackoff, TimeProvider.System).ConfigureAwait(false);
            foreach (PendingCompletion pending in batch)
            {
                await WriteCompletionsAsync([pending]).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether a transaction that threw surely rolled back: the server reported an error (which aborts the transaction, and
    /// a COMMIT that fails rolls back), or our own code threw before COMMIT was sent. A lost connection (an
    /// <see cref="NpgsqlException"/> that is not a server error) or an error that ended the session leaves the COMMIT's outcome unknown.
    /// </summary>
    /// <remarks>
    /// A session the server ended because its transaction stayed idle too long (<see cref="IdleTimedOut"/>) rolled back too:
    /// the server was waiting for this process, so it had not received the <c>COMMIT</c>.
    /// </remarks>
    internal static bool RolledBack(Exception exception) => exception switch
    {
        PostgresException server => server.InvariantSeverity is "ERROR" || IdleTimedOut(server),
        NpgsqlException => false,
        _ => true,
    };

    /// <summary>
    /// Whether the server ended the session because its transaction stayed idle longer than
    /// <see cref="TransactionIdleTimeoutMilliseconds"/> (SQLSTATE 25P03): the transaction rolled back, nothing was written.
    /// </summary>
    internal static bool IdleTimedOut(Exception exception) => exception is PostgresException { SqlState: IdleInTransactionTimeout };

    /// <summary>SQLSTATE idle_in_transaction_session_timeout.</summary>
    private const string IdleInTransactionTimeout = "25P03";

    private async Task<RunCompletionResult[]> CompleteAllAsync(StoreTransaction store, List<PendingCompletion> batch)
    {
        // Round trip 1: BEGIN, delete the claims that still match (run, holder and token), and lock the jobs in one order.
        (HashSet<string> deleted, Dictionary<string, JobRow> rows, long now) = await LockRunsAndJobsAsync(store,
            $"DELETE FROM {_s}claims c USING unnest(@run_ids, @instance_ids, @tokens) AS t(r, i, k) " +
            "WHERE c.run_id = t.r AND c.instance_id = t.i AND c.token = t.k RETURNING c.run_id",
            batch.ConvertAll(p => p.Completion.Run)).ConfigureAwait(false);

        await BetweenRoundTripsAsync().ConfigureAwait(false);

        // The shared rules, in the order the completions arrived; each caller's job is the job right after its own completion.
        var results = new RunCompletionResult[batch.Count];
        var records = new List<RunRecord>(batch.Count);
        var changed = new List<JobRow>(rows.Count);
        var seen = new HashSet<JobRow>(rows.Count);
        for (int i = 0; i < batch.Count; i++)
        {
            RunCompletion completion = batch[i].Completion;
            if (!rows.TryGetValue(completion.Run.Job.Id, out JobRow? row))
            {
                results[i] = new RunCompletionResult { Status = RunCompletionStatus.NotFound };
                continue;
            }

            if (!deleted.Contains(completion.Run.RunId))
            {
                results[i] = new RunCompletionResult { Status = RunCompletionStatus.Fenced };
                continue;
            }

            long dueBefore = row.State.DueAtTicks;
            row.State.Complete(completion, Utc(now));
            if (completion.Outcome == RunOutcome.Succeeded)
            {
                row.Result = batch[i].ResultJson;
                row.Error = null;
            }
            else if (completion.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
            {
                row.Error = batch[i].Error;
            }

            row.StampFinished(now);
            if (seen.Add(row))
            {
                changed.Add(row);
            }

            records.Add(batch[i].Record);
            long due = row.State.DueAtTicks;
            if (due != 0 && (dueBefore == 0 || due < dueBefore))
            {
                // A queued run or a retry made the job due earlier: a dispatcher must look again.
                store.Changes.Add(Change(JobStoreChangeKind.Completed, row));
            }

            results[i] = new RunCompletionResult
            {
                Status = RunCompletionStatus.Recorded,
                Job = ToJob(row, completion.Outcome == RunOutcome.Succeeded ? completion.Result : null, keepStoredResult: completion.Outcome != RunOutcome.Succeeded),
            };
        }

        if (changed.Count > 0)
        {
            await WriteCompletedAsync(store, changed, records).ConfigureAwait(false);
        }
        else
        {
            await CommitAsync(store, CancellationToken.None).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>
    /// Round trip 1 of a completion or a give-back: <c>BEGIN</c>, <paramref name="claimsSql"/> over the runs' claims that still
    /// match (<c>@run_ids</c>, <c>@instance_ids</c>, <c>@tokens</c>; it returns their run ids), and the runs' jobs locked in one order.
    /// </summary>
    /// <returns>The run ids the claims statement returned, the jobs by id, and the store's now.</returns>
    private async Task<(HashSet<string> Matched, Dictionary<string, JobRow> Rows, long Now)> LockRunsAndJobsAsync(StoreTransaction store, string claimsSql,
        IReadOnlyList<ClaimedRun> runs)
    {
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var rows = new Dictionary<string, JobRow>(StringComparer.Ordinal);
        long now = 0;

        // A key the database cannot hold is sent as NULL, which matches no claim and no job: the run is fenced or not found.
        string?[] runIds = await KeysAsync(runs, r => r.RunId, CancellationToken.None).ConfigureAwait(false);
        string?[] instanceIds = await KeysAsync(runs, r => r.InstanceId, CancellationToken.None).ConfigureAwait(false);
        string?[] jobIds = await KeysAsync(runs, r => r.Job.Id, CancellationToken.None).ConfigureAwait(false);
        var find = new NpgsqlBatch(store.Connection);
        await using (find.ConfigureAwait(false))
        {
            AddBegin(find);
            var claims = new NpgsqlBatchCommand(claimsSql);
            claims.Parameters.Add(new NpgsqlParameter<string?[]>("run_ids", runIds));
            claims.Parameters.Add(new NpgsqlParameter<string?[]>("instance_ids", instanceIds));
            claims.Parameters.Add(new NpgsqlParameter<long[]>("tokens", runs.Select(r => r.FencingToken).ToArray()));
            find.BatchCommands.Add(claims);
            var lockJobs = new NpgsqlBatchCommand($"SELECT {JobRow.Columns}, {Db.Now} FROM {_s}jobs WHERE id = ANY(@job_ids) ORDER BY id FOR UPDATE");
            lockJobs.Parameters.Add(new NpgsqlParameter<string?[]>("job_ids", jobIds.Distinct(StringComparer.Ordinal).ToArray()));
            lockJobs.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.Bigint) { Value = (object?)_clock?.GetUtcNow().UtcTicks ?? DBNull.Value });
            find.BatchCommands.Add(lockJobs);
            NpgsqlDataReader reader = await find.ExecuteReaderAsync().ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    matched.Add(reader.GetString(0));
                }

                await reader.NextResultAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    JobRow row = JobRow.Read(reader);
                    rows[row.Id] = row;
                    now = reader.GetInt64(38);
                }
            }
        }

        return (matched, rows, now);
    }

    /// <summary>Round trip 2: every job's new state, the history rows, the history trimmed to its length per job, and COMMIT.</summary>
    private async Task WriteCompletedAsync(StoreTransaction store, List<JobRow> rows, List<RunRecord> records)
    {
        var write = new NpgsqlBatch(store.Connection);
        await using (write.ConfigureAwait(false))
        {
            write.BatchCommands.Add(StateUpdate(rows));
            if (_history.MaxRunsPerJob != 0)
            {
                var insert = new NpgsqlBatchCommand(
                    $"INSERT INTO {_s}runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, instance_id, outcome, error, result, " +
                    "attempt, is_manual, is_recovery) SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n FROM unnest(@run_ids, @job_ids, @job_names, @scheduled, @started_at, @finished_at, " +
                    "@nodes, @instance_ids, @outcomes, @errors, @results, @attempts, @is_manual, @is_recovery) WITH ORDINALITY AS t(a, b, c, d, e, f, " +
                    "g, h, i, j, k, l, m, n, o) ORDER BY o");
                insert.Parameters.Add(new NpgsqlParameter<string[]>("run_ids", records.Select(r => r.RunId).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<string[]>("job_ids", records.Select(r => r.JobId).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<string[]>("job_names", records.Select(r => r.JobName).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<long[]>("scheduled", records.Select(r => r.ScheduledTime.UtcTicks).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<long[]>("started_at", records.Select(r => r.StartedAt.UtcTicks).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<long[]>("finished_at", records.Select(r => r.FinishedAt.UtcTicks).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<string[]>("nodes", records.Select(r => r.Node).ToArray()));
                insert.Parameters.Add(TextArray("instance_ids", records.Select(r => r.InstanceId)));
                insert.Parameters.Add(new NpgsqlParameter<int[]>("outcomes", records.Select(r => (int)r.Outcome).ToArray()));
                insert.Parameters.Add(TextArray("errors", records.Select(r => r.Error)));
                insert.Parameters.Add(TextArray("results", records.Select(r => r.Result)));
                insert.Parameters.Add(new NpgsqlParameter<int[]>("attempts", records.Select(r => r.Attempt).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<bool[]>("is_manual", records.Select(r => r.IsManual).ToArray()));
                insert.Parameters.Add(new NpgsqlParameter<bool[]>("is_recovery", records.Select(r => r.IsRecovery).ToArray()));
                write.BatchCommands.Add(insert);
                if (_history.MaxRunsPerJob is { } keep)
                {
                    // One statement for every job of the batch: each job's rows older than its newest `keep`, found per job by
                    // the (job_id, seq) index and deleted by their keys. Joined back to the history instead, the planner read
                    // and hashed the whole history at every completion batch while the table was young (no statistics yet,
                    // as after a burst of new jobs): milliseconds per batch, growing with the history. (A history of a few
                    // thousand rows may still be scanned whole, which then costs little.)
                    var trim = new NpgsqlBatchCommand(
                        $"DELETE FROM {_s}runs WHERE seq = ANY(ARRAY(SELECT o.seq FROM unnest(@job_ids) AS j(id) CROSS JOIN LATERAL " +
                        $"(SELECT seq FROM {_s}runs WHERE job_id = j.id ORDER BY seq DESC OFFSET @keep) AS o))");
                    trim.Parameters.Add(new NpgsqlParameter<string[]>("job_ids", records.Select(r => r.JobId).Distinct(StringComparer.Ordinal).ToArray()));
                    trim.Parameters.Add(new NpgsqlParameter<long>("keep", keep));
                    write.BatchCommands.Add(trim);
                }
            }

            AddCommit(write, store);
            await write.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One statement that writes the states of <paramref name="rows"/> (distinct jobs, locked by this transaction) back: the
    /// columns of <see cref="JobRow.StateAssignments"/>, each as an array, rather than a statement per job.
    /// </summary>
    private NpgsqlBatchCommand StateUpdate(IReadOnlyCollection<JobRow> rows)
    {
        var update = new NpgsqlBatchCommand(
            $"UPDATE {_s}jobs AS j SET status = t.status, last_failed = t.last_failed, run_count = t.run_count, failure_count = t.failure_count, " +
            "active_runs = t.active_runs, next_run = t.next_run, queued = t.queued, last_run = t.last_run, last_duration = t.last_duration, " +
            "version = t.version, retry_at = t.retry_at, retry_of = t.retry_of, retry_attempt = t.retry_attempt, retry_is_recovery = t.retry_is_recovery, " +
            "waits_for_idle = t.waits_for_idle, paused = t.paused, due_at = t.due_at, finished_at = t.finished_at, result = t.result, error = t.error " +
            "FROM unnest(@id, @status, @last_failed, @run_count, @failure_count, @active_runs, @next_run, @queued, @last_run, @last_duration, @version, " +
            "@retry_at, @retry_of, @retry_attempt, @retry_is_recovery, @waits_for_idle, @paused, @due_at, @finished_at, @result, @error) AS t(id, status, " +
            "last_failed, run_count, failure_count, active_runs, next_run, queued, last_run, last_duration, version, retry_at, retry_of, retry_attempt, " +
            "retry_is_recovery, waits_for_idle, paused, due_at, finished_at, result, error) WHERE j.id = t.id");
        NpgsqlParameterCollection p = update.Parameters;
        p.Add(new NpgsqlParameter<string[]>("id", rows.Select(r => r.Id).ToArray()));
        p.Add(new NpgsqlParameter<int[]>("status", rows.Select(r => (int)r.State.Status).ToArray()));
        p.Add(new NpgsqlParameter<bool[]>("last_failed", rows.Select(r => r.State.LastFailed).ToArray()));
        p.Add(new NpgsqlParameter<int[]>("run_count", rows.Select(r => r.State.RunCount).ToArray()));
        p.Add(new NpgsqlParameter<int[]>("failure_count", rows.Select(r => r.State.FailureCount).ToArray()));
        p.Add(new NpgsqlParameter<int[]>("active_runs", rows.Select(r => r.State.ActiveRuns).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("next_run", rows.Select(r => r.State.NextRunTicks).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("queued", rows.Select(r => r.State.QueuedTicks).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("last_run", rows.Select(r => r.State.LastRunTicks).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("last_duration", rows.Select(r => r.State.LastDurationTicks).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("version", rows.Select(r => r.State.Version).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("retry_at", rows.Select(r => r.State.RetryAtTicks).ToArray()));
        p.Add(new NpgsqlParameter<long[]>("retry_of", rows.Select(r => r.State.RetryOfTicks).ToArray()));
        p.Add(new NpgsqlParameter<int[]>("retry_attempt", rows.Select(r => r.State.RetryAttempt).ToArray()));
        p.Add(new NpgsqlParameter<bool[]>("retry_is_recovery", rows.Select(r => r.State.RetryIsRecovery).ToArray()));
        p.Add(new NpgsqlParameter<bool[]>("waits_for_idle", rows.Select(r => r.State.WaitsForIdle).ToArray()));
        p.Add(new NpgsqlParameter<bool[]>("paused", rows.Select(r => r.State.IsPaused).ToArray()));
        p.Add(new NpgsqlParameter<long?[]>("due_at", rows.Select(r => r.State.DueAtTicks is var due && due != 0 ? due : (long?)null).ToArray()));
        p.Add(new NpgsqlParameter<long?[]>("finished_at", rows.Select(r => r.FinishedAt != 0 ? r.FinishedAt : (long?)null).ToArray()));
        p.Add(TextArray("result", rows.Select(r => r.Result)));
        p.Add(TextArray("error", rows.Select(r => r.Error)));
        return update;
    }

    private static NpgsqlParameter TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };
}
