namespace Codomyrmex.Scheduler.Storage;

/// <summary>A run that a node has claimed and must now execute and complete.</summary>
/// <remarks>
/// The store makes one for each claim (<see cref="IJobStore.ClaimDueAsync"/>, <see cref="IJobStore.ClaimNowAsync"/>). Every
/// time in it is the store's: a node compares it with nothing on its own clock. The run is held by
/// <see cref="InstanceId"/> until <see cref="LeaseUntil"/> unless the node renews it (<see cref="IJobStore.RenewAsync"/>);
/// <see cref="FencingToken"/> identifies this claim, so a completion or renewal of an older claim of the same run is refused.
/// </remarks>
public sealed class ClaimedRun
{
    /// <summary>Gets the run's unique id (see <see cref="RunIds.New"/>).</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the job as it was when the run was claimed.</summary>
    public required Job Job { get; init; }

    /// <summary>Gets the occurrence the run is for (for a manual run, the moment it was asked for).</summary>
    public DateTimeOffset ScheduledTime { get; init; }

    /// <summary>Gets when the run was claimed, by the store's clock.</summary>
    public DateTimeOffset ClaimedAt { get; init; }

    /// <summary>Gets the instance id of the node that holds the run (<see cref="NodeIdentity.InstanceId"/>).</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the configured name of the node that holds the run (<see cref="NodeIdentity.Name"/>), as the run history shows it.</summary>
    public required string NodeName { get; init; }

    /// <summary>Gets until when the node holds the run unless it renews the lease, by the store's clock.</summary>
    public DateTimeOffset LeaseUntil { get; init; }

    /// <summary>Gets a value indicating whether the run was asked for with <c>RunNow</c> rather than due by schedule.</summary>
    public bool IsManual { get; init; }

    /// <summary>Gets the attempt number: 1, or more for a retry of a failed attempt or a recovery re-run.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Gets a value indicating whether the run re-runs an occurrence whose first run was lost with its node (<see cref="JobOptions.Recoverable"/>).</summary>
    public bool IsRecovery { get; init; }

    /// <summary>Gets the claim's fencing token: unique in the store, and larger than the token of every earlier claim.</summary>
    /// <remarks>
    /// A job can pass it to the systems it writes to (<c>JobContext.FencingToken</c>), so that a write from a node that
    /// lost the run (a paused process whose lease expired) can be refused there too.
    /// </remarks>
    public long FencingToken { get; init; }
}
