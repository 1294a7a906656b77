using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler;

/// <summary>What a running job knows about its run.</summary>
/// <remarks>A new context is made for each attempt; it is safe to keep and read from any thread.</remarks>
public sealed class JobContext
{
    internal JobContext(ClaimedRun run, DateTimeOffset fireTime, TimeProvider timeProvider)
    {
        Job job = run.Job;
        RunId = run.RunId;
        JobId = job.Id;
        JobName = job.Name;
        Args = job.Args;
        Kwargs = job.Kwargs;
        ScheduledTime = run.ScheduledTime;
        FireTime = fireTime;
        Attempt = run.Attempt;
        IsManual = run.IsManual;
        IsRecovery = run.IsRecovery;
        FencingToken = run.FencingToken;
        TimeProvider = timeProvider;
    }

    /// <summary>Gets the fencing token of this run's claim: a number the store draws from a counter that only grows, one per claim.</summary>
    /// <remarks>
    /// <para>
    /// A run whose node loses its lease (a long pause, a partition) may be taken over by another node while it still runs
    /// here; the store then refuses this run's outcome, and this node cancels its token at its next heartbeat. Between the
    /// two, both may run. A job whose side effects must not happen twice passes this token to what it writes (a column
    /// checked with <c>WHERE fencing_token &lt; @token</c>, a header a service checks) and lets the higher token win: the
    /// later claim's token is always greater.
    /// </para>
    /// <para>The same for every attempt of one claim; a retry or a recovery is a new claim with a greater token.</para>
    /// </remarks>
    public long FencingToken { get; }

    /// <summary>Gets the run's unique id, as the run history records it (<see cref="RunRecord.RunId"/>).</summary>
    public string RunId { get; }

    /// <summary>Gets the job's identifier.</summary>
    public string JobId { get; }

    /// <summary>Gets the job's name.</summary>
    public string JobName { get; }

    /// <summary>Gets the positional arguments the job was scheduled with.</summary>
    public IReadOnlyList<object?> Args { get; }

    /// <summary>Gets the keyword arguments the job was scheduled with.</summary>
    public IReadOnlyDictionary<string, object?> Kwargs { get; }

    /// <summary>Gets the occurrence this run is for (for a run started by <c>RunNow</c>, the moment it was asked for).</summary>
    public DateTimeOffset ScheduledTime { get; }

    /// <summary>Gets when this attempt actually started.</summary>
    public DateTimeOffset FireTime { get; }

    /// <summary>Gets the attempt number, 1 for the first try.</summary>
    public int Attempt { get; }

    /// <summary>Gets a value indicating whether the run was asked for with <c>RunNow</c> rather than due by schedule.</summary>
    public bool IsManual { get; }

    /// <summary>
    /// Gets a value indicating whether the run re-runs an occurrence whose earlier run was interrupted (its node vanished, or
    /// a shutdown stopped it) and the job is <see cref="JobOptions.Recoverable"/>; a job can use it to resume or redo that work.
    /// </summary>
    public bool IsRecovery { get; }

    /// <summary>Gets the scheduler's clock; use it instead of the system clock, so that tests can drive time.</summary>
    public TimeProvider TimeProvider { get; }
}
