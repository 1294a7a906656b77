namespace Codomyrmex.Scheduler;

/// <summary>What a running job knows about its run.</summary>
/// <remarks>A new context is made for each attempt; it is safe to keep and read from any thread.</remarks>
public sealed class JobContext
{
    internal JobContext(Job job, DateTimeOffset scheduledTime, DateTimeOffset fireTime, int attempt, TimeProvider timeProvider)
    {
        JobId = job.Id;
        JobName = job.Name;
        Args = job.Args;
        Kwargs = job.Kwargs;
        ScheduledTime = scheduledTime;
        FireTime = fireTime;
        Attempt = attempt;
        TimeProvider = timeProvider;
    }

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

    /// <summary>Gets the scheduler's clock; use it instead of the system clock, so that tests can drive time.</summary>
    public TimeProvider TimeProvider { get; }
}
