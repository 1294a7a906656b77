namespace Codomyrmex.Scheduler.Storage;

/// <summary>What a heartbeat renewed, and which runs the node has lost.</summary>
public sealed class LeaseRenewal
{
    /// <summary>Gets the new end of the node's life and of its renewed leases, by the store's clock.</summary>
    public DateTimeOffset LeaseUntil { get; init; }

    /// <summary>Gets the ids of the heartbeat's runs that the node no longer holds (recovered, re-claimed, or gone).</summary>
    /// <remarks>The node cancels these runs and records nothing for them: another node may be running them now.</remarks>
    public IReadOnlyList<string> Lost { get; init; } = [];

    /// <summary>Gets how many runs were renewed.</summary>
    public int Renewed { get; init; }
}
