using System.Globalization;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace Codomyrmex.Scheduler;

/// <summary>A durable store in one SQLite file: jobs, their next runs, counters and run history survive restarts and crashes.</summary>
/// <remarks>
/// <para>
/// The file is opened in write-ahead-log mode. Every operation is atomic: a change is one <c>BEGIN IMMEDIATE</c> transaction
/// (a read one deferred transaction, adding a job one statement) that applies the same rules as
/// <see cref="InMemoryJobStore"/>, so a scheduler behaves identically on both; <see cref="CompleteRunAsync"/>
/// writes the job's new state and its run-history row in the same transaction. See <see cref="SqliteJobStoreOptions.FlushEveryCommit"/>
/// for what a commit survives.
/// </para>
/// <para>
/// One process dispatches from a file at a time. The first call that dispatches (<see cref="ClaimDueAsync"/>,
/// <see cref="RecoverExpiredAsync"/>) takes an operating-system lock on <c>&lt;path&gt;.lock</c> and records the holder (process
/// id, name, host, since) in the file; a second process that tries is refused with an <see cref="InvalidOperationException"/>
/// naming the holder. The lock dies with its process, so a crashed holder's lock is simply taken over, and every run it had
/// claimed is then recovered as interrupted by <see cref="RecoverExpiredAsync"/>, whatever its lease said. Stores that only
/// read and change jobs (<c>schedctl jobs list</c>, <c>cancel</c>) never take the lock and may share the file with the
/// dispatching process; their changes reach it through <see cref="Changed"/> within <see cref="SqliteJobStoreOptions.PollInterval"/>.
/// </para>
/// <para>
/// <see cref="ClaimNowAsync"/> (a manual run, <c>schedctl jobs run</c>) and <see cref="RenewLeasesAsync"/> do not need the lock
/// either: a manual run may be made from another process while one dispatches, and the dispatcher sees it in the job's counters
/// and its overlap policy as it would a run of its own. A run claimed by a store that does not hold the lock is tied to its lease
/// only, as on a cluster: its process renews the lease while it runs, and if that process dies, the run is recovered as
/// interrupted once the lease has expired.
/// </para>
/// <para>
/// Jobs must run registered tasks: delegates cannot be stored. Arguments, keyword arguments and results are kept as JSON and
/// read back as <see cref="System.Text.Json.Nodes.JsonNode"/> values.
/// </para>
/// <para>
/// Opening a file checks it before writing anything: that it is a SQLite database, a job store (or empty) of a schema
/// version this code reads, and not damaged (<c>PRAGMA quick_check</c>, which reads every page: about half a second for a
/// 200 MB file, a few milliseconds for a store of the default history size). A file that fails is refused with an
/// <see cref="InvalidOperationException"/> naming it, and is left exactly as it was; SQLite may have created its <c>-wal</c> and
/// <c>-shm</c> files beside it, which hold nothing of the store's. A writable store then switches the file to write-ahead
/// logging and creates the schema; the lock file <c>&lt;path&gt;.lock</c> appears only when a process first dispatches. See
/// <see cref="SqliteJobStoreOptions.ReadOnly"/> for a store that never writes.
/// </para>
/// <para>All members are thread-safe: one connection serves the store, one operation at a time.</para>
/// </remarks>
public sealed partial class SqliteJobStore : IJobStore, IAsyncDisposable, IDisposable
{
    private const string JobColumns =
        "seq, id, name, task, args, kwargs, trigger, max_runs, source, created_at, result, error, overlap, misfire, misfire_grace, " +
        "max_attempts, retry_delay, max_retry_delay, timeout, recoverable, status, last_failed, run_count, failure_count, active_runs, " +
        "next_run, queued, last_run, last_duration, version, retry_at, retry_of, retry_attempt, waits_for_idle, retry_is_recovery, paused, finished_at";

    private const string StateAssignments =
        "status = $status, last_failed = $last_failed, run_count = $run_count, failure_count = $failure_count, active_runs = $active_runs, " +
        "next_run = $next_run, queued = $queued, last_run = $last_run, last_duration = $last_duration, version = $version, " +
        "retry_at = $retry_at, retry_of = $retry_of, retry_attempt = $retry_attempt, waits_for_idle = $waits_for_idle, due_at = $due_at, " +
        "retry_is_recovery = $retry_is_recovery, paused = $paused, finished_at = $finished_at";

    private static readonly string[] s_stateParameters =
    [
        "$status", "$last_failed", "$run_count", "$failure_count", "$active_runs", "$next_run", "$queued", "$last_run", "$last_duration",
        "$version", "$retry_at", "$retry_of", "$retry_attempt", "$waits_for_idle", "$due_at", "$retry_is_recovery", "$paused", "$finished_at",
    ];

    private static readonly string[] s_definitionParameters =
    [
        "$name", "$task", "$args", "$kwargs", "$trigger", "$max_runs", "$overlap", "$misfire", "$misfire_grace", "$max_attempts",
        "$retry_delay", "$max_retry_delay", "$timeout", "$recoverable", "$source",
    ];

    private const int MaxTriggerCache = 4096;

    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly bool _readOnly;
    private readonly TimeProvider _time;
    private readonly RunHistoryOptions _history;
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, Trigger> _triggers = new(StringComparer.Ordinal);
    private readonly List<SqliteCommand> _commands = [];
    private readonly ITimer? _poll;
    private long _dataVersion;
    private bool _disposed;

