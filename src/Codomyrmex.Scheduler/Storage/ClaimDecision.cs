namespace Codomyrmex.Scheduler.Storage;

/// <summary>What <see cref="JobState.Claim"/> decided for one due job.</summary>
public enum ClaimDecision
{
    /// <summary>A run was started for the occurrence: the store records it as claimed and returns it.</summary>
    Run,

    /// <summary>The occurrence was skipped (<see cref="ClaimResult.SkipReason"/> says why): the store reports it in <see cref="ClaimBatch.Skipped"/>.</summary>
    Skip,

    /// <summary>The occurrence was queued behind the running run (<see cref="OverlapPolicy.Queue"/>): it becomes due when that run completes.</summary>
    Queue,

    /// <summary>A missed occurrence waits for the running run to complete before it catches up (<see cref="MisfirePolicy.RunAll"/>).</summary>
    Wait,
}
