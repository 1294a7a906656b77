namespace Codomyrmex.Scheduler.Storage;

/// <summary>The outcome of a claimed run, as recorded by <see cref="IJobStore.CompleteRunAsync"/>.</summary>
public sealed class RunCompletion
{
    /// <summary>Gets the run, as the claim returned it (its id, instance and fencing token name the claim being completed).</summary>
    public required ClaimedRun Run { get; init; }

    /// <summary>Gets how the run ended.</summary>
    public RunOutcome Outcome { get; init; }

    /// <summary>Gets when its attempt started, by the node's clock (with <see cref="FinishedAt"/>, the history's duration).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it ended, by the node's clock. The store stamps <see cref="Job.FinishedAt"/> by its own clock.</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>Gets the value the job returned, if it succeeded.</summary>
    public object? Result { get; init; }

    /// <summary>Gets the error as <c>Type: message</c>, if it failed.</summary>
    /// <remarks>
    /// Every store records it with each U+0000 and each half of a surrogate pair without its other half replaced by U+FFFD
    /// (<see cref="RunRecords.FormatError"/>), so that every store can record the run and reads back the same text; the rest
    /// reads back as given.
    /// </remarks>
    public string? Error { get; init; }

    /// <summary>Gets, for a failed attempt that will be tried again, when.</summary>
    /// <remarks>
    /// The store keeps the retry as the job's next due run, so a retry holds no worker while it waits and survives a
    /// restart; the failure is counted only when no attempt is left.
    /// </remarks>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Gets, for a failed attempt that will be tried again, how long after the store records the completion, by the store's clock.</summary>
    /// <remarks>
    /// Preferred to <see cref="RetryAt"/>, which is a time on the node's clock: a delay means the same on every clock, so
    /// a node whose clock is off does not move its retries. When both are set, this one is used.
    /// </remarks>
    public TimeSpan? RetryAfter { get; init; }
}
