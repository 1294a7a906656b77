using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// Adds a new pending job of a delegate from its parts, with an id the store draws (again, on the rare collision, under its
    /// lock): what <see cref="AddAsync"/> does with the <see cref="Job"/> the scheduler would build, without building it or
    /// its result. A schedule call's largest allocation was that record, and every byte a call allocates brings the next
    /// collection of a heap that holds millions of jobs nearer.
    /// </summary>
    /// <param name="name">The job's name, checked by the caller.</param>
    /// <param name="func">What the job runs.</param>
    /// <param name="args">Positional arguments, or <see langword="null"/> for none.</param>
    /// <param name="kwargs">Keyword arguments, or <see langword="null"/> for none.</param>
    /// <param name="trigger">The trigger, bound; <see langword="null"/> for a job that runs once, as soon as possible.</param>
    /// <param name="createdAt">When the job was scheduled, by the store's clock.</param>
    /// <param name="firstRun">The job's first run.</param>
    /// <param name="maxRuns">The most runs, checked by the caller.</param>
    /// <param name="options">The job's policies, checked by the caller.</param>
    /// <returns>The new job's id.</returns>
    internal string AddNew(string name, Delegate func, IReadOnlyList<object?>? args, IReadOnlyDictionary<string, object?>? kwargs, Trigger? trigger,
        DateTimeOffset createdAt, DateTimeOffset firstRun, int? maxRuns, JobOptions options)
    {
        Entry entry = Draw();
        lock (_lock)
        {
            while (Holds(entry))
            {
                entry = Draw();
            }

            Insert(entry);
        }

        string id = JobIds.Format(entry.Key);
        Raise(JobStoreChangeKind.Added, entry, id);
        return id;

        Entry Draw() => new(JobIds.NewKey(), name, func, args ?? [], kwargs ?? Job.NoKwargs, trigger, createdAt.UtcTicks, firstRun.UtcTicks, maxRuns, options);
    }
}
