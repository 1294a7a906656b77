namespace Codomyrmex.Scheduler;

/// <summary>Where a job is in its lifecycle.</summary>
/// <remarks>
/// A job is <see cref="Pending"/> while it waits for its next run, <see cref="Running"/> while a run is in progress,
/// and back to <see cref="Pending"/> while its trigger has more runs and <see cref="Job.MaxRuns"/> is not reached.
/// When nothing remains it is <see cref="Completed"/> if its last run succeeded and <see cref="Failed"/> if that run
/// failed. <see cref="Cancelled"/> is final.
/// </remarks>
public enum JobStatus
{
    /// <summary>Waiting for its next run.</summary>
    Pending,

    /// <summary>A run is in progress.</summary>
    Running,

    /// <summary>No runs remain, and the last one succeeded.</summary>
    Completed,

    /// <summary>No runs remain, and the last one failed.</summary>
    Failed,

    /// <summary>Cancelled by a user; it never runs again.</summary>
    Cancelled,
}
