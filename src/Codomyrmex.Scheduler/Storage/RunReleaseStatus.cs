namespace Codomyrmex.Scheduler.Storage;

/// <summary>What <see cref="IJobStore.ReleaseRunsAsync"/> did with one run.</summary>
public enum RunReleaseStatus
{
    /// <summary>The run was the live claim and was given back: the claim is gone, and its occurrence is due again (<see cref="JobState.Release"/>).</summary>
    Released,

    /// <summary>
    /// The run is no longer held by this claim (its lease expired and it was recovered, possibly re-claimed by another node,
    /// or it was completed or given back already): nothing changed.
    /// </summary>
    Fenced,

    /// <summary>The store has no such run or job: nothing changed.</summary>
    NotFound,

    /// <summary>
    /// The run is the live claim, but its job cannot take the occurrence back without running another occurrence twice (its one
    /// retry slot is taken): nothing changed, the run is still claimed, and the node completes it instead.
    /// </summary>
    Kept,
}
