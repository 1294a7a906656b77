namespace Codomyrmex.Scheduler.Hosting;

/// <summary>When the scheduler's health check reports a job as failing repeatedly.</summary>
public sealed class SchedulerHealthCheckOptions
{
    /// <summary>Gets or sets how many of a job's most recent runs must all have failed for the check to report it (Degraded).</summary>
    /// <value>The default is 3.</value>
    public int FailedRunsThreshold { get; set; } = 3;
}
