namespace Codomyrmex.Scheduler.Storage;

/// <summary>What one call of <see cref="IJobStore.PurgeExpiredAsync"/> deleted.</summary>
public sealed class RetentionResult
{
    /// <summary>Gets how many finished jobs were deleted (with their history).</summary>
    public int JobsDeleted { get; init; }

    /// <summary>Gets how many run history records were deleted, those of the deleted jobs included.</summary>
    public int RunsDeleted { get; init; }
}
