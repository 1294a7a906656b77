namespace Codomyrmex.Scheduler;

/// <summary>What happened to a run, for the scheduler's <c>JobStarted</c>, <c>JobSucceeded</c>, <c>JobFailed</c>, <c>JobRetrying</c> and <c>JobSkipped</c> events.</summary>
/// <remarks>A read-only struct, so that fields can be added later without breaking handlers.</remarks>
public readonly struct JobEvent
{
    internal JobEvent(string jobId, string jobName, DateTimeOffset scheduledTime, DateTimeOffset time)
    {
        JobId = jobId;
        JobName = jobName;
        ScheduledTime = scheduledTime;
        Time = time;
    }

    /// <summary>Gets the job's id.</summary>
    public string JobId { get; }

    /// <summary>Gets the job's name.</summary>
    public string JobName { get; }

    /// <summary>Gets the occurrence the run is for.</summary>
    public DateTimeOffset ScheduledTime { get; }

    /// <summary>Gets when the event happened.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Gets the attempt number (1 for the first try).</summary>
    public int Attempt { get; init; }

    /// <summary>Gets how the run ended, for the succeeded and failed events.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>Gets how long the run took, for the succeeded and failed events.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Gets the value the job returned, for the succeeded event.</summary>
    public object? Result { get; init; }

    /// <summary>Gets the error as <c>Type: message</c>, for the failed and retrying events.</summary>
    public string? Error { get; init; }

    /// <summary>Gets the exception the job threw, for the failed and retrying events (null when the run was interrupted elsewhere).</summary>
    public Exception? Exception { get; init; }

    /// <summary>Gets why the occurrence was skipped, for the skipped event.</summary>
    public SkipReason? SkipReason { get; init; }

    /// <summary>
    /// Gets a value indicating, for an occurrence skipped for overlap, whether a run of the job that this scheduler holds was in
    /// progress (claimed or running, including one claimed in the same claim, as when the scheduler catches up on occurrences
    /// that came due together). <see langword="false"/>: the run it overlapped is elsewhere, on another node, a <c>RunNow</c>
    /// in another process, or a run the store still counts from a process that ended abruptly, until it is recovered.
    /// </summary>
    public bool OverlapsRunHere { get; init; }

    /// <summary>Gets when the next attempt runs, for the retrying event.</summary>
    public DateTimeOffset? RetryAt { get; init; }
}
