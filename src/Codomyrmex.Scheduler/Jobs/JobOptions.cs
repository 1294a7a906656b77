namespace Codomyrmex.Scheduler;

/// <summary>A job's policies: overlap, misfires, retries and timeout.</summary>
/// <remarks>Instances are immutable; use <c>with</c> to derive one. <see cref="Default"/> is shared.</remarks>
public sealed record JobOptions
{
    /// <summary>Gets the options every job has unless it is given others.</summary>
    public static JobOptions Default { get; } = new();

    /// <summary>Gets what happens when an occurrence comes due while the previous run is still going.</summary>
    /// <value>The default is <see cref="OverlapPolicy.Skip"/>.</value>
    public OverlapPolicy Overlap { get; init; } = OverlapPolicy.Skip;

    /// <summary>Gets what happens to occurrences that are late by more than <see cref="MisfireGraceTime"/>.</summary>
    /// <value>The default is <see cref="MisfirePolicy.RunOnce"/>.</value>
    public MisfirePolicy Misfire { get; init; } = MisfirePolicy.RunOnce;

    /// <summary>Gets how late an occurrence may start and still count as on time.</summary>
    /// <value>The default is one minute.</value>
    public TimeSpan MisfireGraceTime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets how many times a run is attempted before it counts as failed.</summary>
    /// <value>The default is 1: no retries.</value>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>Gets the delay before the first retry; each later retry waits twice as long, with jitter.</summary>
    /// <value>The default is one second.</value>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets the longest delay between two attempts.</summary>
    /// <value>The default is five minutes.</value>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets how long one attempt may take before its token is cancelled and it fails with a <see cref="TimeoutException"/>.</summary>
    /// <value>The default is <see langword="null"/>: no timeout.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets a value indicating whether a run lost with its node (a crash, a killed process), or stopped by a shutdown after the shutdown timeout, is run again.</summary>
    /// <value>The default is <see langword="false"/>: a lost run is recorded as <see cref="RunOutcome.Interrupted"/> and counts as a failure.</value>
    /// <remarks>
    /// Only jobs that are safe to run twice should be recoverable: the lost run may have done part or all of its work
    /// before its node vanished. The re-run is marked (<see cref="Storage.ClaimedRun.IsRecovery"/>, <see cref="RunRecord.IsRecovery"/>).
    /// </remarks>
    public bool Recoverable { get; init; }

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Overlap))
        {
            errors.Add($"Overlap {(int)Overlap} is not an OverlapPolicy.");
        }

        if (!Enum.IsDefined(Misfire))
        {
            errors.Add($"Misfire {(int)Misfire} is not a MisfirePolicy.");
        }

        if (MisfireGraceTime < TimeSpan.Zero)
        {
            errors.Add($"MisfireGraceTime is {MisfireGraceTime}; it must not be negative.");
        }

        if (MaxAttempts < 1)
        {
            errors.Add($"MaxAttempts is {MaxAttempts}; it must be at least 1.");
        }

        if (RetryDelay < TimeSpan.Zero)
        {
            errors.Add($"RetryDelay is {RetryDelay}; it must not be negative.");
        }

        if (MaxRetryDelay < RetryDelay)
        {
            errors.Add($"MaxRetryDelay is {MaxRetryDelay}; it must be at least RetryDelay ({RetryDelay}).");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"Timeout is {timeout}; it must be positive.");
        }

        return errors;
    }

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 or more): exponential, capped, with up to ±20% jitter.</summary>
    internal TimeSpan GetRetryDelay(int nextAttempt, double jitter)
    {
        double factor = Math.Pow(2, Math.Min(nextAttempt - 2, 30));
        double ticks = Math.Min(RetryDelay.Ticks * factor, MaxRetryDelay.Ticks);
        ticks *= 1 + ((jitter - 0.5) * 0.4);
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, 0, MaxRetryDelay.Ticks));
    }
}
