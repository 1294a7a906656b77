namespace Codomyrmex.Scheduler.Storage;

/// <summary>A change in a store, as <see cref="IJobStore.Changed"/> reports it.</summary>
public readonly struct JobStoreChange
{
    /// <summary>Gets what changed.</summary>
    public JobStoreChangeKind Kind { get; init; }

    /// <summary>Gets the job that changed, or <see langword="null"/> when many jobs changed or the store does not know which.</summary>
    public string? JobId { get; init; }

    /// <summary>Gets when the job is due after the change, or <see langword="null"/> if it is not due or the store does not say.</summary>
    /// <remarks>A dispatcher that sleeps until a time before this one need not wake for the change.</remarks>
    public DateTimeOffset? DueAt { get; init; }
}
