namespace Codomyrmex.Scheduler.Storage;

/// <summary>A live node as the store knows it from its heartbeats (<see cref="IJobStore.ListNodesAsync"/>).</summary>
public sealed class NodeInfo
{
    /// <summary>Gets the node's instance id (<see cref="NodeIdentity.InstanceId"/>).</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the node's configured name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the machine the node runs on.</summary>
    public string Host { get; init; } = "";

    /// <summary>Gets the id of the node's process.</summary>
    public int ProcessId { get; init; }

    /// <summary>Gets when the node started, by its own clock.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the store last heard from the node, by the store's clock.</summary>
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>Gets until when the node counts as alive without another heartbeat, by the store's clock.</summary>
    public DateTimeOffset AliveUntil { get; init; }

    /// <summary>Gets how many runs the node holds.</summary>
    public int RunningRuns { get; init; }
}
