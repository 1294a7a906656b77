namespace Codomyrmex.Scheduler.Storage;

/// <summary>Who claims, how much, and for how long (<see cref="IJobStore.ClaimDueAsync"/>, <see cref="IJobStore.ClaimNowAsync"/>).</summary>
/// <remarks>A request carries no time: the store decides what is due and when a lease ends by its own clock.</remarks>
public sealed class ClaimRequest
{
    /// <summary>Gets the claiming node.</summary>
    public required NodeIdentity Node { get; init; }

    /// <summary>Gets the most runs to claim (used by <see cref="IJobStore.ClaimDueAsync"/> only).</summary>
    /// <value>The default is 1.</value>
    public int MaxRuns { get; init; } = 1;

    /// <summary>Gets how long the node holds each claimed run unless it renews it, counted by the store's clock from the claim.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);
}
