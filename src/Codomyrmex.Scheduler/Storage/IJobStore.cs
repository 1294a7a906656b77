namespace Codomyrmex.Scheduler.Storage;

/// <summary>Where schedulers keep their jobs: the contract every store (in-memory, SQLite, PostgreSQL, a third party's) implements.</summary>
/// <remarks>
/// <para>
/// The contract is shaped for many scheduler nodes sharing one store. <see cref="ClaimDueAsync"/> is the heart of it: in one
/// atomic step it picks the occurrences that are due, applies each job's rules (<see cref="JobState.Claim"/>), and records each
/// run as claimed by one node until a lease ends. So an occurrence is claimed by exactly one node.
/// </para>
/// <para>
/// The store's clock (<see cref="TimeProvider"/>) is the clock of record: the store decides what is due, when a lease ends and
/// whether it has expired, when a node stops counting as alive, <see cref="Job.FinishedAt"/> and retention, all by its own
/// clock. A node passes durations, never times, and learns the store's time from <see cref="ClaimBatch.Now"/>; nodes whose
/// clocks disagree still never hold one run at once.
/// </para>
/// <para>
/// Every claim takes a new fencing token from a store-wide counter that only grows (<see cref="ClaimedRun.FencingToken"/>).
/// A completion or renewal names the run with the token of its claim; once the run is recovered, re-claimed or completed,
/// the old token is refused (<see cref="RunCompletionStatus.Fenced"/>, <see cref="LeaseRenewal.Lost"/>) and nothing of it is
/// recorded.
/// </para>
/// <para>
/// Implementations must be safe to call from any thread and from several processes on one database. The repository's
/// <c>docs/stores.md</c> describes how to write one; every store runs the contract test suite (<c>JobStoreContractTests</c>).
/// </para>
/// </remarks>
public interface IJobStore
{
    /// <summary>Raised after a change a dispatcher relies on, outside any lock or transaction of the store.</summary>
    /// <remarks>
    /// Raised for everything that can make a job due earlier (an add, an update, a resume, a completion that leaves a queued
    /// run or a retry, a recovery) and for every cancel and delete, so that a node cancels its runs of a cancelled job without
    /// polling. A handler may call back into the store. A store shared with other processes also raises the changes they make,
    /// once it notices them.
    /// </remarks>
    event EventHandler<JobStoreChange>? Changed;

    /// <summary>Gets a value indicating whether jobs survive the process (durable stores cannot keep delegates).</summary>
    bool IsDurable { get; }

    /// <summary>Gets the store's clock, the clock of record for what is due, leases, liveness and retention.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Adds a new job, unless a live job of the same source and name exists.</summary>
    /// <param name="job">The job, with <see cref="Job.NextRun"/> set to its first run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// The job and <see cref="AddJobResult.Added"/> true; or, when <paramref name="job"/> has a <see cref="Job.Source"/> and a
    /// pending or running job (paused included) has the same source and name, that job and <see cref="AddJobResult.Added"/> false.
    /// </returns>
    /// <remarks>The source-and-name check and the insert are one atomic step, so two nodes declaring the same jobs at once end with one of each.</remarks>
    /// <exception cref="ArgumentException">A job with the same id exists (<see cref="StoreErrors.DuplicateId"/>), or the store cannot keep this job.</exception>
    ValueTask<AddJobResult> AddAsync(Job job, CancellationToken cancellationToken = default);

    /// <summary>Adds many jobs in one atomic step: all of them, or none if one is not valid.</summary>
    /// <param name="jobs">The jobs, each with <see cref="Job.NextRun"/> set to its first run.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// One result per job, in the order given, each what <see cref="AddAsync"/> would answer: the job and
    /// <see cref="AddJobResult.Added"/> true; or, when a live job of the same <see cref="Job.Source"/> and
    /// <see cref="Job.Name"/> exists (an earlier job of the same batch included), that job and
    /// <see cref="AddJobResult.Added"/> false. An empty list adds nothing and returns an empty list.
    /// </returns>
    /// <remarks>
    /// One transaction in a durable store, one lock in memory: other nodes see all the added jobs or none. It is much
    /// cheaper than one <see cref="AddAsync"/> per job. <see cref="Changed"/> is raised after the step, once per added job.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="jobs"/> or one of its items is null.</exception>
    /// <exception cref="ArgumentException">
    /// A job's id exists, appears twice in the batch (<see cref="StoreErrors.DuplicateId"/>), or the store cannot keep a job:
    /// nothing of the batch is added.
    /// </exception>
    ValueTask<IReadOnlyList<AddJobResult>> AddManyAsync(IReadOnlyList<Job> jobs, CancellationToken cancellationToken = default);