    private readonly SqliteCommand _begin;
    private readonly SqliteCommand _beginRead;
    private readonly SqliteCommand _commit;
    private readonly SqliteCommand _rollback;
    private readonly SqliteCommand _insertJob;
    private readonly SqliteCommand _jobById;
    private readonly SqliteCommand _jobBySeq;
    private readonly SqliteCommand _firstDueJob;
    private readonly SqliteCommand _writeState;
    private readonly SqliteCommand _writeDefinition;
    private readonly SqliteCommand _nextDue;
    private readonly SqliteCommand _listAll;
    private readonly SqliteCommand _listByStatus;
    private readonly SqliteCommand _countAll;
    private readonly SqliteCommand _countByStatus;
    private readonly SqliteCommand _insertClaim;
    private readonly SqliteCommand _claimById;
    private readonly SqliteCommand _deleteClaim;
    private readonly SqliteCommand _renewLeases;
    private readonly SqliteCommand _expiredClaims;
    private readonly SqliteCommand _insertRun;
    private readonly SqliteCommand _trimRuns;
    private readonly SqliteCommand _expireRuns;
    private readonly SqliteCommand?[] _runQueries = new SqliteCommand?[8];
    private readonly SqliteCommand _readDataVersion;

    /// <summary>Opens (or creates) a store in the file at <paramref name="path"/> with the default options.</summary>
    /// <param name="path">The database file.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">
    /// The file is not a SQLite database, is damaged, is another program's database, has a newer schema, is read-only or is
    /// locked, or is a folder; a read-only store also refuses a missing file and one that is not yet a job store.
    /// </exception>
    public SqliteJobStore(string path)
        : this(new SqliteJobStoreOptions { Path = path })
    {
    }

    /// <summary>Opens (or creates) a store as the options say.</summary>
    /// <param name="options">The file, durability, waits and clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">
    /// The file is not a SQLite database, is damaged, is another program's database, has a newer schema, is read-only or is
    /// locked, or is a folder; a read-only store also refuses a missing file and one that is not yet a job store.
    /// </exception>
    public SqliteJobStore(SqliteJobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("The SQLite store options are not valid: " + string.Join(" ", problems), nameof(options));
        }

