namespace Codomyrmex.Scheduler;

/// <summary>Why an occurrence did not run.</summary>
public enum SkipReason
{
    /// <summary>The previous run was still going (<see cref="OverlapPolicy.Skip"/>, or a run was already queued).</summary>
    Overlap,

    /// <summary>It was late by more than the grace time and the policy is <see cref="MisfirePolicy.Skip"/>.</summary>
    Misfire,
}
