using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Tests;

/// <summary>What the contract suite asks of a new store: its clock, its history and its retention.</summary>
public sealed class ContractStoreOptions
{
    /// <summary>Gets the store's clock (the clock of record), which the test moves.</summary>
    public required FakeTimeProvider Time { get; init; }

    /// <summary>Gets how much history each job keeps.</summary>
    public RunHistoryOptions History { get; init; } = RunHistoryOptions.Default;

    /// <summary>Gets how long finished jobs and history are kept.</summary>
    public JobRetentionOptions Retention { get; init; } = JobRetentionOptions.Default;
}
