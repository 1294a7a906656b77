namespace Codomyrmex.Scheduler.Storage;

/// <summary>What one claim returned: runs to execute, occurrences the policies skipped, and when to look again.</summary>
public sealed class ClaimBatch
{
    /// <summary>Gets the runs the node must now execute.</summary>
    public IReadOnlyList<ClaimedRun> Runs { get; init; } = [];

    /// <summary>Gets the occurrences that were skipped.</summary>
    public IReadOnlyList<SkippedOccurrence> Skipped { get; init; } = [];

    /// <summary>Gets the store's time at the claim.</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>Gets the earliest time a job is due after this claim (store time), or <see langword="null"/> if nothing is scheduled.</summary>
    /// <remarks>
    /// A node sleeps <c>NextDueAt - Now</c> by its own clock, so a node whose clock is off neither spins nor claims early. A
    /// value at or before <see cref="Now"/> means more is due than the claim took (it was limited by
    /// <see cref="ClaimRequest.MaxRuns"/>, or a job came due while the claim looked): claim again. A store shared by several
    /// nodes may leave out due jobs that another node holds at the claim and answer a short recheck time instead.
    /// </remarks>
    public DateTimeOffset? NextDueAt { get; init; }
}
