using System.Runtime.InteropServices;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Listing and counting jobs, and adding many at once.</summary>
public sealed partial class InMemoryJobStore
{
    /// <summary>Every job by name, then by the order added: the ranges of name prefixes.</summary>
    private readonly SortedEntries _byName = new(byName: true);

    /// <summary>Every job by its exact name, hashed.</summary>
    private readonly NameTable _names = new(static name => name.GetHashCode(StringComparison.Ordinal));

    /// <summary>
    /// The jobs in the order added, by class: [0] pending or running (a claim or a completion moves nothing), then completed,
    /// failed and cancelled, so that a page of any status reads that page and not every job.
    /// </summary>
    private readonly SortedEntries[] _byClass = [new(byName: false), new(byName: false), new(byName: false), new(byName: false)];

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
        var keys = new HashSet<ulong>(jobs.Count);
        HashSet<string>? foreign = null;
        for (int i = 0; i < entries.Length; i++)
        {
            Job job = jobs[i] ?? throw new ArgumentNullException(nameof(jobs), $"The job at index {i} is null.");
            var entry = new Entry(job, 0);
            if (entry.ForeignId is null ? !keys.Add(entry.Key) : !(foreign ??= new(StringComparer.Ordinal)).Add(entry.ForeignId))
            {
                throw StoreErrors.DuplicateId(job.Id, nameof(jobs));
            }

            entries[i] = entry;
        }

        var results = new AddJobResult[entries.Length];
        bool[] added = new bool[entries.Length];
        lock (_lock)
        {
            // Every id first, so that a batch that cannot be added leaves the store as it was.
            for (int i = 0; i < entries.Length; i++)
            {
                if (Holds(entries[i]))
                {
                    throw StoreErrors.DuplicateId(jobs[i].Id, nameof(jobs));
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
                added[i] = true;
                results[i] = new AddJobResult { Job = jobs[i], Added = true };
            }
        }

        for (int i = 0; i < entries.Length; i++)
        {
            if (added[i])
            {
                Raise(JobStoreChangeKind.Added, entries[i], jobs[i].Id);
            }
        }

        return new(results);
    }

