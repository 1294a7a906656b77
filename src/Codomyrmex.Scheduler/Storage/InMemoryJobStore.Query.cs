namespace Codomyrmex.Scheduler.Storage;

/// <summary>Listing and counting jobs, and adding many at once.</summary>
public sealed partial class InMemoryJobStore
{
    /// <summary>Every job by name, then by the order added.</summary>
    private readonly NameIndex _byName = new();

    /// <summary>The jobs of each source, in the order added.</summary>
    private readonly Dictionary<string, List<Entry>> _bySource = new(StringComparer.Ordinal);

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
    /// <remarks>
    /// A name or a name prefix is a range of a name index (sorted by name, then by the order jobs were added): its total costs
    /// O(n / 256) at most and an exact name's page O(log n + page). A prefix's page takes the range's jobs in the order they
    /// were added when the range is small next to the page, and otherwise walks the jobs in that order, passing over those
    /// that do not match. A source's jobs are indexed apart. A status alone is counted as jobs change; the page walks the
    /// jobs in the order they were added, so a page of a rare status among many jobs may read many.
    /// </remarks>
    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        int limit = query.Limit ?? int.MaxValue;
        lock (_lock)
        {
            if (query.Source is { } source)
            {
                List<Entry> declared = _bySource.GetValueOrDefault(source) ?? [];
                return new(Page(declared, query, limit, total: null));
            }

            if (query.Name is not null || query.NamePrefix is { Length: > 0 })
            {
                (string from, string? to) = query.Name is { } name ? (name, name + "\0") : (query.NamePrefix!, NameIndex.UpperBound(query.NamePrefix!));
                (int start, int end) = _byName.Range(from, to);
                int count = end - start;
                int? total = query.Status is null && (query.Name is null || query.NamePrefix is null) ? count : null;
                long wanted = Math.Min((long)query.Offset + limit, count);

                // A page of an exact name is already in added order; a prefix's range is in name order: sort the range by
                // the order added when that reads fewer jobs than walking all jobs for the page would.
                if (query.NamePrefix is null || query.Name is not null)
                {
                    return new(Page(_byName.Slice(start, end), query, limit, total));
                }

                // Sorting reads the range (about count x log count steps); the walk about wanted x jobs / count.
                long jobs = _statusCounts.Sum();
                if (total is null || count <= 1024 || (long)count * count * 16 <= wanted * jobs)
                {
                    List<Entry> range = _byName.Slice(start, end);
                    range.Sort(BySequence.Instance);
                    return new(Page(range, query, limit, total));
                }

                return new(Page(AllEntries(ordered: true), query, limit, total));
            }

            // Without a name or source filter the kept counts give the total at once, so the walk stops as soon as the page is full.
            int known = query.Status is { } only ? _statusCounts[(int)only] : _statusCounts.Sum();
            return new(Page(AllEntries(ordered: true), query, limit, known));
        }
    }

    /// <summary>
    /// A page of the jobs of <paramref name="entries"/> (in the order they were added) that match the query; with a known
    /// <paramref name="total"/> the walk stops once the page is full, else it counts every match.
    /// </summary>
    private static JobPage Page(IEnumerable<Entry> entries, in JobQuery query, int limit, int? total)
    {
        var items = new List<Job>();
        if (total is { } none && (limit == 0 || query.Offset >= none))
        {
            return new JobPage { Items = items, Total = none };
        }

        int matched = 0;
        foreach (Entry entry in entries)
        {
            if (!Matches(entry, query))
            {
                continue;
            }

            if (matched++ >= query.Offset && items.Count < limit)
            {
                items.Add(entry.ToJob());
            }

            if (total is { } known && (items.Count == limit || matched == known))
            {
                break;
            }
        }

        return new JobPage { Items = items, Total = total ?? matched };
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
        IndexName(entry);
        Reschedule(entry);
    }

    /// <summary>Puts a job in the name index, and in the source index if it has a source.</summary>
    private void IndexName(Entry entry)
    {
        _byName.Add(entry);
        if (entry.Source is { } source)
        {
            if (!_bySource.TryGetValue(source, out List<Entry>? same))
            {
                _bySource.Add(source, same = []);
            }

            int at = same.Count == 0 || same[^1].Sequence < entry.Sequence ? same.Count : ~same.BinarySearch(entry, BySequence.Instance);
            same.Insert(at, entry);
        }
    }

    /// <summary>Takes a job out of the name and source indexes, before it is renamed or deleted.</summary>
    private void UnindexName(Entry entry)
    {
        _byName.Remove(entry);
        if (entry.Source is { } source && _bySource.TryGetValue(source, out List<Entry>? same))
        {
            int at = same.BinarySearch(entry, BySequence.Instance);
            if (at >= 0)
            {
                same.RemoveAt(at);
            }

            if (same.Count == 0)
            {
                _bySource.Remove(source);
            }
        }
    }

    /// <summary>Orders jobs by the order they were added.</summary>
    private sealed class BySequence : IComparer<Entry>
    {
        public static readonly BySequence Instance = new();

        public int Compare(Entry? x, Entry? y) => x!.Sequence.CompareTo(y!.Sequence);
    }

    /// <summary>
    /// Jobs sorted by name (ordinal), then by the order added: a list of sorted chunks of at most <see cref="ChunkSize"/>
    /// references, about ten bytes per job. Adding or removing a job costs a binary search and a move within one chunk;
    /// a position (rank) costs a walk over the chunks' counts.
    /// </summary>
    private sealed class NameIndex
    {
        private const int ChunkSize = 256;

        private readonly List<Entry[]> _chunks = [];
        private readonly List<int> _counts = [];

        /// <summary>Gets the least name after every name that starts with <paramref name="prefix"/> (UTF-16 ordinal order), or null if none.</summary>
        public static string? UpperBound(string prefix)
        {
            int last = prefix.Length - 1;
            while (last >= 0 && prefix[last] == char.MaxValue)
            {
                last--;
            }

            return last < 0 ? null : string.Concat(prefix.AsSpan(0, last), [(char)(prefix[last] + 1)]);
        }

        public void Add(Entry entry)
        {
            if (_chunks.Count == 0)
            {
                _chunks.Add(new Entry[ChunkSize]);
                _counts.Add(0);
            }

            int chunk = ChunkOf(entry.Name, entry.Sequence);
            Entry[] items = _chunks[chunk];
            int count = _counts[chunk];
            int at = Search(items, count, entry.Name, entry.Sequence);
            at = at < 0 ? ~at : at;
            if (count == ChunkSize)
            {
                // Split: the upper half moves to a new chunk after this one.
                var upper = new Entry[ChunkSize];
                int half = ChunkSize / 2;
                Array.Copy(items, half, upper, 0, ChunkSize - half);
                Array.Clear(items, half, ChunkSize - half);
                _chunks.Insert(chunk + 1, upper);
                _counts[chunk] = half;
                _counts.Insert(chunk + 1, ChunkSize - half);
                if (at > half)
                {
                    (chunk, items, at) = (chunk + 1, upper, at - half);
                }

                count = _counts[chunk];
            }

            Array.Copy(items, at, items, at + 1, count - at);
            items[at] = entry;
            _counts[chunk] = count + 1;
        }

        public void Remove(Entry entry)
        {
            if (_chunks.Count == 0)
            {
                return;
            }

            int chunk = ChunkOf(entry.Name, entry.Sequence);
            Entry[] items = _chunks[chunk];
            int count = _counts[chunk];
            int at = Search(items, count, entry.Name, entry.Sequence);
            if (at < 0 || !ReferenceEquals(items[at], entry))
            {
                return;
            }

            Array.Copy(items, at + 1, items, at, count - at - 1);
            items[count - 1] = null!;
            if (count == 1 && _chunks.Count > 1)
            {
                _chunks.RemoveAt(chunk);
                _counts.RemoveAt(chunk);
            }
            else
            {
                _counts[chunk] = count - 1;
            }
        }

        /// <summary>The positions of the first name at or after <paramref name="from"/> and of the first at or after <paramref name="to"/> (the end if null).</summary>
        public (int Start, int End) Range(string from, string? to)
        {
            int start = Rank(from);
            int end = to is null ? Count() : Rank(to);
            return (start, Math.Max(start, end));
        }

        /// <summary>The jobs at positions <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
        public List<Entry> Slice(int start, int end)
        {
            var slice = new List<Entry>(end - start);
            int position = 0;
            for (int chunk = 0; chunk < _chunks.Count && position < end; chunk++)
            {
                int count = _counts[chunk];
                if (position + count > start)
                {
                    int from = Math.Max(0, start - position);
                    int to = Math.Min(count, end - position);
                    for (int i = from; i < to; i++)
                    {
                        slice.Add(_chunks[chunk][i]);
                    }
                }

                position += count;
            }

            return slice;
        }

        private int Count()
        {
            int total = 0;
            foreach (int count in _counts)
            {
                total += count;
            }

            return total;
        }

        /// <summary>How many jobs sort before <paramref name="name"/> (with any sequence).</summary>
        private int Rank(string name)
        {
            if (_chunks.Count == 0)
            {
                return 0;
            }

            int chunk = ChunkOf(name, int.MinValue);
            int position = 0;
            for (int i = 0; i < chunk; i++)
            {
                position += _counts[i];
            }

            int at = Search(_chunks[chunk], _counts[chunk], name, int.MinValue);
            return position + (at < 0 ? ~at : at);
        }

        /// <summary>The chunk that holds, or would hold, the key: the last chunk whose first item is not after it.</summary>
        private int ChunkOf(string name, int sequence)
        {
            int low = 0;
            int high = _chunks.Count - 1;
            while (low < high)
            {
                int middle = (low + high + 1) >> 1;
                if (Compare(_chunks[middle][0], name, sequence) <= 0)
                {
                    low = middle;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return low;
        }

        private static int Search(Entry[] items, int count, string name, int sequence)
        {
            int low = 0;
            int high = count - 1;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                int order = Compare(items[middle], name, sequence);
                if (order == 0)
                {
                    return middle;
                }

                if (order < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return ~low;
        }

        private static int Compare(Entry entry, string name, int sequence)
        {
            int order = string.CompareOrdinal(entry.Name, name);
            return order != 0 ? order : entry.Sequence.CompareTo(sequence);
        }
    }
}
