namespace Codomyrmex.Scheduler.Storage;

/// <summary>Listing and counting jobs, and adding many at once.</summary>
public sealed partial class InMemoryJobStore
{
    /// <inheritdoc/>
    /// <remarks>One lock for the whole batch: other threads see every added job or none.</remarks>
    public ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
        {
            return new(Array.Empty<AddJobResult>());
        }

        var entries = new Entry[jobs.Count];
        var ids = new HashSet<string>(jobs.Count, StringComparer.Ordinal);
        for (int i = 0; i < entries.Length; i++)
        {
            Job job = jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"The job at index {i} is null.");
            if (!ids.Add(job.Id))
            {
                throw StoreErrors.DuplicateId(job.Id, nameof(jobs));
            }

            entries[i] = new Entry(job, 0);
        }

        var results = new AddJobResult[entries.Length];
        var added = new List<Entry>(entries.Length);
        lock (_lock)
        {
            // Every id first, so that a batch that cannot be added leaves the store as it was.
            foreach (Entry entry in entries)
            {
                if (Find(entry.Id) is not null)
                {
                    throw StoreErrors.DuplicateId(entry.Id, nameof(jobs));
                }
            }

            for (int i = 0; i < entries.Length; i++)
            {
                Entry entry = entries[i];
                if (LiveDeclared(entry) is { } other)
                {
                    results[i] = new AddJobResult { Job = other.ToJob(), Added = false };
                    continue;
                }

                Insert(entry);
                added.Add(entry);
                results[i] = new AddJobResult { Job = jobs[i], Added = true };
            }
        }

        foreach (Entry entry in added)
        {
            Raise(JobStoreChangeKind.Added, entry);
        }

        return new(results);
    }

    /// <inheritdoc/>
    /// <remarks>The store keeps the counts as jobs change status: O(1).</remarks>
    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(new JobCounts
            {
                Pending = _statusCounts[(int)JobStatus.Pending],
                Running = _statusCounts[(int)JobStatus.Running],
                Completed = _statusCounts[(int)JobStatus.Completed],
                Failed = _statusCounts[(int)JobStatus.Failed],
                Cancelled = _statusCounts[(int)JobStatus.Cancelled],
            });
        }
    }

    /// <inheritdoc/>
    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        int limit = query.Limit ?? int.MaxValue;
        lock (_lock)
        {
            // Without a name or source filter the kept counts give the total at once, so the walk stops as soon as the page is full.
            int? known = query.Name is null && query.NamePrefix is null && query.Source is null
                ? query.Status is { } only ? _statusCounts[(int)only] : _statusCounts.Sum()
                : null;
            var items = new List<Job>();
            if (limit == 0 && known is { } none)
            {
                return new(new JobPage { Items = items, Total = none });
            }

            int matched = 0;
            foreach (Entry entry in AllEntries(ordered: true))
            {
                if (!Matches(entry, query))
                {
                    continue;
                }

                if (matched++ >= query.Offset && items.Count < limit)
                {
                    items.Add(entry.ToJob());
                }

                if (known is { } total && (items.Count == limit || matched == total))
                {
                    return new(new JobPage { Items = items, Total = total });
                }
            }

            return new(new JobPage { Items = items, Total = known ?? matched });
        }
    }

    private static bool Matches(Entry entry, in JobQuery query) =>
        (query.Status is not { } status || entry.State.Status == status) &&
        (query.Name is not { } name || string.Equals(entry.Name, name, StringComparison.Ordinal)) &&
        (query.NamePrefix is not { } prefix || entry.Name.StartsWith(prefix, StringComparison.Ordinal)) &&
        (query.Source is not { } source || string.Equals(entry.Source, source, StringComparison.Ordinal));

    /// <summary>Puts a new job in every index; the caller holds the lock and has checked its id and its source and name.</summary>
    private void Insert(Entry entry)
    {
        entry.Sequence = _sequence++;
        _statusCounts[(int)entry.State.Status]++;
        if (entry.State.IsFinished)
        {
            MarkFinished(entry);
        }

        if (entry.ForeignId is null)
        {
            _jobs.Add(entry.Key, entry);
        }
        else
        {
            (_jobsWithForeignIds ??= new Dictionary<string, Entry>(StringComparer.Ordinal)).Add(entry.ForeignId, entry);
        }

        Declare(entry);
        Reschedule(entry);
    }
}
