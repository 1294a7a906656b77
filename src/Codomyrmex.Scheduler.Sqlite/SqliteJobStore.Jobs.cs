using Codomyrmex.Scheduler.Sqlite.Internal;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler.Sqlite;

/// <summary>Adding, reading, listing, updating and cancelling jobs.</summary>
public sealed partial class SqliteJobStore
{
    /// <summary>
    /// SQLite's extended result code for a broken unique index (here: the job id, or one live job per source and name); other
    /// broken constraints (a trigger of another program that refuses the write) are reported as SQLite reports them.
    /// </summary>
    private const int SqliteConstraintUnique = 2067;

    /// <inheritdoc/>
    /// <remarks>
    /// The file enforces one live job per source and name with a unique index, and the look-up and the insert are one
    /// <c>BEGIN IMMEDIATE</c> transaction, so two processes (or store instances) declaring the same jobs at once end with one.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A job with the same id exists; the job runs a delegate rather than a registered task; or an argument is not a JSON value.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfReadOnly();
        JobRow row = ToNewRow(job, nameof(job));
        AddJobResult added = await WriteAsync(() =>
        {
            if (row.TriggerJson is not null)
            {
                _jobs.CacheTrigger(row.TriggerJson, job.Trigger!);
            }

            if (row.Source is { } source && _jobs.LiveDeclared(source, row.Name) is { } existing)
            {
                return new AddJobResult { Job = _jobs.ToJob(existing), Added = false };
            }

            try
            {
                _jobs.Insert(row);
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteConstraintUnique)
            {
                // The id: the live source and name were looked up in this transaction, which holds the write lock.
                throw StoreErrors.DuplicateId(job.Id, nameof(job));
            }

            return new AddJobResult { Job = job, Added = true };
        }).ConfigureAwait(false);

        if (added.Added)
        {
            Raise(AddedChange(row));
        }

        return added;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One <c>BEGIN IMMEDIATE</c> transaction for the whole batch, with the same checks as <see cref="AddAsync"/> per job:
    /// other processes see every added job or none, and the file is written (and flushed) once.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// A job's id exists or appears twice; a job runs a delegate rather than a registered task; or an argument is not a JSON
    /// value. Nothing of the batch is added.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        cancellationToken.ThrowIfCancellationRequested();
        if (jobs.Count == 0)
        {
            return [];
        }

