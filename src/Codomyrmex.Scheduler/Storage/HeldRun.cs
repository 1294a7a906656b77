namespace Codomyrmex.Scheduler.Storage;

/// <summary>A run a node believes it holds: its id and the fencing token of the claim that gave it.</summary>
public readonly struct HeldRun
{
    /// <summary>Gets the run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the fencing token of the claim (<see cref="ClaimedRun.FencingToken"/>).</summary>
    public long FencingToken { get; init; }
}
