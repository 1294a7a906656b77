namespace Codomyrmex.Scheduler.Storage;

/// <summary>A node's heartbeat: it is alive, and it still runs these runs (<see cref="IJobStore.RenewAsync"/>).</summary>
public sealed class NodeHeartbeat
{
    /// <summary>Gets the node.</summary>
    public required NodeIdentity Node { get; init; }

    /// <summary>Gets how long the node stays alive and keeps its runs from now, by the store's clock, unless it beats again.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the runs the node believes it holds, each with the token of its claim.</summary>
    public IReadOnlyList<HeldRun> Runs { get; init; } = [];
}