        _path = System.IO.Path.GetFullPath(options.Path);
        _readOnly = options.ReadOnly;
        _time = options.TimeProvider;
        _history = options.History;
        _connection = SqliteSchema.Open(_path, options);
        try
        {
            _begin = Command("BEGIN IMMEDIATE;");
            _beginRead = Command("BEGIN DEFERRED;");
            _commit = Command("COMMIT;");
            _rollback = Command("ROLLBACK;");
            _insertJob = Command(
                $"INSERT INTO jobs ({JobColumns[5..]}, due_at) VALUES ($id, $name, $task, $args, $kwargs, $trigger, $max_runs, $source, " +
                "$created_at, NULL, NULL, $overlap, $misfire, $misfire_grace, $max_attempts, $retry_delay, $max_retry_delay, $timeout, " +
                "$recoverable, $status, $last_failed, $run_count, $failure_count, $active_runs, $next_run, $queued, $last_run, $last_duration, " +
                "$version, $retry_at, $retry_of, $retry_attempt, $waits_for_idle, $retry_is_recovery, $paused, $finished_at, $due_at);",
                ["$id", "$created_at", .. s_definitionParameters, .. s_stateParameters]);
            _jobById = Command($"SELECT {JobColumns} FROM jobs WHERE id = $id;", ["$id"]);
            _jobBySeq = Command($"SELECT {JobColumns} FROM jobs WHERE seq = $seq;", ["$seq"]);
            _firstDueJob = Command($"SELECT {JobColumns} FROM jobs WHERE due_at <= $now ORDER BY due_at, seq LIMIT 1;", ["$now"]);
            _writeState = Command($"UPDATE jobs SET {StateAssignments}, result = $result, error = $error WHERE seq = $seq;",
                ["$seq", "$result", "$error", .. s_stateParameters]);
            _writeDefinition = Command(
                "UPDATE jobs SET name = $name, task = $task, args = $args, kwargs = $kwargs, trigger = $trigger, max_runs = $max_runs, " +
                "overlap = $overlap, misfire = $misfire, misfire_grace = $misfire_grace, max_attempts = $max_attempts, " +
                "retry_delay = $retry_delay, max_retry_delay = $max_retry_delay, timeout = $timeout, recoverable = $recoverable, " +
                $"source = $source, {StateAssignments} WHERE seq = $seq;",
                ["$seq", .. s_definitionParameters, .. s_stateParameters]);
            _nextDue = Command("SELECT min(due_at) FROM jobs WHERE due_at IS NOT NULL;");
            _listAll = Command($"SELECT {JobColumns} FROM jobs ORDER BY seq LIMIT $limit OFFSET $offset;", ["$limit", "$offset"]);
            _listByStatus = Command($"SELECT {JobColumns} FROM jobs WHERE status = $status ORDER BY seq LIMIT $limit OFFSET $offset;",
                ["$status", "$limit", "$offset"]);
            _countAll = Command("SELECT count(*) FROM jobs;");
            _countByStatus = Command("SELECT count(*) FROM jobs WHERE status = $status;", ["$status"]);
            _insertClaim = Command(
                "INSERT INTO claims (run_id, job_seq, scheduled, claimed_at, node, lease_until, attempt, is_manual, is_recovery, epoch) " +
                "VALUES ($run_id, $job_seq, $scheduled, $claimed_at, $node, $lease_until, $attempt, $is_manual, $is_recovery, $epoch);",
                ["$run_id", "$job_seq", "$scheduled", "$claimed_at", "$node", "$lease_until", "$attempt", "$is_manual", "$is_recovery", "$epoch"]);
            _claimById = Command("SELECT job_seq FROM claims WHERE run_id = $run_id;", ["$run_id"]);
            _deleteClaim = Command("DELETE FROM claims WHERE run_id = $run_id;", ["$run_id"]);
            _renewLeases = Command("UPDATE claims SET lease_until = $lease_until WHERE node = $node;", ["$lease_until", "$node"]);
            // Epoch 0: claimed by a store that did not hold the dispatch lock (a manual run from another process), so the
            // lock says nothing about whether its process lives; only its lease does.
            _expiredClaims = Command(
                "SELECT run_id, job_seq, scheduled, claimed_at, node, lease_until, attempt, is_manual, is_recovery, epoch FROM claims " +
                "WHERE lease_until <= $now OR (epoch <> 0 AND epoch <> $epoch) ORDER BY claimed_at;", ["$now", "$epoch"]);
            _insertRun = Command(
                "INSERT INTO runs (run_id, job_id, job_name, scheduled, started_at, finished_at, node, outcome, error, result, attempt, " +
                "is_manual, is_recovery) VALUES ($run_id, $job_id, $job_name, $scheduled, $started_at, $finished_at, $node, $outcome, " +
                "$error, $result, $attempt, $is_manual, $is_recovery);",
                ["$run_id", "$job_id", "$job_name", "$scheduled", "$started_at", "$finished_at", "$node", "$outcome", "$error", "$result",
                 "$attempt", "$is_manual", "$is_recovery"]);
            _trimRuns = Command(
                "DELETE FROM runs WHERE job_id = $job_id AND seq <= " +
                "(SELECT seq FROM runs WHERE job_id = $job_id ORDER BY seq DESC LIMIT 1 OFFSET $keep);", ["$job_id", "$keep"]);
            _expireRuns = Command("DELETE FROM runs WHERE job_id = $job_id AND finished_at < $oldest;", ["$job_id", "$oldest"]);
            _readDataVersion = Command("PRAGMA data_version;");
            _dataVersion = (long)_readDataVersion.ExecuteScalar()!;
            if (options.PollInterval != Timeout.InfiniteTimeSpan)
            {
                _poll = _time.CreateTimer(static state => ((SqliteJobStore)state!).Poll(), this, options.PollInterval, options.PollInterval);
            }
        }
        catch
        {
            DisposeCore();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Also raised, within <see cref="SqliteJobStoreOptions.PollInterval"/>, when another process changes the file.</remarks>
    public event EventHandler? Changed;

    /// <inheritdoc/>
    /// <value>Always <see langword="true"/>.</value>
    public bool IsDurable => true;

    /// <summary>Gets the full path of the database file.</summary>
    public string Path => _path;

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
                CacheTrigger(row.TriggerJson, job.Trigger!);
            }

            long? dueBefore = NextDueTicks();
            SetParameter(_insertJob, 0, row.Id);
            SetParameter(_insertJob, 1, row.CreatedAt);
            SetDefinition(_insertJob, 2, row);
            SetState(_insertJob, 2 + s_definitionParameters.Length, row);
            try
            {
                _insertJob.ExecuteNonQuery();
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new ArgumentException($"A job with id '{job.Id}' already exists.", nameof(job), e);
            }

