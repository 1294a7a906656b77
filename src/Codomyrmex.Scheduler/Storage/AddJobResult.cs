namespace Codomyrmex.Scheduler.Storage;

/// <summary>The result of <see cref="IJobStore.AddAsync"/>.</summary>
public sealed class AddJobResult
{
    /// <summary>Gets the job that was added, or the live job of the same <see cref="Job.Source"/> and <see cref="Job.Name"/> that prevented it.</summary>
    public required Job Job { get; init; }

    /// <summary>Gets a value indicating whether the job was added.</summary>
    public bool Added { get; init; }
}