        ThrowIfReadOnly();
        var rows = new JobRow[jobs.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = ToNewRow(jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"The job at index {i} is null."), nameof(jobs));
        }

        AddJobResult[] results = await WriteAsync(() =>
        {
            var results = new AddJobResult[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                JobRow row = rows[i];
                if (row.TriggerJson is not null)
                {
                    _jobs.CacheTrigger(row.TriggerJson, jobs[i].Trigger!);
                }

                if (row.Source is { } source && _jobs.LiveDeclared(source, row.Name) is { } existing)
                {
                    results[i] = new AddJobResult { Job = _jobs.ToJob(existing), Added = false };
                    continue;
                }

                try
                {
                    _jobs.Insert(row);
                }
                catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteConstraintUnique)
                {
                    // The write's changes are rolled back: nothing of the batch stays.
                    throw StoreErrors.DuplicateId(row.Id, nameof(jobs));
                }

                results[i] = new AddJobResult { Job = jobs[i], Added = true };
            }

            return results;
        }).ConfigureAwait(false);

        for (int i = 0; i < rows.Length; i++)
        {
            if (results[i].Added)
            {
                Raise(AddedChange(rows[i]));
            }
        }

        return results;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(_jobs.CountAll));
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(() =>
        {
            JobRow? row = _jobs.ById(id);
            return row is null ? (Job?)null : _jobs.ToJob(row);
        }));
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ThrowIfBadPage(query.Offset, query.Limit);
        cancellationToken.ThrowIfCancellationRequested();
        return new(Read(() =>
        {
            // One read transaction, so the total and the page agree even while another process writes.
            using StoreTransaction transaction = _db.BeginRead();
            int total = _jobs.Count(query);
            List<Job> items = query.Limit != 0 && query.Offset < total ? _jobs.List(query) : [];
            transaction.Commit();
            return new JobPage { Items = items, Total = total };
        }));
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">
    /// An argument of the job is not a JSON value, or the update would make the job a second live job of its source and name.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        string args = JsonValues.FromArgs(job.Args);
        string kwargs = JsonValues.FromKwargs(job.Kwargs);
        string? trigger = job.Trigger?.ToJson();
        (Job? updated, JobStoreChange change) = await WriteAsync<(Job?, JobStoreChange)>(() =>
        {
            JobRow? row = _jobs.ById(job.Id);
            if (row is null || row.State.Version != job.Version)
            {
                return (null, default);
            }

            // A new trigger or limit moves the next run to the one the caller computed; a finished job may be pending again.
            row.State.ApplyUpdate(_jobs.TriggerOf(row), row.MaxRuns, job);
            row.Name = job.Name;
            row.Task = job.Task;
            row.Args = args;
            row.Kwargs = kwargs;
            row.TriggerJson = trigger;
            row.MaxRuns = job.MaxRuns;
            row.Options = job.Options;
            row.Source = job.Source;
            if (trigger is not null)
            {
                _jobs.CacheTrigger(trigger, job.Trigger!);
            }

            try
            {
                _jobs.WriteDefinition(row);
            }
            catch (SqliteException e) when (e.SqliteExtendedErrorCode == SqliteConstraintUnique)
            {
                throw new ArgumentException(
                    $"Job '{job.Id}' cannot become '{job.Name}' of source '{job.Source}': another live job has that source and name.", nameof(job), e);
            }

            JobStoreChange change = LogChange(JobStoreChangeKind.Updated, row, _time.GetUtcNow().UtcTicks);
            return (_jobs.ToJob(row), change);
        }).ConfigureAwait(false);

        if (updated is not null)
        {
            Raise(change);
        }

        return updated;
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">
    /// The store was opened read-only. Also thrown when the file is damaged: the message names it, and the operation changed nothing.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public async ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        (Job? job, _) = await ChangeStateAsync(id, static row => row.State.Cancel() ? JobStoreChangeKind.Cancelled : null).ConfigureAwait(false);

        // Raised for a job cancelled already too: a node that missed the first still cancels its runs.
        if (job is not null)
        {
            Raise(new JobStoreChange { Kind = JobStoreChangeKind.Cancelled, JobId = job.Id });
        }

        return job;
    }

    /// <summary>
    /// Changes one job's state in a write transaction: reads the job, applies <paramref name="change"/>, and if it says what
    /// changed, writes the state and logs the change before committing.
    /// </summary>
    /// <returns>The job after the change, or <see langword="null"/> if there is no such job.</returns>
    private ValueTask<(Job? Job, JobStoreChange? Changed)> ChangeStateAsync(string id, Func<JobRow, JobStoreChangeKind?> change) =>
        WriteAsync<(Job?, JobStoreChange?)>(() =>
        {
            JobRow? row = _jobs.ById(id);
            if (row is null)
            {
                return (null, null);
            }

            JobStoreChange? changed = null;
            if (change(row) is { } kind)
            {
                _jobs.WriteState(row);
                changed = LogChange(kind, row, _time.GetUtcNow().UtcTicks);
            }

            return (_jobs.ToJob(row), changed);
        });

    /// <summary>The row of a job to add.</summary>
    /// <exception cref="ArgumentException">The job runs a delegate, or an argument is not a JSON value.</exception>
    private static JobRow ToNewRow(Job job, string parameter)
    {
        if (job.Func is not null)
        {
            throw new ArgumentException(
                $"Job '{job.Name}' runs a delegate, which the SQLite store cannot keep across restarts: register it with " +
                "scheduler.RegisterTask(name, handler) and schedule the task by name.", parameter);
        }

        return new JobRow
        {
            Id = job.Id,
            Name = job.Name,
            Task = job.Task,
            Args = JsonValues.FromArgs(job.Args),
            Kwargs = JsonValues.FromKwargs(job.Kwargs),
            TriggerJson = job.Trigger?.ToJson(),
            MaxRuns = job.MaxRuns,
            Source = job.Source,
            CreatedAt = job.CreatedAt.UtcTicks,
            Options = job.Options,
            State = JobState.ForNewJob(job),
        };
    }

    /// <summary>
    /// The change an add raises. It is not logged for other store instances: an add only ever makes something due earlier,
    /// which they learn from the earliest due time when the file's change counter moves (see <c>Poll</c>), so adding a job
    /// writes the job's row and nothing else.
    /// </summary>
    private static JobStoreChange AddedChange(JobRow row)
    {
        long due = row.State.DueAtTicks;
        return new JobStoreChange { Kind = JobStoreChangeKind.Added, JobId = row.Id, DueAt = due == 0 ? null : Utc(due) };
    }

    private static void ThrowIfBadPage(int offset, int? limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset, "query");
        ArgumentOutOfRangeException.ThrowIfNegative(limit ?? 0, "query");
    }
}
