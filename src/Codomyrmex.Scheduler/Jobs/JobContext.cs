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
        TimeProvider = timeProvider;
    }

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
