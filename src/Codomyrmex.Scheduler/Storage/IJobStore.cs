namespace Codomyrmex.Scheduler;

/// <summary>Where a scheduler keeps its jobs: the contract every store (in-memory, SQLite, PostgreSQL) implements.</summary>
/// <remarks>
/// <para>
/// The contract is shaped for many scheduler nodes sharing one store. <see cref="ClaimDueAsync"/> is the heart of it: in
/// one atomic step it picks the occurrences that are due, advances each job's next run, applies the job's misfire and
/// overlap policies, and records each run as claimed by a node until a lease expires. So an occurrence is claimed by
/// exactly one node, and the scheduler never changes when the store does.
/// </para>
/// <para>
/// Implementations must be safe to call from any thread. Every store runs the abstract contract test suite
/// (<c>JobStoreContractTests</c>) unchanged.
/// </para>
/// </remarks>
public interface IJobStore
{
    /// <summary>Raised after a change that may make a job due earlier than before, so a waiting dispatcher can wake.</summary>
    event EventHandler? Changed;

    /// <summary>Gets a value indicating whether jobs survive the process (durable stores cannot keep delegates).</summary>
    bool IsDurable { get; }

    /// <summary>Adds a new job.</summary>
    /// <param name="job">The job, with <see cref="Job.NextRun"/> set to its first run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the job is stored.</returns>
    /// <exception cref="ArgumentException">A job with the same id exists, or the store cannot keep this job.</exception>
    ValueTask AddAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Gets a snapshot of a job.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job, or <see langword="null"/> if there is none with that id.</returns>
    ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists jobs, in the order they were added.</summary>
    /// <param name="query">The status filter and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of jobs and the total that match.</returns>
    ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Replaces a job's name, trigger, arguments, limits and policies, if nobody changed it since it was read.</summary>
    /// <param name="job">The new values; its <see cref="Job.Version"/> must be the version that was read.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The updated job, or <see langword="null"/> if the job is gone or its version changed meanwhile.</returns>
    ValueTask<Job?> UpdateAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job: it never runs again. Cancelling a cancelled job succeeds again.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The cancelled job, or <see langword="null"/> if there is none with that id.</returns>
    ValueTask<Job?> CancelAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Pauses or resumes a job. A paused job keeps its schedule and nothing of it is due until it is resumed.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="paused"><see langword="true"/> to pause, <see langword="false"/> to resume.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job after the change, or <see langword="null"/> if there is none with that id.</returns>
    /// <remarks>
    /// <para>
    /// Pausing a paused job, or resuming a job that is not paused, changes nothing and succeeds. A completed, failed or
    /// cancelled job has nothing left to pause: it is returned unchanged, with <see cref="Job.IsPaused"/> false.
    /// </para>
    /// <para>
    /// A run in progress finishes; a queued run or a pending retry waits for the resume like the next occurrence does.
    /// Occurrences that come due while the job is paused are not skipped by the pause itself: once resumed they are
    /// late, and the job's <see cref="JobOptions.Misfire"/> policy decides (run once now, skip to the next, or catch up
    /// each), as after any time the scheduler was not running. <see cref="ClaimNowAsync"/> still runs a paused job.
    /// </para>
    /// </remarks>
    ValueTask<Job?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken = default);

    /// <summary>Deletes a job and its run history.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> if the job was deleted; <see langword="false"/> if there is none with that id.</returns>
    /// <exception cref="InvalidOperationException">
    /// A run of the job is in progress (claimed and not completed): cancel the job and delete it once the run has ended, so
    /// that the run's outcome is never recorded against a job that is gone.
    /// </exception>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Claims the occurrences due at <paramref name="now"/>, at most <paramref name="max"/> runs, for one node.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="max">The most runs to claim.</param>
    /// <param name="node">The claiming node's name.</param>
    /// <param name="leaseUntil">Until when the node holds the runs unless it renews them.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed runs, and the occurrences that the policies skipped.</returns>
    ValueTask<ClaimBatch> ClaimDueAsync(DateTimeOffset now, int max, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Claims a run of a job right now, outside its schedule (its next run is unchanged).</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="now">The current time.</param>
    /// <param name="node">The claiming node's name.</param>
    /// <param name="leaseUntil">Until when the node holds the run unless it renews it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run, or <see langword="null"/> if there is no such job.</returns>
    /// <exception cref="InvalidOperationException">The job is cancelled, or its <see cref="Job.MaxRuns"/> are used up.</exception>
    ValueTask<ClaimedRun?> ClaimNowAsync(string id, DateTimeOffset now, string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Records the outcome of a claimed run, updates the job's counters and status, and writes the run's history record.</summary>
    /// <param name="completion">The outcome.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job after the update, or <see langword="null"/> if the run was not claimed (or was already completed or recovered).</returns>
    ValueTask<Job?> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default);

    /// <summary>Extends the leases of every run a node holds.</summary>
    /// <param name="node">The node.</param>
    /// <param name="leaseUntil">The new end of the leases.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The number of runs renewed.</returns>
    ValueTask<int> RenewLeasesAsync(string node, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Finds runs whose lease expired (their node vanished), records them as interrupted and returns them.</summary>
    /// <remarks>
    /// The job of a lost run counts a failure, unless it is <see cref="JobOptions.Recoverable"/>: then the occurrence is due
    /// again at once, and its next claim is marked <see cref="ClaimedRun.IsRecovery"/>. A store that knows a node is gone
    /// (a single-process store reopened after a crash) may treat its runs as expired before their leases end.
    /// </remarks>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs that were lost.</returns>
    ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Reads the run history, newest first (the order the records were written, last first).</summary>
    /// <param name="query">The job, the outcome and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of runs and the total that match.</returns>
    /// <remarks>
    /// <see cref="CompleteRunAsync"/> writes a record for each completed run and <see cref="RecoverExpiredAsync"/> one for
    /// each lost run, each in the same atomic step as the job's update; the store's <see cref="RunHistoryOptions"/> bound
    /// how many are kept.
    /// </remarks>
    ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>Gets the earliest time any job is due, so the dispatcher knows how long it may sleep.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The earliest due time, or <see langword="null"/> if nothing is scheduled.</returns>
    ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);
}
