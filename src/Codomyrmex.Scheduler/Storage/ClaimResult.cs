namespace Codomyrmex.Scheduler.Storage;

/// <summary>What <see cref="JobState.Claim"/> decided, and for which occurrence.</summary>
public readonly struct ClaimResult
{
    /// <summary>Gets the decision.</summary>
    public ClaimDecision Decision { get; init; }

    /// <summary>Gets the occurrence the decision is about: the run's <see cref="ClaimedRun.ScheduledTime"/>, or the skipped occurrence.</summary>
    public DateTimeOffset ScheduledTime { get; init; }

    /// <summary>Gets the run's attempt number (1, or more for a retry), for <see cref="ClaimDecision.Run"/>.</summary>
    public int Attempt { get; init; }

    /// <summary>Gets a value indicating whether the run re-runs an occurrence lost with its node or stopped by a shutdown, for <see cref="ClaimDecision.Run"/>.</summary>
    public bool IsRecovery { get; init; }

    /// <summary>Gets why the occurrence was skipped, for <see cref="ClaimDecision.Skip"/>; otherwise <see langword="null"/>.</summary>
    public SkipReason? SkipReason { get; init; }
}
