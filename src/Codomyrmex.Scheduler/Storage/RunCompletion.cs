namespace Codomyrmex.Scheduler;

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    /// <summary>The job returned normally.</summary>
    Succeeded,

    /// <summary>The job threw (or timed out) on its last attempt.</summary>
    Failed,

    /// <summary>The run did not execute: it started later than the grace time and the misfire policy is Skip.</summary>
    Skipped,

    /// <summary>The job was cancelled while it ran and stopped.</summary>
    Cancelled,

    /// <summary>The node running it vanished (its lease expired), the process died, or a shutdown stopped it after the shutdown timeout.</summary>
    Interrupted,
}

/// <summary>The outcome of a claimed run, as recorded by <see cref="IJobStore.CompleteRunAsync"/>.</summary>
/// <param name="Run">The run.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="StartedAt">When its first attempt started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Result">The value the job returned, if it succeeded.</param>
/// <param name="Error">The error as <c>Type: message</c>, if it failed.</param>
/// <param name="RetryAt">
/// For a failed attempt that will be tried again: when. The store keeps the retry as the job's next due run, so a retry
/// holds no worker while it waits and survives a restart; the failure is counted only when no attempt is left.
/// </param>
public sealed record RunCompletion(
    ClaimedRun Run, RunOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, object? Result = null, string? Error = null,
    DateTimeOffset? RetryAt = null);
