using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler;

/// <summary>The default store: jobs in process memory, lost when the process ends.</summary>
/// <remarks>
/// <para>
/// Built for the scheduler's hot path: each job is one compact entry keyed by the number inside its id, the due jobs sit
/// in a binary heap, and every operation takes one short lock. Get and Cancel are O(1) and O(log n); claiming k due runs
/// is O(k log n). Completed and cancelled jobs stay listed until <see cref="DeleteAsync"/> removes them or the store is
/// dropped. Each job keeps its recent run history as <see cref="RunHistoryOptions"/> say.
/// </para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public sealed class InMemoryJobStore : IJobStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, Entry> _jobs = [];
    private readonly Dictionary<string, ActiveRun> _runs = new(StringComparer.Ordinal);
    private Dictionary<string, Entry>? _jobsWithForeignIds;
    private readonly int[] _statusCounts = new int[5];
    private Entry[] _heap = new Entry[16];
    private int _heapCount;
    private readonly RunHistoryOptions _history;
    private readonly TimeProvider _time;
    private int _sequence;
    private long _historySequence;

    /// <summary>Creates an empty store.</summary>
    /// <param name="history">How much run history to keep; <see langword="null"/> for <see cref="RunHistoryOptions.Default"/>.</param>
    /// <param name="timeProvider">
    /// The store's clock, which stamps <see cref="Job.FinishedAt"/>; <see langword="null"/> for <see cref="TimeProvider.System"/>.
    /// A scheduler that makes its own store passes its <see cref="SchedulerOptions.TimeProvider"/>.
    /// </param>
    /// <exception cref="ArgumentException">The history options are not valid.</exception>
    public InMemoryJobStore(RunHistoryOptions? history = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _history = history ?? RunHistoryOptions.Default;
        if (_history.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The run history options are not valid: " + string.Join(" ", problems), nameof(history));
        }
    }

    /// <inheritdoc/>
    public event EventHandler? Changed;

    /// <inheritdoc/>
    /// <value>Always <see langword="false"/>.</value>
    public bool IsDurable => false;

    /// <inheritdoc/>
    public ValueTask AddAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var entry = new Entry(job, _sequence);
        bool earliest;
        lock (_lock)
        {
            if (Find(job.Id) is not null)
            {
                throw new ArgumentException($"A job with id '{job.Id}' already exists.", nameof(job));
            }

            entry.Sequence = _sequence++;
            _statusCounts[(int)entry.State.Status]++;
            if (entry.State.IsFinished)
            {
                entry.FinishedAt = _time.GetUtcNow().UtcTicks;
            }

            if (JobIds.TryParse(job.Id, out ulong key))
            {
                _jobs.Add(key, entry);
            }
            else
            {
                (_jobsWithForeignIds ??= new Dictionary<string, Entry>(StringComparer.Ordinal)).Add(job.Id, entry);
            }

            Reschedule(entry);

            // Only a job that is now the earliest changes when the dispatcher must wake.
            earliest = entry.HeapIndex == 0;
        }

        if (earliest)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            return new(Find(id)?.ToJob());
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
            // The kept counts give the total at once, so the walk stops as soon as the page is full or every match is seen.
            int total = query.Status is { } only ? _statusCounts[(int)only] : _statusCounts.Sum();
            var items = new List<Job>(Math.Min(limit, Math.Max(0, total - query.Offset)));
            if (limit == 0 || query.Offset >= total)
            {
                return new(new JobPage(items, total));
            }

            IEnumerable<Entry> all = _jobsWithForeignIds is null
                ? _jobs.Values
                : _jobs.Values.Concat(_jobsWithForeignIds.Values).OrderBy(e => e.Sequence);
            int matched = 0;
            foreach (Entry entry in all)
            {
                if (query.Status is { } status && entry.State.Status != status)
                {
                    continue;
                }

                if (matched++ >= query.Offset)
                {
                    items.Add(entry.ToJob());
                    if (items.Count == limit || matched == total)
                    {
                        break;
                    }
                }
            }

            return new(new JobPage(items, total));
        }
    }

    /// <inheritdoc/>
    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        Job? updated;
        lock (_lock)
        {
            Entry? entry = Find(job.Id);
            if (entry is null || entry.State.Version != job.Version)
            {
                return new((Job?)null);
            }

            // A new trigger or limit moves the next run to the one the caller computed; a finished job may be pending again.
            JobStatus before = entry.State.Status;
            bool reschedule = entry.MaxRuns != job.MaxRuns || entry.Trigger?.ToString() != job.Trigger?.ToString();
            entry.Update(job);
            if (reschedule)
            {
                entry.State.Reschedule(job.NextRun?.UtcTicks ?? 0, job.MaxRuns);
            }
            else
            {
                entry.State.Version++;
            }

            Reschedule(entry, before);
            updated = entry.ToJob();
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return new(updated);
    }

    /// <inheritdoc/>
    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new((Job?)null);
            }

            JobStatus before = entry.State.Status;
            entry.State.Cancel();
            Reschedule(entry, before);
            return new(entry.ToJob());
        }
    }

    /// <inheritdoc/>
    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        bool resumed;
        Job job;
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new((Job?)null);
            }

            resumed = entry.State.SetPaused(paused) && !paused;
            Reschedule(entry);
            job = entry.ToJob();
        }

        if (resumed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return new(job);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new(false);
            }

            if (entry.State.ActiveRuns > 0)
            {
                throw StoreErrors.DeleteWhileRunning(entry.Id, entry.Name);
            }

            if (entry.HeapIndex >= 0)
            {
                RemoveAt(entry.HeapIndex);
            }

            _statusCounts[(int)entry.State.Status]--;
            _ = entry.ForeignId is null ? _jobs.Remove(entry.Key) : _jobsWithForeignIds!.Remove(entry.ForeignId);
            return new(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        long nowTicks = now.UtcTicks;
        List<ClaimedRun>? runs = null;
        List<SkippedOccurrence>? skipped = null;
        lock (_lock)
        {
            while ((runs?.Count ?? 0) < max && _heapCount > 0 && _heap[0].DueKey <= nowTicks)
            {
                Entry entry = _heap[0];
                JobStatus before = entry.State.Status;
                ClaimDecision decision = entry.State.Claim(entry.Trigger, entry.Options, entry.MaxRuns, nowTicks, out long scheduled, out int attempt,
                    out SkipReason reason, out bool recovery);
                Reschedule(entry, before);
                if (decision == ClaimDecision.Run)
                {
                    (runs ??= []).Add(StartRun(entry, scheduled, now, node, leaseUntil, manual: false, attempt, recovery));
                }
                else if (decision == ClaimDecision.Skip)
                {
                    (skipped ??= []).Add(new SkippedOccurrence(entry.Id, entry.Name, Utc(scheduled), reason));
                }
            }
        }

        return new(runs is null && skipped is null ? ClaimBatch.Empty : new ClaimBatch(runs ?? [], skipped ?? []));
    }

    /// <inheritdoc/>
    public ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(node);
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new((ClaimedRun?)null);
            }

            if (entry.State.Status == JobStatus.Cancelled)
            {
                throw new InvalidOperationException($"Job '{id}' ({entry.Name}) is cancelled; a cancelled job never runs again.");
            }

            if (entry.State.LimitReached(entry.MaxRuns))
            {
                throw new InvalidOperationException($"Job '{id}' ({entry.Name}) has made or started all of its {entry.MaxRuns} runs (MaxRuns).");
            }

            JobStatus before = entry.State.Status;
            entry.State.ClaimNow(now.UtcTicks, entry.MaxRuns);
            Reschedule(entry, before);
            return new(StartRun(entry, now.UtcTicks, now, node, leaseUntil, manual: true));
        }
    }

    /// <inheritdoc/>
    public ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default) =>
        new(CompleteRun(completion, snapshot: true, out Job? job) ? job : null);

    /// <summary>
    /// Records a run's outcome; with <paramref name="snapshot"/> false it makes no <see cref="Job"/> snapshot of the result,
    /// which the scheduler's own completions do not need (a snapshot is most of what recording a run allocates).
    /// </summary>
    /// <returns>Whether the run was claimed (and is now completed).</returns>
    internal bool CompleteRun(RunCompletion completion, bool snapshot, out Job? job)
    {
        ArgumentNullException.ThrowIfNull(completion);
        bool dueEarlier;
        lock (_lock)
        {
            if (!_runs.Remove(completion.Run.RunId, out ActiveRun? run))
            {
                job = null;
                return false;
            }

            Entry entry = run.Entry;
            long dueBefore = entry.DueKey;
            JobStatus before = entry.State.Status;
            entry.State.Complete(completion.Outcome, completion.StartedAt.UtcTicks, completion.FinishedAt.UtcTicks,
                completion.Run.ScheduledTime.UtcTicks, completion.Run.Attempt, completion.RetryAt?.UtcTicks ?? 0);
            if (completion.Outcome == RunOutcome.Succeeded)
            {
                entry.Result = completion.Result;
                entry.Error = null;
            }
            else if (completion.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
            {
                entry.Error = completion.Error;
            }

            Reschedule(entry, before);
            AddToHistory(entry, completion.Run, completion.Outcome, completion.StartedAt.UtcTicks, completion.FinishedAt.UtcTicks, completion.Error,
                completion.Outcome == RunOutcome.Succeeded ? completion.Result : null);
            dueEarlier = entry.DueKey != long.MaxValue && entry.DueKey < dueBefore;
            job = snapshot ? entry.ToJob() : null;
        }

        if (dueEarlier)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return true;
    }

    /// <inheritdoc/>
    public ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        int renewed = 0;
        lock (_lock)
        {
            foreach (ActiveRun run in _runs.Values)
            {
                if (run.Run.Node == node)
                {
                    run.LeaseUntil = leaseUntil.UtcTicks;
                    renewed++;
                }
            }
        }

        return new(renewed);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        List<ClaimedRun>? lost = null;
        lock (_lock)
        {
            foreach (ActiveRun run in _runs.Values)
            {
                if (run.LeaseUntil <= now.UtcTicks)
                {
                    (lost ??= []).Add(run.Run);
                }
            }

            foreach (ClaimedRun run in lost ?? [])
            {
                _runs.Remove(run.RunId, out ActiveRun? active);
                Entry entry = active!.Entry;
                JobStatus before = entry.State.Status;
                entry.State.Interrupt(run.ClaimedAt.UtcTicks, now.UtcTicks, run.ScheduledTime.UtcTicks, run.Attempt, entry.Options.Recoverable);
                string error = RunRecords.LeaseExpired(run);
                entry.Error = error;
                Reschedule(entry, before);
                AddToHistory(entry, run, RunOutcome.Interrupted, run.ClaimedAt.UtcTicks, Math.Max(now.UtcTicks, run.ClaimedAt.UtcTicks), error, null);
            }
        }

        if (lost is not null)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return new(lost is null ? [] : lost);
    }

    /// <inheritdoc/>
    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        lock (_lock)
        {
            IEnumerable<RunRecord> runs;
            if (query.JobId is { } id)
            {
                runs = Find(id) is { History: { } history } entry ? history.NewestFirst().Select(r => r.ToRecord(entry.Id)) : [];
            }
            else
            {
                IEnumerable<Entry> all = _jobsWithForeignIds is null ? _jobs.Values : _jobs.Values.Concat(_jobsWithForeignIds.Values);
                runs = all.Where(e => e.History is not null)
                    .SelectMany(e => e.History!.NewestFirst().Select(r => (Row: r, Entry: e)))
                    .OrderByDescending(r => r.Row.Sequence)
                    .Select(r => r.Row.ToRecord(r.Entry.Id));
            }

            if (query.Outcome is { } outcome)
            {
                runs = runs.Where(r => r.Outcome == outcome);
            }

            List<RunRecord> matches = runs.ToList();
            List<RunRecord> page = matches.Skip(query.Offset).Take(query.Limit ?? int.MaxValue).ToList();
            return new(new RunPage(page, matches.Count));
        }
    }

    /// <inheritdoc/>
    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_heapCount == 0 ? null : Utc(_heap[0].DueKey));
        }
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private Entry? Find(string id)
    {
        if (JobIds.TryParse(id, out ulong key))
        {
            return _jobs.GetValueOrDefault(key);
        }

        return _jobsWithForeignIds?.GetValueOrDefault(id);
    }

    private ClaimedRun StartRun(Entry entry, long scheduled, DateTimeOffset now, string node, DateTimeOffset leaseUntil, bool manual, int attempt = 1,
        bool recovery = false)
    {
        var run = new ClaimedRun(JobIds.Format(JobIds.NewKey()), entry.ToJob(), Utc(scheduled), now, node, leaseUntil, manual, attempt, recovery);
        _runs.Add(run.RunId, new ActiveRun(entry, run) { LeaseUntil = leaseUntil.UtcTicks });
        return run;
    }

    /// <summary>Appends a run to the job's history and applies the retention options to it.</summary>
    private void AddToHistory(Entry entry, ClaimedRun run, RunOutcome outcome, long started, long finished, string? error, object? result)
    {
        if (_history.MaxRunsPerJob == 0)
        {
            return;
        }

        InMemoryRunHistory history = entry.History ??= new InMemoryRunHistory();
        history.Add(
            InMemoryRunHistory.Row.Create(++_historySequence, run, outcome, started, finished, error, RunRecords.FormatResult(result, _history.MaxResultLength)),
            _history.MaxRunsPerJob ?? int.MaxValue);
        if (_history.MaxAge is { } maxAge)
        {
            history.DropFinishedBefore(finished - maxAge.Ticks);
        }
    }

    /// <summary>Counts the entry's change of status, then puts it where its due time says in the heap.</summary>
    private void Reschedule(Entry entry, JobStatus before)
    {
        if (entry.State.Status != before)
        {
            _statusCounts[(int)before]--;
            _statusCounts[(int)entry.State.Status]++;
            entry.FinishedAt = !entry.State.IsFinished ? 0 : entry.FinishedAt != 0 ? entry.FinishedAt : _time.GetUtcNow().UtcTicks;
        }

        Reschedule(entry);
    }

    /// <summary>Puts the entry where its due time says in the heap, or takes it out if it is not due ever.</summary>
    private void Reschedule(Entry entry)
    {
        long due = entry.State.DueAt;
        long key = due == 0 ? long.MaxValue : due;
        if (entry.HeapIndex < 0)
        {
            if (key == long.MaxValue)
            {
                return;
            }

            if (_heapCount == _heap.Length)
            {
                Array.Resize(ref _heap, _heap.Length * 2);
            }

            entry.DueKey = key;
            entry.HeapIndex = _heapCount;
            _heap[_heapCount++] = entry;
            SiftUp(entry.HeapIndex);
            return;
        }

        if (key == long.MaxValue)
        {
            RemoveAt(entry.HeapIndex);
            return;
        }

        long old = entry.DueKey;
        entry.DueKey = key;
        if (key < old)
        {
            SiftUp(entry.HeapIndex);
        }
        else if (key > old)
        {
            SiftDown(entry.HeapIndex);
        }
    }

    private void RemoveAt(int index)
    {
        Entry removed = _heap[index];
        removed.HeapIndex = -1;
        removed.DueKey = long.MaxValue;
        _heapCount--;
        if (index == _heapCount)
        {
            _heap[index] = null!;
            return;
        }

        Entry last = _heap[_heapCount];
        _heap[_heapCount] = null!;
        _heap[index] = last;
        last.HeapIndex = index;
        SiftUp(index);
        SiftDown(last.HeapIndex);
    }

    private static bool Before(Entry a, Entry b) => a.DueKey < b.DueKey || (a.DueKey == b.DueKey && a.Sequence < b.Sequence);

    private void SiftUp(int index)
    {
        Entry entry = _heap[index];
        while (index > 0)
        {
            int parent = (index - 1) >> 1;
            if (!Before(entry, _heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = entry;
        entry.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        Entry entry = _heap[index];
        while (true)
        {
            int child = (index << 1) + 1;
            if (child >= _heapCount)
            {
                break;
            }

            if (child + 1 < _heapCount && Before(_heap[child + 1], _heap[child]))
            {
                child++;
            }

            if (!Before(_heap[child], entry))
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = entry;
        entry.HeapIndex = index;
    }

    /// <summary>One job, kept compact: the immutable parts by reference, the changing parts in a <see cref="JobState"/>.</summary>
    private sealed class Entry
    {
        public JobState State;

        public Entry(Job job, int sequence)
        {
            // Ids the scheduler made are kept as their 64-bit number (8 bytes instead of a 48-byte string).
            if (JobIds.TryParse(job.Id, out ulong key))
            {
                Key = key;
            }
            else
            {
                ForeignId = job.Id;
            }

            Sequence = sequence;
            CreatedAt = job.CreatedAt.UtcTicks;
            State = job.NextRun is { } first ? JobState.ForNewJob(first) : new JobState { Status = JobStatus.Completed, Version = 1 };
            Update(job);
        }

        public ulong Key { get; }

        public string? ForeignId { get; }

        public string Id => ForeignId ?? JobIds.Format(Key);

        public long CreatedAt { get; }

        public int Sequence { get; set; }

        public int HeapIndex { get; set; } = -1;

        public long DueKey { get; set; } = long.MaxValue;

        /// <summary>When the job became finished, by the store's clock; 0 while it may run.</summary>
        public long FinishedAt { get; set; }

        public string Name { get; private set; } = "";

        public Delegate? Func { get; private set; }

        public string? Task { get; private set; }

        public IReadOnlyList<object?> Args { get; private set; } = [];

        public IReadOnlyDictionary<string, object?> Kwargs { get; private set; } = Job.NoKwargs;

        public Trigger? Trigger { get; private set; }

        public JobOptions Options { get; private set; } = JobOptions.Default;

        public int? MaxRuns { get; private set; }

        public object? Result { get; set; }

        public string? Error { get; set; }

        public string? Source { get; private set; }

        /// <summary>The recent runs, with the store-wide order in which they were written.</summary>
        public InMemoryRunHistory? History { get; set; }

        public void Update(Job job)
        {
            Name = job.Name;
            Func = job.Func;
            Task = job.Task;
            Args = job.Args;
            Kwargs = job.Kwargs;
            Options = job.Options;
            MaxRuns = job.MaxRuns;
            Source = job.Source;
            Trigger = job.Trigger;
        }

        public Job ToJob() => new()
        {
            Id = Id,
            Name = Name,
            Func = Func,
            Task = Task,
            Args = Args,
            Kwargs = Kwargs,
            Trigger = Trigger,
            Status = State.Status,
            CreatedAt = Utc(CreatedAt),
            LastRun = State.LastRun == 0 ? null : Utc(State.LastRun),
            NextRun = State.ShownNextRun == 0 ? null : Trigger?.Localize(Utc(State.ShownNextRun)) ?? Utc(State.ShownNextRun),
            RunCount = State.RunCount,
            MaxRuns = MaxRuns,
            Result = Result,
            Error = Error,
            FailureCount = State.FailureCount,
            LastDuration = State.LastRun == 0 ? null : TimeSpan.FromTicks(State.LastDuration),
            Options = Options,
            Source = Source,
            ActiveRuns = State.ActiveRuns,
            IsPaused = State.Paused,
            FinishedAt = FinishedAt == 0 ? null : Utc(FinishedAt),
            Version = State.Version,
        };
    }

    private sealed class ActiveRun(Entry entry, ClaimedRun run)
    {
        public Entry Entry { get; } = entry;

        public ClaimedRun Run { get; } = run;

        public long LeaseUntil { get; set; }
    }
}
