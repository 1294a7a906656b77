using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Codomyrmex.Scheduler.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>The default store: jobs in process memory, lost when the process ends.</summary>
/// <remarks>
/// <para>
/// Built for the scheduler's hot path: each job is one compact entry keyed by the number inside its id, the due jobs sit
/// in a binary heap, and every operation takes one short lock. Get and Cancel are O(1) and O(log n); claiming k due runs
/// is O(k log n). Finished jobs are deleted by <see cref="PurgeExpiredAsync"/> once <see cref="JobRetentionOptions.FinishedJobs"/>
/// have passed since they finished, oldest first, without a scan. Each job keeps its recent run history as
/// <see cref="RunHistoryOptions"/> say.
/// </para>
/// <para>
/// Several schedulers may share one instance (nodes of a test cluster): the store's <see cref="TimeProvider"/> decides leases
/// and liveness for all of them. <see cref="Changed"/> is raised synchronously on the thread that made the change, after the
/// store's lock is released. All members are thread-safe.
/// </para>
/// </remarks>
public sealed partial class InMemoryJobStore : IJobStore
{
    private static readonly IReadOnlyList<ClaimedRun> NoRuns = [];
    private static readonly IReadOnlyList<SkippedOccurrence> NoSkips = [];

    private readonly Lock _lock = new();
    private readonly KeyTable _jobs = new();
    /// <summary>The runs held now, by the number their id is made of (every run id this store makes has that shape).</summary>
    private readonly Dictionary<ulong, ActiveRun> _runs = [];
    private readonly Dictionary<string, NodeRecord> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Source, string Name), List<Entry>> _declared = [];
    private readonly SegmentedQueue<(Entry Entry, long FinishedAt)> _finished = new();

    /// <summary>Every run recorded while run history has a retention, with its finish time, in the order recorded.</summary>
    private readonly SegmentedQueue<(Entry Entry, long Finished)> _historyExpiry = new();
    private Dictionary<string, Entry>? _jobsWithForeignIds;
    private readonly int[] _statusCounts = new int[5];
    private Entry[] _heap = new Entry[16];
    private int _heapCount;
    private readonly RunHistoryOptions _history;
    private readonly InMemoryRunHistory _runRows = new();
    private readonly JobRetentionOptions _retention;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private int _sequence;
    private long _historySequence;
    private long _fencing;
    private long _nodeSequence;

    /// <summary>Creates an empty store.</summary>
    /// <param name="history">How much run history to keep; <see langword="null"/> for <see cref="RunHistoryOptions.Default"/>.</param>
    /// <param name="timeProvider">
    /// The store's clock, the clock of record for what is due, leases, liveness and retention; <see langword="null"/> for
    /// <see cref="TimeProvider.System"/>. A scheduler that makes its own store passes its <see cref="SchedulerOptions.TimeProvider"/>.
    /// </param>
    /// <exception cref="ArgumentException">The history options are not valid.</exception>
    public InMemoryJobStore(RunHistoryOptions? history = null, TimeProvider? timeProvider = null)
        : this(new InMemoryJobStoreOptions { History = history ?? RunHistoryOptions.Default, TimeProvider = timeProvider ?? TimeProvider.System })
    {
    }

    /// <summary>Creates an empty store from options.</summary>
    /// <param name="options">The clock, history and retention; validated here.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    public InMemoryJobStore(InMemoryJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The in-memory store options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        _time = options.TimeProvider;
        _history = options.History;
        _retention = options.Retention;
        _logger = options.Logger ?? NullLogger.Instance;
    }

    /// <summary>Gets how many times history retention looked at a job's history (for tests: it must not grow with the number of jobs).</summary>
    internal long HistoryJobsVisited { get; private set; }

    /// <inheritdoc/>
    public event EventHandler<JobStoreChange>? Changed;

    /// <inheritdoc/>
    /// <value>Always <see langword="false"/>.</value>
    public bool IsDurable => false;

    /// <inheritdoc/>
    public TimeProvider TimeProvider => _time;

    /// <inheritdoc/>
    public ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var entry = new Entry(job, _sequence);
        lock (_lock)
        {
            if (Holds(entry))
            {
                throw StoreErrors.DuplicateId(job.Id, nameof(job));
            }

            if (LiveDeclared(entry) is { } other)
            {
                return new(new AddJobResult { Job = other.ToJob(), Added = false });
            }

            Insert(entry);
        }

        Raise(JobStoreChangeKind.Added, entry, job.Id);
        return new(new AddJobResult { Job = job, Added = true });
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
    public ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        Job? updated;
        Entry? entry;
        lock (_lock)
        {
            entry = Find(job.Id);
            if (entry is null || entry.Version != job.Version)
            {
                return new((Job?)null);
            }

            // A new trigger or limit moves the next run to the one the caller computed; a finished job may be pending again.
            JobStatus before = entry.Status;
            JobState state = entry.ReadState();
            state.ApplyUpdate(entry.Trigger, entry.MaxRuns, job);
            entry.WriteState(state);
            Undeclare(entry);
            UnindexName(entry);
            entry.Update(job);
            Declare(entry);
            IndexName(entry);
            Reschedule(entry, before);
            updated = entry.ToJob();
        }

        Raise(JobStoreChangeKind.Updated, entry);
        return new(updated);
    }

    /// <inheritdoc/>
    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        Job job;
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new((Job?)null);
            }

            JobStatus before = entry.Status;
            JobState state = entry.ReadState();
            state.Cancel();
            entry.WriteState(state);
            Reschedule(entry, before);
            job = entry.ToJob();
        }

        JobStoreEvents.Raise(Changed, this, new JobStoreChange { Kind = JobStoreChangeKind.Cancelled, JobId = job.Id }, _logger);
        return new(job);
    }

    /// <inheritdoc/>
    public ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        bool changed;
        Job job;
        Entry? entry;
        lock (_lock)
        {
            entry = Find(id);
            if (entry is null)
            {
                return new((Job?)null);
            }

            JobState state = entry.ReadState();
            changed = state.SetPaused(paused);
            entry.WriteState(state);
            Reschedule(entry);
            job = entry.ToJob();
        }

        if (changed)
        {
            Raise(paused ? JobStoreChangeKind.Paused : JobStoreChangeKind.Resumed, entry);
        }

        return new(job);
    }

    /// <inheritdoc/>
    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        string jobId;
        lock (_lock)
        {
            Entry? entry = Find(id);
            if (entry is null)
            {
                return new(false);
            }

            if (entry.ActiveRuns > 0)
            {
                throw StoreErrors.DeleteWhileRunning(entry.Id, entry.Name);
            }

            jobId = entry.Id;
            Remove(entry);
        }

        JobStoreEvents.Raise(Changed, this, new JobStoreChange { Kind = JobStoreChangeKind.Deleted, JobId = jobId }, _logger);
        return new(true);
    }

    /// <inheritdoc/>
    public ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxRuns, 1, nameof(request));
        List<ClaimedRun>? runs = null;
        List<SkippedOccurrence>? skipped = null;
        DateTimeOffset now;
        long next;
        lock (_lock)
        {
            now = _time.GetUtcNow();
            next = ClaimLocked(request, now, ref runs, ref skipped);
        }

        return new(new ClaimBatch
        {
            Runs = runs ?? NoRuns,
            Skipped = skipped ?? NoSkips,
            Now = now,
            NextDueAt = next == 0 ? null : Utc(next),
        });
    }

    /// <inheritdoc/>
    public ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Node, nameof(request));
        lock (_lock)
        {
            Entry? entry = Find(jobId);
            if (entry is null)
            {
                return new((ClaimedRun?)null);
            }

            if (entry.Status == JobStatus.Cancelled)
            {
                throw StoreErrors.ClaimCancelled(jobId, entry.Name);
            }

            if (entry.ReadState().LimitReached(entry.MaxRuns))
            {
                throw StoreErrors.ClaimLimitReached(jobId, entry.Name, entry.MaxRuns);
            }

            if (entry.IsFinished && LiveDeclared(entry) is { } live)
            {
                throw StoreErrors.ClaimNameTaken(jobId, entry.Name, live.Id);
            }

            DateTimeOffset now = _time.GetUtcNow();
            JobStatus before = entry.Status;
            JobState state = entry.ReadState();
            state.ClaimNow(now, entry.MaxRuns);
            entry.WriteState(state);
            Reschedule(entry, before);
            return new(StartRun(entry, now, now, request.Node, LongTime.Add(now, request.LeaseDuration), manual: true));
        }
    }

    /// <inheritdoc/>
    public ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        RunCompletionStatus status = CompleteRun(completion.Run, completion.Outcome, completion.StartedAt, completion.FinishedAt, completion.Result,
            completion.Error, completion.RetryAt, completion.RetryAfter, snapshot: true, out Job? job);
        return new(new RunCompletionResult { Status = status, Job = job });
    }

    /// <summary>
    /// Records a run's outcome, given as the fields of a <see cref="RunCompletion"/> (the scheduler's own completions make
    /// none); with <paramref name="snapshot"/> false it makes no <see cref="Job"/> snapshot of the result, which the
    /// scheduler does not need (a snapshot is most of what recording a run allocates).
    /// </summary>
    /// <returns>Whether the outcome was recorded, fenced (the claim is no longer live) or the job is gone.</returns>
    internal RunCompletionStatus CompleteRun(ClaimedRun claimed, RunOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt, object? result,
        string? error, DateTimeOffset? retryAt, TimeSpan? retryAfter, bool snapshot, out Job? job)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        error = RunRecords.FormatError(error);
        RunCompletionStatus status;
        Entry? entry;
        bool dueEarlier;
        lock (_lock)
        {
            status = CompleteLocked(claimed, outcome, startedAt, finishedAt, result, error, retryAt, retryAfter, out entry, out dueEarlier);
            job = snapshot && status == RunCompletionStatus.Recorded ? entry!.ToJob() : null;
        }

        if (dueEarlier)
        {
            // A queued run or a retry made the job due earlier: a dispatcher must look again.
            Raise(JobStoreChangeKind.Completed, entry!);
        }

        return status;
    }

    /// <summary>
    /// Records a run's outcome under the store's lock: the body of <see cref="CompleteRun"/>. Gives the run's job if the outcome
    /// was recorded, and whether it made the job due earlier (a queued run or a retry), so that a dispatcher must look again.
    /// </summary>
    private RunCompletionStatus CompleteLocked(ClaimedRun claimed, RunOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt, object? result,
        string? error, DateTimeOffset? retryAt, TimeSpan? retryAfter, out Entry? entry, out bool dueEarlier)
    {
        entry = null;
        dueEarlier = false;
        if (!claimed.TryGetRunKey(out ulong runKey) || !_runs.Remove(runKey, out ActiveRun run))
        {
            return Find(claimed.JobId) is null ? RunCompletionStatus.NotFound : RunCompletionStatus.Fenced;
        }

        if (run.Run.FencingToken != claimed.FencingToken || !string.Equals(run.Run.InstanceId, claimed.InstanceId, StringComparison.Ordinal))
        {
            // Another claim holds the run now: it stays as it was.
            _runs.Add(runKey, run);
            return RunCompletionStatus.Fenced;
        }

        Entry job = run.Entry;
        long dueBefore = job.DueKey;
        JobStatus before = job.Status;
        // A delay counts from the store's clock now; a time is taken as it is.
        long retryTicks = retryAfter is { } delay ? LongTime.Add(_time.GetUtcNow(), delay).UtcTicks : retryAt?.UtcTicks ?? 0;
        JobState state = job.ReadState();
        state.CompleteTicks(outcome, startedAt.UtcTicks, finishedAt.UtcTicks, claimed.ScheduledTime.UtcTicks, claimed.Attempt, retryTicks);
        job.WriteState(state);
        if (outcome == RunOutcome.Succeeded)
        {
            job.Result = result;
            job.Error = null;
        }
        else if (outcome is RunOutcome.Failed or RunOutcome.Interrupted)
        {
            job.Error = error;
        }

        Reschedule(job, before);
        AddToHistory(job, run.Run, outcome, startedAt.UtcTicks, finishedAt.UtcTicks, error, outcome == RunOutcome.Succeeded ? result : null);
        dueEarlier = job.DueKey != long.MaxValue && job.DueKey < dueBefore;
        entry = job;
        return RunCompletionStatus.Recorded;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            return new((IReadOnlyList<RunReleaseStatus>)[]);
        }

        int[] order = JobState.GetReleaseOrder(runs);
        var statuses = new RunReleaseStatus[runs.Count];
        HashSet<Entry>? released = null;
        lock (_lock)
        {
            foreach (int i in order)
            {
                statuses[i] = ReleaseLocked(runs[i], ref released);
            }
        }

        foreach (Entry entry in released ?? [])
        {
            Raise(JobStoreChangeKind.Released, entry);
        }

        return new(statuses);
    }

    /// <summary>Gives back one claimed run under the store's lock: the body of <see cref="ReleaseRunsAsync"/>.</summary>
    private RunReleaseStatus ReleaseLocked(ClaimedRun claimed, ref HashSet<Entry>? released)
    {
        if (!claimed.TryGetRunKey(out ulong runKey) || !_runs.TryGetValue(runKey, out ActiveRun run))
        {
            return Find(claimed.JobId) is null ? RunReleaseStatus.NotFound : RunReleaseStatus.Fenced;
        }

        if (run.Run.FencingToken != claimed.FencingToken || !string.Equals(run.Run.InstanceId, claimed.InstanceId, StringComparison.Ordinal))
        {
            return RunReleaseStatus.Fenced;
        }

        Entry job = run.Entry;
        JobStatus before = job.Status;
        JobState state = job.ReadState();
        if (!state.ReleaseTicks(job.Trigger, job.MaxRuns, run.Run.ScheduledTime.UtcTicks, run.Run.Attempt, run.Run.IsRecovery, run.Run.IsManual))
        {
            return RunReleaseStatus.Kept;
        }

        _runs.Remove(runKey);
        job.WriteState(state);
        Reschedule(job, before);
        (released ??= []).Add(job);

        return RunReleaseStatus.Released;
    }

    /// <inheritdoc/>
    public ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(heartbeat.Node, nameof(heartbeat));
        NodeIdentity node = heartbeat.Node;
        List<string>? lost = null;
        int renewed = 0;
        DateTimeOffset leaseUntil;
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            leaseUntil = LongTime.Add(now, heartbeat.LeaseDuration);
            if (!_nodes.TryGetValue(node.InstanceId, out NodeRecord? record))
            {
                _nodes.Add(node.InstanceId, record = new NodeRecord(node, _nodeSequence++));
            }

            record.LastSeen = now.UtcTicks;
            record.AliveUntil = leaseUntil.UtcTicks;
            foreach (HeldRun held in heartbeat.Runs)
            {
                ref ActiveRun run = ref JobIds.TryParse(held.RunId, out ulong runKey) ? ref CollectionsMarshal.GetValueRefOrNullRef(_runs, runKey)
                    : ref Unsafe.NullRef<ActiveRun>();
                if (!Unsafe.IsNullRef(ref run) && run.Run.FencingToken == held.FencingToken
                    && string.Equals(run.Run.InstanceId, node.InstanceId, StringComparison.Ordinal))
                {
                    run.LeaseUntil = leaseUntil.UtcTicks;
                    renewed++;
                }
                else
                {
                    (lost ??= []).Add(held.RunId);
                }
            }
        }

        return new(new LeaseRenewal { LeaseUntil = leaseUntil, Lost = lost ?? [], Renewed = renewed });
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default)
    {
        List<ActiveRun>? lost = null;
        lock (_lock)
        {
            long now = _time.GetUtcNow().UtcTicks;
            List<ActiveRun>? expired = null;
            foreach (ActiveRun run in _runs.Values)
            {
                if (run.LeaseUntil <= now)
                {
                    (expired ??= []).Add(run);
                }
            }

            // A job's lost runs in the order they were claimed: a recoverable job's first takes the retry slot, the others wait.
            expired?.Sort(static (a, b) => a.Run.FencingToken.CompareTo(b.Run.FencingToken));
            foreach (ActiveRun active in expired ?? [])
            {
                ClaimedRun run = active.Run;
                Entry entry = active.Entry;
                JobState state = entry.ReadState();
                if (state.DefersRecovery(entry.Options.Recoverable))
                {
                    // Its job's retry slot holds another lost occurrence: this run stays claimed until a later look.
                    continue;
                }

                (lost ??= []).Add(active);
                _runs.Remove(active.RunKey);
                JobStatus before = entry.Status;
                state.InterruptTicks(run.ClaimedAt.UtcTicks, now, run.ScheduledTime.UtcTicks, run.Attempt, entry.Options.Recoverable);
                entry.WriteState(state);
                string error = RunRecords.LeaseExpired(run, Utc(active.LeaseUntil));
                entry.Error = error;
                Reschedule(entry, before);
                AddToHistory(entry, run, RunOutcome.Interrupted, run.ClaimedAt.UtcTicks, Math.Max(now, run.ClaimedAt.UtcTicks), error, null);
            }
        }

        if (lost is null)
        {
            return new([]);
        }

        var runs = new ClaimedRun[lost.Count];
        for (int i = 0; i < runs.Length; i++)
        {
            runs[i] = lost[i].Run;
            Raise(JobStoreChangeKind.Recovered, lost[i].Entry);
        }

        return new(runs);
    }

    /// <inheritdoc/>
    public ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        int jobsDeleted = 0;
        int runsDeleted = 0;
        lock (_lock)
        {
            long now = _time.GetUtcNow().UtcTicks;
            int batch = _retention.BatchSize;
            if (_retention.FinishedJobs is { } keepJobs)
            {
                long cutoff = now - Math.Min(keepJobs.Ticks, now);

                // Finished jobs wait in the order they finished (by this store's clock), so the oldest are at the front. An
                // entry that is no longer finished, or finished again later, was queued again then: its old place is dropped.
                // A cancelled job whose run is still going goes to the back, to be looked at again once the run has ended.
                for (int looked = 0, queued = _finished.Count; looked < queued && jobsDeleted < batch && _finished.Count > 0; looked++)
                {
                    (Entry entry, long finishedAt) = _finished.Peek();
                    if (entry.Removed || entry.FinishedAt != finishedAt)
                    {
                        _finished.Dequeue();
                        continue;
                    }

                    if (finishedAt >= cutoff)
                    {
                        break;
                    }

                    _finished.Dequeue();
                    if (entry.ActiveRuns > 0)
                    {
                        _finished.Enqueue((entry, finishedAt));
                        continue;
                    }

                    runsDeleted += _runRows.Count(entry.History);
                    Remove(entry);
                    jobsDeleted++;
                }
            }

            if (_retention.Runs is { } keepRuns)
            {
                // Runs wait in the order they were recorded, so only the jobs of expired runs are looked at, never every job.
                long cutoff = now - Math.Min(keepRuns.Ticks, now);
                int left = batch;
                while (left > 0 && _historyExpiry.Count > 0 && _historyExpiry.Peek().Finished < cutoff)
                {
                    Entry entry = _historyExpiry.Dequeue().Entry;
                    HistoryJobsVisited++;
                    if (!entry.Removed && entry.History != 0)
                    {
                        int dropped = _runRows.DropFinishedBefore(ref entry.History, cutoff, left);
                        left -= dropped;
                        runsDeleted += dropped;
                    }
                }
            }
        }

        if (jobsDeleted > 0)
        {
            JobStoreEvents.Raise(Changed, this, new JobStoreChange { Kind = JobStoreChangeKind.Purged }, _logger);
        }

        return new(new RetentionResult { JobsDeleted = jobsDeleted, RunsDeleted = runsDeleted });
    }

    /// <inheritdoc/>
    public ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        lock (_lock)
        {
            _nodes.Remove(instanceId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            long now = _time.GetUtcNow().UtcTicks;
            var nodes = new List<NodeRecord>(_nodes.Count);
            List<string>? dead = null;
            foreach (NodeRecord node in _nodes.Values)
            {
                if (node.AliveUntil >= now)
                {
                    nodes.Add(node);
                }
                else
                {
                    (dead ??= []).Add(node.Identity.InstanceId);
                }
            }

            foreach (string id in dead ?? [])
            {
                _nodes.Remove(id);
            }

            nodes.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            var result = new NodeInfo[nodes.Count];
            for (int i = 0; i < result.Length; i++)
            {
                NodeRecord node = nodes[i];
                int running = 0;
                foreach (ActiveRun run in _runs.Values)
                {
                    running += string.Equals(run.Run.InstanceId, node.Identity.InstanceId, StringComparison.Ordinal) ? 1 : 0;
                }

                result[i] = new NodeInfo
                {
                    InstanceId = node.Identity.InstanceId,
                    Name = node.Identity.Name,
                    Host = node.Identity.Host,
                    ProcessId = node.Identity.ProcessId,
                    StartedAt = node.Identity.StartedAt,
                    LastSeen = Utc(node.LastSeen),
                    AliveUntil = Utc(node.AliveUntil),
                    RunningRuns = running,
                };
            }

            return new(result);
        }
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
                runs = Find(id) is { } entry ? _runRows.NewestFirst(entry.History).Select(r => r.ToRecord(entry.Id)) : [];
            }
            else
            {
                runs = AllEntries(ordered: false).Where(e => e.History != 0)
                    .SelectMany(e => _runRows.NewestFirst(e.History).Select(r => (Row: r, Entry: e)))
                    .OrderByDescending(r => r.Row.Sequence)
                    .Select(r => r.Row.ToRecord(r.Entry.Id));
            }

            if (query.Outcome is { } outcome)
            {
                runs = runs.Where(r => r.Outcome == outcome);
            }

            List<RunRecord> matches = runs.ToList();
            List<RunRecord> page = matches.Skip(query.Offset).Take(query.Limit ?? int.MaxValue).ToList();
            return new(new RunPage { Items = page, Total = matches.Count });
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

    /// <summary>Raises <see cref="Changed"/> for a job, with its due time when it is due at all (read outside the lock: a hint, not a promise).</summary>
    private void Raise(JobStoreChangeKind kind, Entry entry, string? id = null)
    {
        if (Changed is { } handler)
        {
            long due = entry.DueKey;
            JobStoreEvents.Raise(handler, this, new JobStoreChange { Kind = kind, JobId = id ?? entry.Id, DueAt = due == long.MaxValue ? null : Utc(due) }, _logger);
        }
    }

    /// <summary>Whether the store holds a job with the entry's id: by the key the entry parsed once (not <see cref="Find"/>, which would parse the id again).</summary>
    private bool Holds(Entry entry) =>
        entry.ForeignId is null ? _jobs.Find(entry.Key) is not null : _jobsWithForeignIds?.ContainsKey(entry.ForeignId) == true;

    private Entry? Find(string id)
    {
        if (JobIds.TryParse(id, out ulong key))
        {
            return _jobs.Find(key);
        }

        return _jobsWithForeignIds?.GetValueOrDefault(id);
    }

    private IEnumerable<Entry> AllEntries(bool ordered) =>
        _jobsWithForeignIds is null ? _jobs.Values
        : ordered ? _jobs.Values.Concat(_jobsWithForeignIds.Values).OrderBy(e => e.Sequence)
        : _jobs.Values.Concat(_jobsWithForeignIds.Values);

    /// <summary>Takes a job out of every index; the caller has checked that no run of it is in progress.</summary>
    private void Remove(Entry entry)
    {
        if (entry.HeapIndex >= 0)
        {
            RemoveAt(entry.HeapIndex);
        }

        _statusCounts[(int)entry.Status]--;
        _ = entry.ForeignId is null ? _jobs.Remove(entry.Key) : _jobsWithForeignIds!.Remove(entry.ForeignId);
        Undeclare(entry);
        UnindexName(entry);
        _runRows.Clear(ref entry.History);
        entry.Removed = true;
    }

    /// <summary>Indexes a declared job by its source and name, so that adding another live job of that name is refused.</summary>
    private void Declare(Entry entry)
    {
        if (entry.Source is { } source)
        {
            if (!_declared.TryGetValue((source, entry.Name), out List<Entry>? same))
            {
                _declared.Add((source, entry.Name), same = []);
            }

            same.Add(entry);
        }
    }

    /// <summary>The pending or running job (paused included) declared with the source and name of <paramref name="entry"/>, if any.</summary>
    private Entry? LiveDeclared(Entry entry)
    {
        if (entry.Source is { } source && _declared.TryGetValue((source, entry.Name), out List<Entry>? same))
        {
            foreach (Entry other in same)
            {
                if (!other.IsFinished)
                {
                    return other;
                }
            }
        }

        return null;
    }

    private void Undeclare(Entry entry)
    {
        if (entry.Source is { } source && _declared.TryGetValue((source, entry.Name), out List<Entry>? same))
        {
            same.Remove(entry);
            if (same.Count == 0)
            {
                _declared.Remove((source, entry.Name));
            }
        }
    }

    /// <summary>Stamps when a job finished, by the store's clock, and queues it for retention.</summary>
    private void MarkFinished(Entry entry)
    {
        entry.FinishedAt = _time.GetUtcNow().UtcTicks;
        if (_retention.FinishedJobs is not null)
        {
            _finished.Enqueue((entry, entry.FinishedAt));
        }
    }

    private ClaimedRun StartRun(Entry entry, DateTimeOffset scheduled, DateTimeOffset now, NodeIdentity node, DateTimeOffset leaseUntil, bool manual,
        int attempt = 1, bool recovery = false)
    {
        // A new random key, as RunIds.New makes, unless a run held now has it (the id is formatted only if someone reads it).
        ulong runKey = JobIds.NewKey();
        while (_runs.ContainsKey(runKey))
        {
            runKey = JobIds.NewKey();
        }

        // No Job snapshot per run: the run carries what running it takes, and makes the snapshot from here if asked (SnapshotForRun).
        var run = new ClaimedRun(this, entry, entry.ForeignId, entry.Name, entry.Options, (object?)entry.Func ?? entry.Task, runKey, node)
        {
            ScheduledTime = scheduled,
            ClaimedAt = now,
            LeaseUntil = leaseUntil,
            IsManual = manual,
            Attempt = attempt,
            IsRecovery = recovery,
            FencingToken = ++_fencing,
        };
        _runs.Add(runKey, new ActiveRun(entry, run, runKey, leaseUntil.UtcTicks));
        return run;
    }

    /// <summary>The <see cref="ClaimedRun.Job"/> of a run this store claimed, made when first read.</summary>
    internal Job SnapshotForRun(object entry)
    {
        lock (_lock)
        {
            return ((Entry)entry).ToJob();
        }
    }

    /// <summary>
    /// The id of a job of this store whose id has the store's own shape (<see cref="JobIds"/>), from the number its entry
    /// keeps: set when the entry is made and never changed, so it is read without the lock.
    /// </summary>
    internal static string FormatJobId(object entry) => JobIds.Format(((Entry)entry).Key);

    /// <summary>Appends a run to the job's history and applies the per-job limit to it.</summary>
    private void AddToHistory(Entry entry, ClaimedRun run, RunOutcome outcome, long started, long finished, string? error, object? result)
    {
        if (_history.MaxRunsPerJob == 0)
        {
            return;
        }

        if (_retention.Runs is not null)
        {
            _historyExpiry.Enqueue((entry, finished));
        }

        _runRows.Add(
            ref entry.History,
            InMemoryRunHistory.Row.Create(++_historySequence, run, outcome, started, finished, error, RunRecords.FormatResult(result, _history.MaxResultLength)),
            _history.MaxRunsPerJob ?? int.MaxValue);
    }

    /// <summary>Counts the entry's change of status, then puts it where its due time says in the heap.</summary>
    private void Reschedule(Entry entry, JobStatus before)
    {
        if (entry.Status != before)
        {
            _statusCounts[(int)before]--;
            _statusCounts[(int)entry.Status]++;
            Reclass(entry, before);
            if (!entry.IsFinished)
            {
                entry.FinishedAt = 0;
            }
            else if (entry.FinishedAt == 0)
            {
                MarkFinished(entry);
            }
        }

        Reschedule(entry);
    }

    /// <summary>Puts the entry where its due time says in the heap, or takes it out if it is not due ever.</summary>
    private void Reschedule(Entry entry)
    {
        long due = entry.ReadState().DueAtTicks;
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

    /// <summary>
    /// One job, kept compact, since a store may hold millions: what every job has in fields of its own, the
    /// <see cref="JobState"/> as plain fields (read and written whole, see <see cref="ReadState"/>), and what most jobs leave
    /// at its default (arguments, a task, a source, limits, policies, a result, an error, a retry or queued run) in a
    /// <see cref="Rare"/> part that exists only once one of them is set.
    /// </summary>
    private sealed class Entry
    {
        private const byte LastFailedFlag = 1;
        private const byte RetryIsRecoveryFlag = 2;
        private const byte WaitsForIdleFlag = 4;
        private const byte PausedFlag = 8;
        private const byte RemovedFlag = 16;

        private static readonly IReadOnlyList<object?> NoArgs = [];

        /// <summary>The job's newest run in the store's history rows, plus one; 0 for none (a field, so that it can be passed by reference).</summary>
        public int History;

        private long _nextRun;
        private long _lastRun;
        private long _lastDuration;
        private long _version;
        private int _runCount;
        private int _failureCount;
        private int _activeRuns;
        private byte _status;
        private byte _flags;
        private Rare? _rare;

        /// <summary>The delegate, or the task name of a job without one: a durable user's job (a task) needs no rare part for it.</summary>
        private object? _work;

        public Entry(Job job, int sequence)
        {
            // Ids the scheduler made are kept as their 64-bit number (8 bytes instead of a 48-byte string).
            if (JobIds.TryParse(job.Id, out ulong key))
            {
                Key = key;
            }
            else
            {
                RareData.ForeignId = job.Id;
            }

            Sequence = sequence;
            CreatedAt = job.CreatedAt.UtcTicks;
            WriteState(JobState.ForNewJob(job));
            Update(job);
        }

        /// <summary>A new pending job of a delegate, from its parts: what <see cref="Entry(Job, int)"/> makes of the <see cref="Job"/> they would build, without building it.</summary>
        public Entry(ulong key, string name, Delegate func, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, Trigger? trigger,
            long createdAt, long firstRun, int? maxRuns, JobOptions options)
        {
            Key = key;
            CreatedAt = createdAt;
            WriteState(new JobState { Status = JobStatus.Pending, NextRunTicks = firstRun, Version = 1 });
            Define(name, func, task: null, trigger, args, kwargs, options, maxRuns, source: null);
        }

        public ulong Key { get; }

        public string? ForeignId => _rare?.ForeignId;

        public string Id => ForeignId ?? JobIds.Format(Key);

        public long CreatedAt { get; }

        public int Sequence { get; set; }

        public int HeapIndex { get; set; } = -1;

        public long DueKey { get; set; } = long.MaxValue;

        /// <summary>When the job became finished, by the store's clock; 0 while it may run.</summary>
        public long FinishedAt { get; set; }

        /// <summary>Gets or sets a value indicating whether the job was deleted (its place in the retention queue is stale).</summary>
        public bool Removed
        {
            get => (_flags & RemovedFlag) != 0;
            set => _flags = value ? (byte)(_flags | RemovedFlag) : (byte)(_flags & ~RemovedFlag);
        }

        public string Name { get; private set; } = "";

        /// <summary>Gets the job's delegate, if it has one.</summary>
        public Delegate? Func => _work as Delegate;

        public Trigger? Trigger { get; private set; }

        /// <summary>Gets the job's task name: kept in the field the delegate would use (a job has one or the other), else in the rare part.</summary>
        public string? Task => _work as string ?? _rare?.Task;

        public IReadOnlyList<object?> Args => _rare?.Args ?? NoArgs;

        public IReadOnlyDictionary<string, object?> Kwargs => _rare?.Kwargs ?? Job.NoKwargs;

        public JobOptions Options => _rare?.Options ?? JobOptions.Default;

        public int? MaxRuns => _rare?.MaxRuns;

        public string? Source => _rare?.Source;

        public object? Result
        {
            get => _rare?.Result;
            set
            {
                if (value is not null || _rare is not null)
                {
                    RareData.Result = value;
                }
            }
        }

        public string? Error
        {
            get => _rare?.Error;
            set
            {
                if (value is not null || _rare is not null)
                {
                    RareData.Error = value;
                }
            }
        }

        public JobStatus Status => (JobStatus)_status;

        public bool IsFinished => Status is JobStatus.Cancelled or JobStatus.Completed or JobStatus.Failed;

        public int ActiveRuns => _activeRuns;

        public long Version => _version;

        /// <summary>Gets a copy of the job's state: change it with <see cref="WriteState"/>, never through this copy.</summary>
        public JobState State => ReadState();

        private Rare RareData => _rare ??= new Rare();

        /// <summary>The job's state, put together from the fields: the rules change a copy, which <see cref="WriteState"/> stores back.</summary>
        public JobState ReadState()
        {
            Rare? rare = _rare;
            return new JobState
            {
                Status = (JobStatus)_status,
                LastFailed = (_flags & LastFailedFlag) != 0,
                RunCount = _runCount,
                FailureCount = _failureCount,
                ActiveRuns = _activeRuns,
                NextRunTicks = _nextRun,
                QueuedTicks = rare?.QueuedTicks ?? 0,
                LastRunTicks = _lastRun,
                LastDurationTicks = _lastDuration,
                Version = _version,
                RetryAtTicks = rare?.RetryAtTicks ?? 0,
                RetryOfTicks = rare?.RetryOfTicks ?? 0,
                RetryAttempt = rare?.RetryAttempt ?? 0,
                RetryIsRecovery = (_flags & RetryIsRecoveryFlag) != 0,
                WaitsForIdle = (_flags & WaitsForIdleFlag) != 0,
                IsPaused = (_flags & PausedFlag) != 0,
            };
        }

        /// <summary>Stores the job's state; the rare part is made only when a queued run or a retry needs it.</summary>
        public void WriteState(in JobState state)
        {
            _status = (byte)state.Status;
            _runCount = state.RunCount;
            _failureCount = state.FailureCount;
            _activeRuns = state.ActiveRuns;
            _nextRun = state.NextRunTicks;
            _lastRun = state.LastRunTicks;
            _lastDuration = state.LastDurationTicks;
            _version = state.Version;
            _flags = (byte)((_flags & RemovedFlag)
                | (state.LastFailed ? LastFailedFlag : 0)
                | (state.RetryIsRecovery ? RetryIsRecoveryFlag : 0)
                | (state.WaitsForIdle ? WaitsForIdleFlag : 0)
                | (state.IsPaused ? PausedFlag : 0));
            if (_rare is not null || state.QueuedTicks != 0 || state.RetryAtTicks != 0 || state.RetryOfTicks != 0 || state.RetryAttempt != 0)
            {
                Rare rare = RareData;
                rare.QueuedTicks = state.QueuedTicks;
                rare.RetryAtTicks = state.RetryAtTicks;
                rare.RetryOfTicks = state.RetryOfTicks;
                rare.RetryAttempt = state.RetryAttempt;
            }
        }

        public void Update(Job job) => Define(job.Name, job.Func, job.Task, job.Trigger, job.Args, job.Kwargs, job.Options, job.MaxRuns, job.Source);

        private void Define(string name, Delegate? func, string? task, Trigger? trigger, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs,
            JobOptions options, int? maxRuns, string? source)
        {
            Name = name;
            _work = (object?)func ?? task;
            Trigger = trigger;
            bool usual = (task is null || func is null) && ReferenceEquals(args, NoArgs) && ReferenceEquals(kwargs, Job.NoKwargs)
                && ReferenceEquals(options, JobOptions.Default) && maxRuns is null && source is null;
            if (usual && _rare is null)
            {
                return;
            }

            Rare rare = RareData;
            rare.Task = func is null ? null : task;
            rare.Args = ReferenceEquals(args, NoArgs) ? null : args;
            rare.Kwargs = ReferenceEquals(kwargs, Job.NoKwargs) ? null : kwargs;
            rare.Options = ReferenceEquals(options, JobOptions.Default) ? null : options;
            rare.MaxRuns = maxRuns;
            rare.Source = source;
        }

        public Job ToJob()
        {
            JobState state = ReadState();
            return new()
            {
                Id = Id,
                Name = Name,
                Func = Func,
                Task = Task,
                Args = Args,
                Kwargs = Kwargs,
                Trigger = Trigger,
                Status = state.Status,
                CreatedAt = Utc(CreatedAt),
                LastRun = state.LastRunTicks == 0 ? null : Utc(state.LastRunTicks),
                NextRun = state.GetShownNextRun(Trigger),
                RunCount = state.RunCount,
                MaxRuns = MaxRuns,
                Result = Result,
                Error = Error,
                FailureCount = state.FailureCount,
                LastDuration = state.LastRunTicks == 0 ? null : TimeSpan.FromTicks(state.LastDurationTicks),
                Options = Options,
                Source = Source,
                ActiveRuns = state.ActiveRuns,
                IsPaused = state.IsPaused,
                FinishedAt = FinishedAt == 0 ? null : Utc(FinishedAt),
                Version = state.Version,
            };
        }

        /// <summary>What most jobs leave at its default; <see langword="null"/> here means that default.</summary>
        private sealed class Rare
        {
            public string? ForeignId { get; set; }

            public string? Task { get; set; }

            public IReadOnlyList<object?>? Args { get; set; }

            public IReadOnlyDictionary<string, object?>? Kwargs { get; set; }

            public JobOptions? Options { get; set; }

            public int? MaxRuns { get; set; }

            public string? Source { get; set; }

            public object? Result { get; set; }

            public string? Error { get; set; }

            public long QueuedTicks { get; set; }

            public long RetryAtTicks { get; set; }

            public long RetryOfTicks { get; set; }

            public int RetryAttempt { get; set; }
        }
    }

    /// <summary>A run held now, kept by value in the table of runs: no object of its own per run.</summary>
    private struct ActiveRun(Entry entry, ClaimedRun run, ulong runKey, long leaseUntil)
    {
        public readonly ulong RunKey { get; } = runKey;

        public readonly Entry Entry { get; } = entry;

        public readonly ClaimedRun Run { get; } = run;

        public long LeaseUntil { get; set; } = leaseUntil;
    }

    /// <summary>A node as its heartbeats left it.</summary>
    private sealed class NodeRecord(NodeIdentity identity, long sequence)
    {
        public NodeIdentity Identity { get; } = identity;

        public long Sequence { get; } = sequence;

        public long LastSeen { get; set; }

        public long AliveUntil { get; set; }
    }
}