    /// <summary>Gets a snapshot of a job.</summary>
    /// <param name="id">The job's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job, or <see langword="null"/> if there is none with that id.</returns>
    ValueTask<Job?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists jobs, in the order they were added.</summary>
    /// <param name="query">The filters (status, name, name prefix, source; all must match) and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of jobs and the total that match.</returns>
    /// <remarks>
    /// Every filter and the total are read through an index or kept counts, so one page costs about the same at a million
    /// jobs as at ten thousand; only a deep <see cref="JobQuery.Offset"/> costs more, as the store passes over that many jobs.
    /// </remarks>
    ValueTask<JobPage> ListAsync(JobQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the jobs in each status, in one call.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The counts, one consistent snapshot.</returns>
    /// <remarks>
    /// Cheap at any number of jobs (stores keep the counts, or read them from an index), so that a metrics gauge, a
    /// dashboard or a command line may call it often.
    /// </remarks>
    ValueTask<JobCounts> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces a job's name, trigger, arguments, limits and policies, if nobody changed it since it was read.</summary>
    /// <param name="job">The new values; its <see cref="Job.Version"/> must be the version that was read.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The updated job, or <see langword="null"/> if the job is gone or its version changed meanwhile.</returns>
    /// <remarks>The state changes through <see cref="JobState.ApplyUpdate"/>.</remarks>
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
    /// that the run's outcome is never recorded against a job that is gone (<see cref="StoreErrors.DeleteWhileRunning"/>).
    /// </exception>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Claims the occurrences due at the store's time, at most <see cref="ClaimRequest.MaxRuns"/> runs, for one node.</summary>
    /// <param name="request">The node, the most runs to claim and the lease duration.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed runs, the occurrences that the policies skipped, the store's time and the next due time.</returns>
    /// <remarks>
    /// Each run gets a new fencing token and a lease until the store's now plus <see cref="ClaimRequest.LeaseDuration"/>. Jobs
    /// are taken earliest due first; each due job's state changes through <see cref="JobState.Claim"/>.
    /// </remarks>
    ValueTask<ClaimBatch> ClaimDueAsync(ClaimRequest request, CancellationToken cancellationToken = default);

    /// <summary>Claims a run of a job right now, outside its schedule (its next run is unchanged).</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="request">The node and the lease duration.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The run, or <see langword="null"/> if there is no such job.</returns>
    /// <exception cref="InvalidOperationException">
    /// The job is cancelled (<see cref="StoreErrors.ClaimCancelled"/>), or its <see cref="Job.MaxRuns"/> are used up
    /// (<see cref="StoreErrors.ClaimLimitReached"/>).
    /// </exception>
    ValueTask<ClaimedRun?> ClaimNowAsync(string jobId, ClaimRequest request, CancellationToken cancellationToken = default);

    /// <summary>Records the outcome of a claimed run, updates the job's counters and status, and writes the run's history record.</summary>
    /// <param name="completion">The outcome.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// <see cref="RunCompletionStatus.Recorded"/> and the job after the update; <see cref="RunCompletionStatus.Fenced"/> when the
    /// run's claim (run id, instance id and fencing token) is no longer the live one (recovered, re-claimed or completed
    /// already); <see cref="RunCompletionStatus.NotFound"/> when the store has no such run. Only a recorded completion changes anything.
    /// </returns>
    ValueTask<RunCompletionResult> CompleteRunAsync(RunCompletion completion, CancellationToken cancellationToken = default);

    /// <summary>Gives back claimed runs that never started, as if they had not been claimed: their occurrences are due again.</summary>
    /// <param name="runs">The runs, each named by its claim (run id, instance id and fencing token). A <see cref="ClaimedRun.IsManual"/> run only drops its claim: no occurrence moves.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// One status per run, in the order given: <see cref="RunReleaseStatus.Released"/>; <see cref="RunReleaseStatus.Fenced"/> when
    /// the run's claim is no longer the live one; <see cref="RunReleaseStatus.NotFound"/> when the store has no such run;
    /// <see cref="RunReleaseStatus.Kept"/> when the job cannot take the occurrence back (see <see cref="JobState.Release"/>). Only a
    /// released run changes anything. An empty list changes nothing and returns an empty list.
    /// </returns>
    /// <remarks>
    /// <para>
    /// A node gives back the runs it claimed ahead of its workers when it stops (a scheduler's <c>Stop</c>): a run that never
    /// started did not fire, so it is neither counted nor recorded. Each released run's claim is deleted and its job changes
    /// through <see cref="JobState.Release"/>: no history record, no counter, and the occurrence is due again at its scheduled
    /// time (a retry stays that attempt, a recovery stays a recovery); a job cancelled meanwhile stays cancelled and the
    /// occurrence is dropped. <see cref="IJobStore.Changed"/> is raised (<see cref="JobStoreChangeKind.Released"/>) for each job
    /// given a run back, so that other nodes see it due.
    /// </para>
    /// <para>
    /// All runs are given back in one atomic step (one transaction, one lock), in the order of <see cref="JobState.GetReleaseOrder"/>:
    /// latest scheduled time first, so that several runs of one job each move its next occurrence back by one (statuses still come
    /// in the order given). A run neither completed nor given back (its node
    /// was killed, or this call failed) stays claimed until its lease expires, and <see cref="RecoverExpiredAsync"/> then
    /// records it as interrupted, as any lost run.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="runs"/> or one of its items is null.</exception>
    ValueTask<IReadOnlyList<RunReleaseStatus>> ReleaseRunsAsync(IReadOnlyList<ClaimedRun> runs, CancellationToken cancellationToken = default);

    /// <summary>Records a node's heartbeat and renews the leases of the runs it still holds.</summary>
    /// <param name="heartbeat">The node, the lease duration and the runs the node believes it holds.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new end of the leases (store time), how many runs were renewed, and the runs the node has lost.</returns>
    /// <remarks>
    /// The node counts as alive until the store's now plus <see cref="NodeHeartbeat.LeaseDuration"/>. A listed run is renewed
    /// only if it is still claimed by the heartbeat's instance with the listed token; every other listed run is reported in
    /// <see cref="LeaseRenewal.Lost"/>. Runs are never renewed by node name.
    /// </remarks>
    ValueTask<LeaseRenewal> RenewAsync(NodeHeartbeat heartbeat, CancellationToken cancellationToken = default);

    /// <summary>Finds runs whose lease expired by the store's clock (their node vanished), records them as interrupted and returns them.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The runs that were lost.</returns>
    /// <remarks>
    /// The job of a lost run changes through <see cref="JobState.Interrupt"/>: it counts a failure, unless it is
    /// <see cref="JobOptions.Recoverable"/>; then the occurrence is due again at once, and its next claim is marked
    /// <see cref="ClaimedRun.IsRecovery"/>. The lost claim is fenced: its node can no longer complete or renew it. A store that
    /// knows a node is gone (a single-process store reopened after a crash) may treat its runs as expired before their leases end.
    /// Lost runs of one job are taken in the order they were claimed (by fencing token); while
    /// <see cref="JobState.DefersRecovery"/> is true for the job (a recoverable job whose one retry slot already holds a lost
    /// occurrence), a lost run is left as it is (not recorded, not returned, still renewable by its node) until a later call,
    /// so that every lost occurrence of a recoverable job runs again.
    /// </remarks>
    ValueTask<IReadOnlyList<ClaimedRun>> RecoverExpiredAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes finished jobs and run history older than the store's retention options allow, in one bounded batch.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many jobs and history records were deleted.</returns>
    /// <remarks>
    /// Deletes at most <see cref="JobRetentionOptions.BatchSize"/> jobs and as many history records per call; a scheduler calls
    /// it from its periodic maintenance, so a store needs no timer of its own. Pending, running and paused jobs are never deleted.
    /// </remarks>
    ValueTask<RetentionResult> PurgeExpiredAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets a node that is stopping, so that it is no longer listed as alive.</summary>
    /// <param name="instanceId">The node's <see cref="NodeIdentity.InstanceId"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the node is forgotten.</returns>
    /// <remarks>Runs the node still holds keep their leases, and are recovered when those expire.</remarks>
    ValueTask LeaveAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Lists the live nodes: those whose last heartbeat keeps them alive at the store's now.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The nodes, in the order they first beat.</returns>
    ValueTask<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the run history, newest first (the order the records were written, last first).</summary>
    /// <param name="query">The job, the outcome and the page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One page of runs and the total that match.</returns>
    /// <remarks>
    /// <see cref="CompleteRunAsync"/> writes a record for each recorded completion and <see cref="RecoverExpiredAsync"/> one for
    /// each lost run, each in the same atomic step as the job's update; <see cref="RunHistoryOptions"/> bound how many each job
    /// keeps and <see cref="PurgeExpiredAsync"/> deletes old ones.
    /// </remarks>
    ValueTask<RunPage> GetRunsAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>Gets the earliest time any job is due, by the store's clock.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The earliest due time, or <see langword="null"/> if nothing is scheduled.</returns>
    ValueTask<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default);
}
