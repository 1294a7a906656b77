namespace Codomyrmex.Scheduler.Storage;

/// <summary>An occurrence that a policy skipped during a claim.</summary>
public readonly struct SkippedOccurrence
{
    /// <summary>Gets the job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the job's name.</summary>
    public required string JobName { get; init; }

    /// <summary>Gets the occurrence that did not run.</summary>
    public DateTimeOffset ScheduledTime { get; init; }

    /// <summary>Gets why it did not run.</summary>
    public SkipReason Reason { get; init; }
}
