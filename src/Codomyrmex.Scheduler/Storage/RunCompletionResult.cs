namespace Codomyrmex.Scheduler.Storage;

/// <summary>The result of <see cref="IJobStore.CompleteRunAsync"/>.</summary>
public sealed class RunCompletionResult
{
    /// <summary>Gets whether the outcome was recorded, and if not, why.</summary>
    public RunCompletionStatus Status { get; init; }

    /// <summary>Gets the job after the update, when the outcome was <see cref="RunCompletionStatus.Recorded"/>; otherwise <see langword="null"/>.</summary>
    public Job? Job { get; init; }
}
