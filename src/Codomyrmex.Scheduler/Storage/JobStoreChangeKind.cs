namespace Codomyrmex.Scheduler.Storage;

/// <summary>What changed in a store (<see cref="JobStoreChange.Kind"/>).</summary>
public enum JobStoreChangeKind
{
    /// <summary>Something changed that the store cannot name: re-read everything.</summary>
    Unknown,

    /// <summary>A job was added.</summary>
    Added,

    /// <summary>A job's definition was updated.</summary>
    Updated,

    /// <summary>A job was cancelled: a node running it cancels its runs.</summary>
    Cancelled,

    /// <summary>A job was paused.</summary>
    Paused,

    /// <summary>A job was resumed.</summary>
    Resumed,

    /// <summary>A job was deleted.</summary>
    Deleted,

    /// <summary>A run completed and left the job due earlier than before (a queued run or a retry).</summary>
    Completed,

    /// <summary>A run lost with its node was recovered.</summary>
    Recovered,

    /// <summary>Retention deleted finished jobs or old history.</summary>
    Purged,

    /// <summary>A node gave back a claimed run it never started (<see cref="IJobStore.ReleaseRunsAsync"/>): its occurrence is due again.</summary>
    Released,
}
