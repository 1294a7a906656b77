namespace Codomyrmex.Scheduler.Storage;

/// <summary>What <see cref="IJobStore.CompleteRunAsync"/> did with a completion.</summary>
public enum RunCompletionStatus
{
    /// <summary>The run was the live claim: its outcome, the job's counters and status and a history record were written.</summary>
    Recorded,

    /// <summary>
    /// The run is no longer held by this claim (its lease expired and it was recovered, possibly re-claimed by another node,
    /// or it was already completed): nothing was recorded.
    /// </summary>
    Fenced,

    /// <summary>The store has no such run or job (the job was deleted): nothing was recorded.</summary>
    NotFound,
}