            long due = row.State.DueAt;
            earliest = due != 0 && (dueBefore is null || due < dueBefore);
        }

        if (earliest)
        {
            Changed?.Invoke(this, EventArgs.Empty);
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
            JobRow? row = ReadJob(_jobById, id);
            return new(row is null ? null : ToJob(row));
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // One read transaction, so the total and the page agree even while another process writes.
            SqliteCommand count = query.Status is null ? _countAll : _countByStatus;
            SqliteCommand list = query.Status is null ? _listAll : _listByStatus;
            int first = 0;
            if (query.Status is { } status)
            {
                SetParameter(count, 0, (long)status);
                SetParameter(list, 0, (long)status);
                first = 1;
            }

            _beginRead.ExecuteNonQuery();
            try
            {
                int total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
                var items = new List<Job>();
                if (query.Limit != 0 && query.Offset < total)
                {
                    SetParameter(list, first, query.Limit ?? -1L);
                    SetParameter(list, first + 1, (long)query.Offset);
                    using SqliteDataReader reader = list.ExecuteReader();
                    while (reader.Read())
                    {
                        items.Add(ToJob(ReadRow(reader)));
                    }
                }

                _commit.ExecuteNonQuery();
                return new(new JobPage(items, total));
            }
            catch
            {
                Rollback();
                throw;
            }
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
            Begin();
            try
            {
                JobRow? row = ReadJob(_jobById, job.Id);
                if (row is null || row.State.Version != job.Version)
                {
                    Rollback();
                    return new((Job?)null);
                }

                // As InMemoryJobStore: a new trigger or limit moves the next run to the one the caller computed; a finished job
                // may be pending again.
                bool reschedule = row.MaxRuns != job.MaxRuns || TriggerOf(row)?.ToString() != job.Trigger?.ToString();
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
                    CacheTrigger(trigger, job.Trigger!);
                }

                SetParameter(_writeDefinition, 0, row.Seq);
                SetDefinition(_writeDefinition, 1, row);
                SetState(_writeDefinition, 1 + s_definitionParameters.Length, row);
                _writeDefinition.ExecuteNonQuery();
                _commit.ExecuteNonQuery();
                updated = ToJob(row);
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return new(updated);
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Begin();
            try
            {
                JobRow? row = ReadJob(_jobById, id);
                if (row is null)
                {
                    Rollback();
                    return new((Job?)null);
                }

                if (row.State.Status != JobStatus.Cancelled)
                {
                    row.State.Cancel();
                    WriteState(row);
                }

                _commit.ExecuteNonQuery();
                return new(ToJob(row));
            }
            catch
            {
                Rollback();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">Another live process dispatches from this file; the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        long nowTicks = now.UtcTicks;
        List<ClaimedRun>? runs = null;
        List<SkippedOccurrence>? skipped = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureDispatchLock();
            if (max <= 0)
            {
                return new(ClaimBatch.Empty);
            }

            Begin();
            try
            {
                while ((runs?.Count ?? 0) < max)
                {
                    SetParameter(_firstDueJob, 0, nowTicks);
                    JobRow? row = ReadJob(_firstDueJob);
                    if (row is null)
                    {
                        break;
                    }

                    Trigger? trigger;
                    try
                    {
                        trigger = TriggerOf(row);
                    }
                    catch (InvalidOperationException exception) when (exception.InnerException is FormatException)
                    {
                        // One job whose stored trigger is damaged fails, saying why; it must not stop every other job.
                        row.State.Fail();
                        row.Error = $"{nameof(InvalidOperationException)}: {exception.Message}";
                        WriteState(row);
                        continue;
                    }

                    ClaimDecision decision = row.State.Claim(trigger, row.Options, row.MaxRuns, nowTicks, out long scheduled, out int attempt,
                        out SkipReason reason, out bool recovery);
                    WriteState(row);
                    if (decision == ClaimDecision.Run)
                    {
                        (runs ??= []).Add(InsertClaim(row, scheduled, now, node, leaseUntil, manual: false, attempt, recovery));
                    }
                    else if (decision == ClaimDecision.Skip)
                    {
                        (skipped ??= []).Add(new SkippedOccurrence(row.Id, row.Name, Utc(scheduled), reason));
                    }
                }

                _commit.ExecuteNonQuery();
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        return new(runs is null && skipped is null ? ClaimBatch.Empty : new ClaimBatch(runs ?? [], skipped ?? []));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Does not take the dispatch lock, so a manual run may be made while another process dispatches from the file. Unless this
    /// store holds the lock, the run is recovered only when its lease expires: keep it renewed with <see cref="RenewLeasesAsync"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The job is cancelled, or its <see cref="Job.MaxRuns"/> are used up.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Begin();
            try
            {
                JobRow? row = ReadJob(_jobById, id);
                if (row is null)
                {
                    Rollback();
                    return new((ClaimedRun?)null);
                }

                if (row.State.Status == JobStatus.Cancelled)
                {
                    throw new InvalidOperationException($"Job '{id}' ({row.Name}) is cancelled; a cancelled job never runs again.");
                }

                if (row.State.LimitReached(row.MaxRuns))
                {
                    throw new InvalidOperationException($"Job '{id}' ({row.Name}) has made or started all of its {row.MaxRuns} runs (MaxRuns).");
                }

                row.State.ClaimNow(now.UtcTicks, row.MaxRuns);
                WriteState(row);
                ClaimedRun run = InsertClaim(row, now.UtcTicks, now, node, leaseUntil, manual: true);
                _commit.ExecuteNonQuery();
                return new(run);
            }
            catch
            {
                Rollback();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        cancellationToken.ThrowIfCancellationRequested();
        ClaimedRun run = completion.Run;
        string? result = completion.Outcome == RunOutcome.Succeeded ? JsonValues.FromResult(completion.Result) : null;
        RunRecord record = RunRecords.FromCompletion(completion, _history);
        Job job;
        bool dueEarlier;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Begin();
            try
            {
                SetParameter(_claimById, 0, run.RunId);
                if (_claimById.ExecuteScalar() is not long seq)
                {
                    Rollback();
                    return new((Job?)null);
                }

                SetParameter(_deleteClaim, 0, run.RunId);
                _deleteClaim.ExecuteNonQuery();
                SetParameter(_jobBySeq, 0, seq);
                JobRow row = ReadJob(_jobBySeq)!;
                long dueBefore = DueKey(row.State);
                row.State.Complete(completion.Outcome, completion.StartedAt.UtcTicks, completion.FinishedAt.UtcTicks,
                    run.ScheduledTime.UtcTicks, run.Attempt, completion.RetryAt?.UtcTicks ?? 0);
                if (completion.Outcome == RunOutcome.Succeeded)
                {
                    row.Result = result;
                    row.Error = null;
                }
                else if (completion.Outcome is RunOutcome.Failed or RunOutcome.Interrupted)
                {
                    row.Error = completion.Error;
                }

                WriteState(row);
                InsertRun(record);
                _commit.ExecuteNonQuery();
                dueEarlier = DueKey(row.State) < dueBefore;

                // The caller gets back the value itself; a later read gets its JSON.
                job = ToJob(row, completion.Outcome == RunOutcome.Succeeded ? completion.Result : null, keepStoredResult: completion.Outcome != RunOutcome.Succeeded);
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        if (dueEarlier)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return new(job);
    }

    /// <inheritdoc/>
    /// <remarks>Does not take the dispatch lock: it extends only the leases of <paramref name="node"/>, whichever process holds the lock.</remarks>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfReadOnly();
            SetParameter(_renewLeases, 0, leaseUntil.UtcTicks);
            SetParameter(_renewLeases, 1, node);
            return new(_renewLeases.ExecuteNonQuery());
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Runs claimed by an earlier holder of the file's dispatch lock are recovered too, whatever their lease: that process has ended.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Another live process dispatches from this file; the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long nowTicks = now.UtcTicks;
        List<ClaimedRun>? lost = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            EnsureDispatchLock();
            Begin();
            try
            {
                var claims = new List<LostClaim>();
                SetParameter(_expiredClaims, 0, nowTicks);
                SetParameter(_expiredClaims, 1, _epoch);
                using (SqliteDataReader reader = _expiredClaims.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        claims.Add(new LostClaim(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4),
                            reader.GetInt64(5), reader.GetInt32(6), reader.GetInt64(7) != 0, reader.GetInt64(8) != 0, reader.GetInt64(9)));
                    }
                }

                foreach (LostClaim claim in claims)
                {
                    SetParameter(_deleteClaim, 0, claim.RunId);
                    _deleteClaim.ExecuteNonQuery();
                    SetParameter(_jobBySeq, 0, claim.JobSeq);
                    JobRow row = ReadJob(_jobBySeq)!;
                    var run = new ClaimedRun(claim.RunId, ToJob(row), Utc(claim.Scheduled), Utc(claim.ClaimedAt), claim.Node, Utc(claim.LeaseUntil),
                        claim.IsManual, claim.Attempt, claim.IsRecovery);
                    row.State.Interrupt(claim.ClaimedAt, nowTicks, claim.Scheduled, claim.Attempt, row.Options.Recoverable);
                    row.Error = claim.Epoch != _epoch
                        ? $"{nameof(RunOutcome.Interrupted)}: the process that ran it on node '{claim.Node}' ended before the run completed."
                        : RunRecords.LeaseExpired(run);
                    WriteState(row);
                    InsertRun(RunRecords.Interrupted(run, now, row.Error));
                    (lost ??= []).Add(run);
                }

                _commit.ExecuteNonQuery();
            }
            catch
            {
                Rollback();
                throw;
            }
        }

        if (lost is not null)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }

        return new(lost is null ? [] : lost);
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit ?? 0, nameof(query));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            SqliteCommand count = RunQueryCommand(query, page: false);
            SqliteCommand list = RunQueryCommand(query, page: true);

            // One read transaction, so the total and the page agree even while another process writes.
            _beginRead.ExecuteNonQuery();
            try
            {
                int total = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
                var items = new List<RunRecord>();
                if (query.Limit != 0 && query.Offset < total)
                {
                    list.Parameters["$limit"].Value = (long)(query.Limit ?? -1);
                    list.Parameters["$offset"].Value = (long)query.Offset;
                    using SqliteDataReader reader = list.ExecuteReader();
                    while (reader.Read())
                    {
                        items.Add(new RunRecord
                        {
                            RunId = reader.GetString(0),
                            JobId = reader.GetString(1),
                            JobName = reader.GetString(2),
                            ScheduledTime = Utc(reader.GetInt64(3)),
                            StartedAt = Utc(reader.GetInt64(4)),
                            FinishedAt = Utc(reader.GetInt64(5)),
                            Node = reader.GetString(6),
                            Outcome = (RunOutcome)reader.GetInt32(7),
                            Error = reader.IsDBNull(8) ? null : reader.GetString(8),
                            Result = reader.IsDBNull(9) ? null : reader.GetString(9),
                            Attempt = reader.GetInt32(10),
                            IsManual = reader.GetInt64(11) != 0,
                            IsRecovery = reader.GetInt64(12) != 0,
                        });
                    }
                }

                _commit.ExecuteNonQuery();
                return new(new RunPage(items, total));
            }
            catch
            {
                Rollback();
                throw;
            }
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new(NextDueTicks() is { } due ? Utc(due) : null);
        }
    }

    /// <summary>Closes the file and lets go of the dispatch lock, if this store holds it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        DisposeCore();
    }

    /// <summary>Closes the file and lets go of the dispatch lock, if this store holds it.</summary>
    /// <returns>A task that completes when the file is closed.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);

    private static long DueKey(in JobState state) => state.DueAt is 0 ? long.MaxValue : state.DueAt;

    private void DisposeCore()
    {
        _poll?.Dispose();
        lock (_lock)
        {
            ReleaseDispatchLock();
            foreach (SqliteCommand command in _commands)
            {
                command.Dispose();
            }

            _connection.Dispose();
        }
    }

    private void Poll()
    {
        if (!_lock.TryEnter())
        {
            return; // busy with an operation: the next tick looks again.
        }

        bool changed;
        try
        {
            if (_disposed)
            {
                return;
            }

            long version = (long)_readDataVersion.ExecuteScalar()!;
            changed = version != _dataVersion;
            _dataVersion = version;
        }
        catch (SqliteException)
        {
            return; // a poll that fails (the disk is busy) is simply made again at the next tick.
        }
        finally
        {
            _lock.Exit();
        }

        if (changed)
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    private SqliteCommand Command(string sql, params ReadOnlySpan<string> parameters)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        _commands.Add(command);
        return command;
    }

    private static void SetParameter(SqliteCommand command, int index, object? value) => command.Parameters[index].Value = value ?? DBNull.Value;

    private static void SetDefinition(SqliteCommand command, int first, JobRow row)
    {
        JobOptions options = row.Options;
        SetParameter(command, first, row.Name);
        SetParameter(command, first + 1, row.Task);
        SetParameter(command, first + 2, row.Args);
        SetParameter(command, first + 3, row.Kwargs);
        SetParameter(command, first + 4, row.TriggerJson);
        SetParameter(command, first + 5, row.MaxRuns);
        SetParameter(command, first + 6, (long)options.Overlap);
        SetParameter(command, first + 7, (long)options.Misfire);
        SetParameter(command, first + 8, options.MisfireGraceTime.Ticks);
        SetParameter(command, first + 9, (long)options.MaxAttempts);
        SetParameter(command, first + 10, options.RetryDelay.Ticks);
        SetParameter(command, first + 11, options.MaxRetryDelay.Ticks);
        SetParameter(command, first + 12, options.Timeout?.Ticks);
        SetParameter(command, first + 13, options.Recoverable ? 1L : 0L);
        SetParameter(command, first + 14, row.Source);
    }

    /// <summary>Sets the state parameters from the row, first stamping when the job finished (by the store's clock) if it just did.</summary>
    private void SetState(SqliteCommand command, int first, JobRow row)
    {
        row.FinishedAt = !row.State.IsFinished ? 0 : row.FinishedAt != 0 ? row.FinishedAt : _time.GetUtcNow().UtcTicks;
        ref readonly JobState state = ref row.State;
        SetParameter(command, first, (long)state.Status);
        SetParameter(command, first + 1, state.LastFailed ? 1L : 0L);
        SetParameter(command, first + 2, (long)state.RunCount);
        SetParameter(command, first + 3, (long)state.FailureCount);
        SetParameter(command, first + 4, (long)state.ActiveRuns);
        SetParameter(command, first + 5, state.NextRun);
        SetParameter(command, first + 6, state.Queued);
        SetParameter(command, first + 7, state.LastRun);
        SetParameter(command, first + 8, state.LastDuration);
        SetParameter(command, first + 9, state.Version);
        SetParameter(command, first + 10, state.RetryAt);
        SetParameter(command, first + 11, state.RetryOf);
        SetParameter(command, first + 12, (long)state.RetryAttempt);
        SetParameter(command, first + 13, state.WaitsForIdle ? 1L : 0L);
        SetParameter(command, first + 14, state.DueAt is 0 ? null : state.DueAt);
        SetParameter(command, first + 15, state.RetryIsRecovery ? 1L : 0L);
        SetParameter(command, first + 16, state.Paused ? 1L : 0L);
        SetParameter(command, first + 17, row.FinishedAt == 0 ? null : row.FinishedAt);
    }

    private void WriteState(JobRow row)
    {
        SetParameter(_writeState, 0, row.Seq);
        SetParameter(_writeState, 1, row.Result);
        SetParameter(_writeState, 2, row.Error);
        SetState(_writeState, 3, row);
        _writeState.ExecuteNonQuery();
    }

    private ClaimedRun InsertClaim(JobRow row, long scheduled, DateTimeOffset now, string node, DateTimeOffset leaseUntil, bool manual, int attempt = 1,
        bool recovery = false)
    {
        var run = new ClaimedRun(JobIds.Format(JobIds.NewKey()), ToJob(row), Utc(scheduled), now, node, leaseUntil, manual, attempt, recovery);
        SetParameter(_insertClaim, 0, run.RunId);
        SetParameter(_insertClaim, 1, row.Seq);
        SetParameter(_insertClaim, 2, scheduled);
        SetParameter(_insertClaim, 3, now.UtcTicks);
        SetParameter(_insertClaim, 4, node);
        SetParameter(_insertClaim, 5, leaseUntil.UtcTicks);
        SetParameter(_insertClaim, 6, (long)attempt);
        SetParameter(_insertClaim, 7, manual ? 1L : 0L);
        SetParameter(_insertClaim, 8, recovery ? 1L : 0L);
        SetParameter(_insertClaim, 9, _epoch);
        _insertClaim.ExecuteNonQuery();
        return run;
    }

    /// <summary>Writes a history record and applies the retention options to its job's records.</summary>
    private void InsertRun(RunRecord record)
    {
        if (_history.MaxRunsPerJob == 0)
        {
            return;
        }

        SetParameter(_insertRun, 0, record.RunId);
        SetParameter(_insertRun, 1, record.JobId);
        SetParameter(_insertRun, 2, record.JobName);
        SetParameter(_insertRun, 3, record.ScheduledTime.UtcTicks);
        SetParameter(_insertRun, 4, record.StartedAt.UtcTicks);
        SetParameter(_insertRun, 5, record.FinishedAt.UtcTicks);
        SetParameter(_insertRun, 6, record.Node);
        SetParameter(_insertRun, 7, (long)record.Outcome);
        SetParameter(_insertRun, 8, record.Error);
        SetParameter(_insertRun, 9, record.Result);
        SetParameter(_insertRun, 10, (long)record.Attempt);
        SetParameter(_insertRun, 11, record.IsManual ? 1L : 0L);
        SetParameter(_insertRun, 12, record.IsRecovery ? 1L : 0L);
        _insertRun.ExecuteNonQuery();
        if (_history.MaxRunsPerJob is { } keep)
        {
            SetParameter(_trimRuns, 0, record.JobId);
            SetParameter(_trimRuns, 1, (long)keep);
            _trimRuns.ExecuteNonQuery();
        }

        if (_history.MaxAge is { } maxAge)
        {
            SetParameter(_expireRuns, 0, record.JobId);
            SetParameter(_expireRuns, 1, record.FinishedAt.UtcTicks - maxAge.Ticks);
            _expireRuns.ExecuteNonQuery();
        }
    }

    /// <summary>The history query for this combination of filters (made once, then kept), with the filters set.</summary>
    private SqliteCommand RunQueryCommand(RunQuery query, bool page)
    {
        int variant = (query.JobId is null ? 0 : 1) | (query.Outcome is null ? 0 : 2) | (page ? 4 : 0);
        if (_runQueries[variant] is not { } command)
        {
            string where = (query.JobId is null, query.Outcome is null) switch
            {
                (true, true) => "",
                (false, true) => " WHERE job_id = $job_id",
                (true, false) => " WHERE outcome = $outcome",
                (false, false) => " WHERE job_id = $job_id AND outcome = $outcome",
            };
            command = page
                ? Command("SELECT run_id, job_id, job_name, scheduled, started_at, finished_at, node, outcome, error, result, attempt, is_manual, " +
                    $"is_recovery FROM runs{where} ORDER BY seq DESC LIMIT $limit OFFSET $offset;", "$job_id", "$outcome", "$limit", "$offset")
                : Command($"SELECT count(*) FROM runs{where};", "$job_id", "$outcome");
            _runQueries[variant] = command;
        }

        command.Parameters["$job_id"].Value = query.JobId ?? (object)DBNull.Value;
        command.Parameters["$outcome"].Value = query.Outcome is { } outcome ? (long)outcome : DBNull.Value;
        return command;
    }

    private long? NextDueTicks() => _nextDue.ExecuteScalar() is long due ? due : null;

    private void Begin()
    {
        ThrowIfReadOnly();
        _begin.ExecuteNonQuery();
    }

    /// <summary>Refuses a change on a store opened with <see cref="SqliteJobStoreOptions.ReadOnly"/>, before the file is touched.</summary>
    private void ThrowIfReadOnly()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException($"The job store '{_path}' was opened read-only, so it cannot be changed.");
        }
    }

    private void Rollback()
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
        {
            _rollback.ExecuteNonQuery();
        }
    }

    private static JobRow? ReadJob(SqliteCommand command, string id)
    {
        SetParameter(command, 0, id);
        return ReadJob(command);
    }

    private static JobRow? ReadJob(SqliteCommand command)
    {
        using SqliteDataReader reader = command.ExecuteReader();
        return reader.Read() ? ReadRow(reader) : null;
    }

    private static JobRow ReadRow(SqliteDataReader reader) => new()
    {
        Seq = reader.GetInt64(0),
        Id = reader.GetString(1),
        Name = reader.GetString(2),
        Task = reader.IsDBNull(3) ? null : reader.GetString(3),
        Args = reader.GetString(4),
        Kwargs = reader.GetString(5),
        TriggerJson = reader.IsDBNull(6) ? null : reader.GetString(6),
        MaxRuns = reader.IsDBNull(7) ? null : reader.GetInt32(7),
        Source = reader.IsDBNull(8) ? null : reader.GetString(8),
        CreatedAt = reader.GetInt64(9),
        Result = reader.IsDBNull(10) ? null : reader.GetString(10),
        Error = reader.IsDBNull(11) ? null : reader.GetString(11),
        Options = ReadOptions(reader),
        State = new JobState
        {
            Status = (JobStatus)reader.GetInt32(20),
            LastFailed = reader.GetInt64(21) != 0,
            RunCount = reader.GetInt32(22),
            FailureCount = reader.GetInt32(23),
            ActiveRuns = reader.GetInt32(24),
            NextRun = reader.GetInt64(25),
            Queued = reader.GetInt64(26),
            LastRun = reader.GetInt64(27),
            LastDuration = reader.GetInt64(28),
            Version = reader.GetInt64(29),
            RetryAt = reader.GetInt64(30),
            RetryOf = reader.GetInt64(31),
            RetryAttempt = reader.GetInt32(32),
            WaitsForIdle = reader.GetInt64(33) != 0,
            RetryIsRecovery = reader.GetInt64(34) != 0,
            Paused = reader.GetInt64(35) != 0,
        },
        FinishedAt = reader.IsDBNull(36) ? 0 : reader.GetInt64(36),
    };

    private static JobOptions ReadOptions(SqliteDataReader reader)
    {
        JobOptions defaults = JobOptions.Default;
        var overlap = (OverlapPolicy)reader.GetInt32(12);
        var misfire = (MisfirePolicy)reader.GetInt32(13);
        var grace = TimeSpan.FromTicks(reader.GetInt64(14));
        int attempts = reader.GetInt32(15);
        var retryDelay = TimeSpan.FromTicks(reader.GetInt64(16));
        var maxRetryDelay = TimeSpan.FromTicks(reader.GetInt64(17));
        TimeSpan? timeout = reader.IsDBNull(18) ? null : TimeSpan.FromTicks(reader.GetInt64(18));
        bool recoverable = reader.GetInt64(19) != 0;

        // Most jobs keep the defaults: share the one instance rather than allocate a copy per read.
        if (overlap == defaults.Overlap && misfire == defaults.Misfire && grace == defaults.MisfireGraceTime && attempts == defaults.MaxAttempts &&
            retryDelay == defaults.RetryDelay && maxRetryDelay == defaults.MaxRetryDelay && timeout == defaults.Timeout && recoverable == defaults.Recoverable)
        {
            return defaults;
        }

        return new JobOptions
        {
            Overlap = overlap,
            Misfire = misfire,
            MisfireGraceTime = grace,
            MaxAttempts = attempts,
            RetryDelay = retryDelay,
            MaxRetryDelay = maxRetryDelay,
            Timeout = timeout,
            Recoverable = recoverable,
        };
    }

    private Trigger? TriggerOf(JobRow row)
    {
        if (row.TriggerJson is not { } json)
        {
            return null;
        }

        if (_triggers.TryGetValue(json, out Trigger? trigger))
        {
            return trigger;
        }

        try
        {
            trigger = Trigger.FromJson(json);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"The trigger of job '{row.Id}' ({row.Name}) in '{_path}' cannot be read: {e.Message} The stored JSON is {json}", e);
        }

        CacheTrigger(json, trigger);
        return trigger;
    }

    private void CacheTrigger(string json, Trigger trigger)
    {
        if (_triggers.Count >= MaxTriggerCache)
        {
            _triggers.Clear();
        }

        _triggers[json] = trigger;
    }

    private Job ToJob(JobRow row) => ToJob(row, null, keepStoredResult: true);

    private Job ToJob(JobRow row, object? result, bool keepStoredResult)
    {
        Trigger? trigger;
        try
        {
            trigger = TriggerOf(row);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is FormatException && row.State.Status == JobStatus.Failed)
        {
            // A job failed for its damaged trigger (see ClaimDueAsync) is still listed and shown, without a trigger: its
            // Error says what is wrong, and one damaged row must not make the whole store unreadable.
            trigger = null;
        }

        long next = row.State.ShownNextRun;
        return new Job
        {
            Id = row.Id,
            Name = row.Name,
            Task = row.Task,
            Args = JsonValues.ToArgs(row.Args),
            Kwargs = JsonValues.ToKwargs(row.Kwargs),
            Trigger = trigger,
            Status = row.State.Status,
            CreatedAt = Utc(row.CreatedAt),
            LastRun = row.State.LastRun == 0 ? null : Utc(row.State.LastRun),
            NextRun = next == 0 ? null : trigger?.Localize(Utc(next)) ?? Utc(next),
            RunCount = row.State.RunCount,
            MaxRuns = row.MaxRuns,
            Result = keepStoredResult ? JsonValues.ToResult(row.Result) : result,
            Error = row.Error,
            FailureCount = row.State.FailureCount,
            LastDuration = row.State.LastRun == 0 ? null : TimeSpan.FromTicks(row.State.LastDuration),
            Options = row.Options,
            Source = row.Source,
            ActiveRuns = row.State.ActiveRuns,
            IsPaused = row.State.Paused,
            FinishedAt = row.FinishedAt == 0 ? null : Utc(row.FinishedAt),
            Version = row.State.Version,
        };
    }

    /// <summary>A job as stored: its definition as text, and its changing part as the shared <see cref="JobState"/>.</summary>
    private sealed class JobRow
    {
        public JobState State;

        public long Seq { get; init; }

        public required string Id { get; init; }

        public required string Name { get; set; }

        public string? Task { get; set; }

        public required string Args { get; set; }

        public required string Kwargs { get; set; }

        public string? TriggerJson { get; set; }

        public int? MaxRuns { get; set; }

        public string? Source { get; set; }

        public long CreatedAt { get; init; }

        public string? Result { get; set; }

        public string? Error { get; set; }

        public required JobOptions Options { get; set; }

        /// <summary>When the job became finished, by the store's clock; 0 while it may run.</summary>
        public long FinishedAt { get; set; }
    }

    private readonly record struct LostClaim(
        string RunId, long JobSeq, long Scheduled, long ClaimedAt, string Node, long LeaseUntil, int Attempt, bool IsManual, bool IsRecovery, long Epoch);
}