    /// <inheritdoc/>
    /// <remarks>The store keeps the counts as jobs change status: O(1).</remarks>
    public ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default) => new(Counts());

    /// <summary>The jobs by status, from the counts the store keeps as jobs change: for the scheduler's gauge, which must not wait.</summary>
    internal JobCounts Counts()
    {
        lock (_lock)
        {
            return new JobCounts
            {
                Pending = _statusCounts[(int)JobStatus.Pending],
                Running = _statusCounts[(int)JobStatus.Running],
                Completed = _statusCounts[(int)JobStatus.Completed],
                Failed = _statusCounts[(int)JobStatus.Failed],
                Cancelled = _statusCounts[(int)JobStatus.Cancelled],
            };
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// An exact name is found by a hash of it, with its jobs in the order added: its total costs O(1) and its page O(page /
    /// 256 + offset / 256), whatever the number of jobs. A name prefix is a range of a name index (sorted by name, then by the
    /// order jobs were added), found by a binary search: its total costs O(log n + matches / 256). A prefix's page takes the range's jobs in the order they
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

            if (query.Name is { } name)
            {
                // The name's jobs, in the order added, found by a hash of the name: with no other filter the page starts at the offset.
                object? slot = _names.Find(name);
                int count = slot switch { Entry => 1, SortedEntries group => group.Count, _ => 0 };
                bool plain = query.Status is null && query.NamePrefix is null;
                int skip = plain ? Math.Min(count, query.Offset) : 0;
                IEnumerable<Entry> same = slot switch
                {
                    Entry alone when skip == 0 => [alone],
                    SortedEntries group => group.From(skip),
                    _ => [],
                };
                return new(plain ? Page(same, query with { Offset = 0 }, limit, count - skip, count) : Page(same, query, limit, total: null));
            }

            if (query.NamePrefix is { Length: > 0 } prefix)
            {
                SortedEntries.Span range = _byName.Find(prefix, SortedEntries.UpperBound(prefix));
                int count = range.Count;
                int? total = query.Status is null ? count : null;
                long wanted = Math.Min((long)query.Offset + limit, count);

                // Sorting reads the range (about count x log count steps); the walk about wanted x jobs / count.
                long jobs = _statusCounts.Sum();
                if (total is null || count <= 1024 || (long)count * count * 16 <= wanted * jobs)
                {
                    List<Entry> sorted = [.. _byName.Read(range)];
                    sorted.Sort(BySequence.Instance);
                    return new(Page(sorted, query, limit, total));
                }

                return new(Page(InOrder(), query, limit, total));
            }

            // Without a name or source filter the kept counts give the total at once, so the walk stops as soon as the page is full.
            int known = query.Status is { } only ? _statusCounts[(int)only] : _statusCounts.Sum();
            switch (query.Status)
            {
                case null:
                    return new(Page(InOrder(), query, limit, known));
                case JobStatus.Pending:
                    // Running jobs are as few as the runs in progress: the pending ones are nearly all of the live ones.
                    return new(Page(_byClass[0].From(0), query, limit, known));
                case JobStatus.Running:
                    var running = new List<Entry>();
                    foreach (ActiveRun run in _runs.Values)
                    {
                        if (run.Entry.Status == JobStatus.Running && !running.Contains(run.Entry))
                        {
                            running.Add(run.Entry);
                        }
                    }

                    running.Sort(BySequence.Instance);
                    return new(Page(running, query, limit, known));
                default:
                    // Every job of a finished class has its status: start at the offset.
                    return new(Page(_byClass[ClassOf(query.Status.Value)].From(query.Offset), query with { Offset = 0 }, limit, known - Math.Min(known, query.Offset), known));
            }
        }
    }

    /// <summary>The class of a status: 0 for pending or running, 1 to 3 for completed, failed, cancelled.</summary>
    private static int ClassOf(JobStatus status) => status < JobStatus.Completed ? 0 : (int)status - 1;

    /// <summary>Every job in the order added: the classes merged by sequence.</summary>
    private IEnumerable<Entry> InOrder()
    {
        IEnumerator<Entry>[] heads = [.. _byClass.Select(c => c.From(0).GetEnumerator())];
        bool[] more = [.. heads.Select(h => h.MoveNext())];
        while (true)
        {
            int next = -1;
            for (int i = 0; i < heads.Length; i++)
            {
                if (more[i] && (next < 0 || heads[i].Current.Sequence < heads[next].Current.Sequence))
                {
                    next = i;
                }
            }

            if (next < 0)
            {
                yield break;
            }

            yield return heads[next].Current;
            more[next] = heads[next].MoveNext();
        }
    }

    /// <summary>Keeps a job in the list of its class; call when its status changed from <paramref name="before"/> (adding and removing are idempotent).</summary>
    private void Reclass(Entry entry, JobStatus before)
    {
        int from = ClassOf(before);
        int to = ClassOf(entry.Status);
        if (from != to)
        {
            _byClass[from].Remove(entry);
            _byClass[to].Add(entry);
        }
    }

    /// <summary>
    /// A page of the jobs of <paramref name="entries"/> (in the order they were added) that match the query; with a known
    /// <paramref name="total"/> the walk stops once the page is full, else it counts every match.
    /// </summary>
    private static JobPage Page(IEnumerable<Entry> entries, in JobQuery query, int limit, int? total) => Page(entries, query, limit, total, total);

    /// <summary>A page as <see cref="Page(IEnumerable{Entry}, in JobQuery, int, int?)"/>, that reports <paramref name="reported"/> as the total.</summary>
    private static JobPage Page(IEnumerable<Entry> entries, in JobQuery query, int limit, int? total, int? reported)
    {
        JobPage page = PageOf(entries, query, limit, total);
        return reported is { } shown ? new JobPage { Items = page.Items, Total = shown } : page;
    }

    private static JobPage PageOf(IEnumerable<Entry> entries, in JobQuery query, int limit, int? total)
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
        (query.Status is not { } status || entry.Status == status) &&
        (query.Name is not { } name || string.Equals(entry.Name, name, StringComparison.Ordinal)) &&
        (query.NamePrefix is not { } prefix || entry.Name.StartsWith(prefix, StringComparison.Ordinal)) &&
        (query.Source is not { } source || string.Equals(entry.Source, source, StringComparison.Ordinal));

    /// <summary>Puts a new job in every index; the caller holds the lock and has checked its id and its source and name.</summary>
    private void Insert(Entry entry)
    {
        entry.Sequence = _sequence++;
        _statusCounts[(int)entry.Status]++;
        if (entry.IsFinished)
        {
            MarkFinished(entry);
        }

        if (entry.ForeignId is null)
        {
            _jobs.Add(entry);
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
        _names.Add(entry);
        _byClass[ClassOf(entry.Status)].Add(entry);
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
        _names.Remove(entry);

        // Its status may have changed since it was listed (an update that gives a finished job runs again): look in each class.
        foreach (SortedEntries listed in _byClass)
        {
            listed.Remove(entry);
        }

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
    /// Jobs sorted by name (ordinal) then by the order added, or by the order added only: a list of sorted chunks of at most
    /// <see cref="ChunkSize"/> references, eight to sixteen bytes per job. Adding or removing a job costs a binary search and a
    /// move within one chunk; a position (rank) costs a walk over the chunks' counts.
    /// </summary>
    private sealed class SortedEntries(bool byName)
    {
        private const int ChunkSize = 256;

        /// <summary>The length of a list's first chunk: a chunk doubles up to <see cref="ChunkSize"/>, so a short list (a name's few jobs) stays small.</summary>
        private const int FirstChunkSize = 4;

        private readonly bool _byName = byName;
        private readonly List<Entry[]> _chunks = [];
        private readonly List<int> _counts = [];

        /// <summary>The order added of each chunk's first job: a list by the order added finds a job's chunk in these, not in the jobs.</summary>
        private readonly List<int> _firsts = [];
        private int _total;

        /// <summary>Gets how many jobs the list holds.</summary>
        public int Count => _total;

        /// <summary>Gets the first job of the list, or null if it is empty.</summary>
        public Entry? First => _total == 0 ? null : _chunks[0][0];

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
                _chunks.Add(new Entry[FirstChunkSize]);
                _counts.Add(0);
                _firsts.Add(0);
            }

            int chunk = ChunkOf(entry.Name, entry.Sequence);
            Entry[] items = _chunks[chunk];
            int count = _counts[chunk];

            // Jobs are mostly added in order (a new job has the highest sequence): after the chunk's last item, no search.
            int at = count > 0 && Compare(items[count - 1], entry.Name, entry.Sequence) < 0 ? ~count : Search(items, count, entry.Name, entry.Sequence);
            if (at >= 0)
            {
                return; // listed already
            }

            at = ~at;
            _total++;
            if (count == items.Length && items.Length < ChunkSize)
            {
                // A short list's only chunk grows before it splits.
                Array.Resize(ref items, Math.Min(ChunkSize, items.Length * 2));
                _chunks[chunk] = items;
            }

            if (count == ChunkSize && at == ChunkSize)
            {
                // After the end of a full chunk (a new job in a list by the order added): a new chunk, so such lists stay full.
                var next = new Entry[ChunkSize];
                next[0] = entry;
                _chunks.Insert(chunk + 1, next);
                _counts.Insert(chunk + 1, 1);
                _firsts.Insert(chunk + 1, entry.Sequence);
                return;
            }

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
                _firsts.Insert(chunk + 1, upper[0].Sequence);
                if (at > half)
                {
                    (chunk, items, at) = (chunk + 1, upper, at - half);
                }

                count = _counts[chunk];
            }

            Array.Copy(items, at, items, at + 1, count - at);
            items[at] = entry;
            _counts[chunk] = count + 1;
            if (at == 0)
            {
                _firsts[chunk] = entry.Sequence;
            }
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
            int at = _byName ? Search(items, count, entry.Name, entry.Sequence) : IndexOf(items, count, entry);
            if (at < 0 || !ReferenceEquals(items[at], entry))
            {
                return;
            }

            _total--;
            Array.Copy(items, at + 1, items, at, count - at - 1);
            items[count - 1] = null!;
            if (count == 1 && _chunks.Count > 1)
            {
                _chunks.RemoveAt(chunk);
                _counts.RemoveAt(chunk);
                _firsts.RemoveAt(chunk);
            }
            else
            {
                _counts[chunk] = count - 1;
                if (at == 0 && count > 1)
                {
                    _firsts[chunk] = items[0].Sequence;
                }
            }
        }

        /// <summary>
        /// The jobs from the first at or after <paramref name="from"/> up to the first at or after <paramref name="to"/> (to the
        /// end if null): a binary search for the start, then a walk that counts whole chunks by their counts, so a range costs
        /// O(log n + its length / chunk size), never a walk from the first chunk.
        /// </summary>
        public Span Find(string from, string? to)
        {
            if (_chunks.Count == 0)
            {
                return default;
            }

            int chunk = ChunkOf(from, int.MinValue);
            int at = Search(_chunks[chunk], _counts[chunk], from, int.MinValue);
            at = at < 0 ? ~at : at;
            int count = 0;
            for (int c = chunk, first = at; c < _chunks.Count; c++, first = 0)
            {
                Entry[] items = _chunks[c];
                int n = _counts[c];
                if (to is not null && n > 0 && string.CompareOrdinal(items[n - 1].Name, to) >= 0)
                {
                    // The range ends in this chunk.
                    int end = Search(items, n, to, int.MinValue);
                    return new Span(chunk, at, count + Math.Max(0, (end < 0 ? ~end : end) - first));
                }

                count += n - first;
            }

            return new Span(chunk, at, count);
        }

        /// <summary>The jobs of a range <see cref="Find"/> returned, in order; the list must not change while it is read.</summary>
        public IEnumerable<Entry> Read(Span span)
        {
            int left = span.Count;
            for (int c = span.Chunk, first = span.At; left > 0 && c < _chunks.Count; c++, first = 0)
            {
                Entry[] items = _chunks[c];
                int n = _counts[c];
                for (int i = first; i < n && left > 0; i++, left--)
                {
                    yield return items[i];
                }
            }
        }

        /// <summary>The jobs from position <paramref name="start"/> on, in order; the list must not change while it is read.</summary>
        public IEnumerable<Entry> From(int start)
        {
            int position = 0;
            for (int chunk = 0; chunk < _chunks.Count; chunk++)
            {
                int count = _counts[chunk];
                if (position + count > start)
                {
                    Entry[] items = _chunks[chunk];
                    for (int i = Math.Max(0, start - position); i < count; i++)
                    {
                        yield return items[i];
                    }
                }

                position += count;
            }
        }

        /// <summary>The chunk that holds, or would hold, the key: the last chunk whose first item is not after it.</summary>
        private int ChunkOf(string name, int sequence)
        {
            int low = 0;
            int high = _chunks.Count - 1;
            if (high == 0 || Compare(_chunks[high][0], name, sequence) <= 0)
            {
                return high; // the last chunk: where a job added in order goes, found without a search
            }

            if (!_byName)
            {
                // By the order added: a search of the chunks' first numbers, a few kilobytes, not of jobs spread over the heap.
                ReadOnlySpan<int> firsts = CollectionsMarshal.AsSpan(_firsts);
                while (low < high)
                {
                    int middle = (low + high + 1) >> 1;
                    if (firsts[middle] <= sequence)
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

        /// <summary>Where a job is in a chunk, by reference: a scan of one chunk's references reads no job, where a binary search reads several.</summary>
        private static int IndexOf(Entry[] items, int count, Entry entry)
        {
            for (int i = 0; i < count; i++)
            {
                if (ReferenceEquals(items[i], entry))
                {
                    return i;
                }
            }

            return -1;
        }

        private int Search(Entry[] items, int count, string name, int sequence)
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

        private int Compare(Entry entry, string name, int sequence)
        {
            int order = _byName ? string.CompareOrdinal(entry.Name, name) : 0;
            return order != 0 ? order : entry.Sequence.CompareTo(sequence);
        }

        /// <summary>A range of the list: where it starts (a chunk and a position in it) and how many jobs it holds.</summary>
        public readonly record struct Span(int Chunk, int At, int Count);
    }
}
