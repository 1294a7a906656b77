namespace Codomyrmex.Scheduler;

/// <summary>How many jobs a store holds in each status, read in one call.</summary>
/// <remarks>Returned by <see cref="Storage.IJobStore.CountAsync"/>; the counts are one consistent snapshot.</remarks>
public sealed class JobCounts
{
    /// <summary>Gets how many jobs wait for their next run (paused ones included).</summary>
    public long Pending { get; init; }

    /// <summary>Gets how many jobs have a run in progress.</summary>
    public long Running { get; init; }

    /// <summary>Gets how many jobs have nothing left to run and succeeded last.</summary>
    public long Completed { get; init; }

    /// <summary>Gets how many jobs have nothing left to run and failed last.</summary>
    public long Failed { get; init; }

    /// <summary>Gets how many jobs were cancelled.</summary>
    public long Cancelled { get; init; }

    /// <summary>Gets how many jobs there are in all.</summary>
    public long Total => Pending + Running + Completed + Failed + Cancelled;

    /// <summary>Gets how many jobs have a status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The number of jobs with <paramref name="status"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a defined <see cref="JobStatus"/>.</exception>
    public long this[JobStatus status] => status switch
    {
        JobStatus.Pending => Pending,
        JobStatus.Running => Running,
        JobStatus.Completed => Completed,
        JobStatus.Failed => Failed,
        JobStatus.Cancelled => Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a job status."),
    };
}
