using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler;

/// <summary>Adding, reading, listing, updating and cancelling jobs.</summary>
public sealed partial class SqliteJobStore
{
    /// <summary>SQLite's result code for a broken constraint (here: the unique job id).</summary>
    private const int SqliteConstraint = 19;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">
    /// A job with the same id exists; the job runs a delegate rather than a registered task; or an argument is not a JSON value.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask AddAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        if (job.Func is not null)
        {
            throw new ArgumentException(
                $"Job '{job.Name}' runs a delegate, which the SQLite store cannot keep across restarts: register it with " +
                "scheduler.RegisterTask(name, handler) and schedule the task by name.", nameof(job));
        }

        ThrowIfReadOnly();

        var row = new JobRow
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
            State = job.NextRun is { } first ? JobState.ForNewJob(first) : new JobState { Status = JobStatus.Completed, Version = 1 },
        };
        bool earliest;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (row.TriggerJson is not null)
            {
                _jobs.CacheTrigger(row.TriggerJson, job.Trigger!);
            }

            // One statement, so no transaction: the due time read before it only decides whether to wake a dispatcher.
            long? dueBefore = _jobs.NextDue();
            try
            {
                _jobs.Insert(row);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraint)
            {
                throw new ArgumentException($"A job with id '{job.Id}' already exists.", nameof(job), e);
            }

            long due = row.State.DueAt;
            earliest = due != 0 && (dueBefore is null || due < dueBefore);
        }

        if (earliest)
        {
            RaiseChanged();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            JobRow? row = _jobs.ById(id);
            return new(row is null ? null : _jobs.ToJob(row));
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ThrowIfBadPage(query.Offset, query.Limit);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // One read transaction, so the total and the page agree even while another process writes.
            using StoreTransaction transaction = _db.BeginRead();
            int total = _jobs.Count(query.Status);
            List<Job> items = query.Limit != 0 && query.Offset < total ? _jobs.List(query.Status, query.Limit, query.Offset) : [];
            transaction.Commit();
            return new(new JobPage(items, total));
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">An argument of the job is not a JSON value.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        string args = JsonValues.FromArgs(job.Args);
        string kwargs = JsonValues.FromKwargs(job.Kwargs);
        string? trigger = job.Trigger?.ToJson();
        Job updated;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            JobRow? row = _jobs.ById(job.Id);
            if (row is null || row.State.Version != job.Version)
            {
                return new((Job?)null);
            }

            // As InMemoryJobStore: a new trigger or limit moves the next run to the one the caller computed; a finished job
            // may be pending again.
            bool reschedule = row.MaxRuns != job.MaxRuns || _jobs.TriggerOf(row)?.ToString() != job.Trigger?.ToString();
            row.Name = job.Name;
            row.Task = job.Task;
            row.Args = args;
            row.Kwargs = kwargs;
            row.TriggerJson = trigger;
            row.MaxRuns = job.MaxRuns;
            row.Options = job.Options;
            row.Source = job.Source;
            if (reschedule)
            {
                row.State.Reschedule(job.NextRun?.UtcTicks ?? 0, job.MaxRuns);
            }
            else
            {
                row.State.Version++;
            }

            if (trigger is not null)
            {
                _jobs.CacheTrigger(trigger, job.Trigger!);
            }

            _jobs.WriteDefinition(row);
            transaction.Commit();
            updated = _jobs.ToJob(row);
        }

        RaiseChanged();
        return new(updated);
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        return new(ChangeState(id, static row => row.State.Cancel(), out _));
    }

    /// <summary>
    /// Changes one job's state in a write transaction: reads the job, applies <paramref name="change"/>, writes the state if
    /// its version moved, and commits.
    /// </summary>
    /// <returns>The job after the change, or <see langword="null"/> if there is no such job.</returns>
    private Job? ChangeState(string id, Action<JobRow> change, out bool changed)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using StoreTransaction transaction = BeginWrite();
            JobRow? row = _jobs.ById(id);
            if (row is null)
            {
                changed = false;
                return null;
            }

            long version = row.State.Version;
            change(row);
            changed = row.State.Version != version;
            if (changed)
            {
                _jobs.WriteState(row);
            }

            transaction.Commit();
            return _jobs.ToJob(row);
        }
    }

    private static void ThrowIfBadPage(int offset, int? limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset, "query");
        ArgumentOutOfRangeException.ThrowIfNegative(limit ?? 0, "query");
    }
}
