namespace Codomyrmex.Scheduler;

/// <summary>A run that a node has claimed and must now execute and complete.</summary>
/// <param name="RunId">The run's unique id.</param>
/// <param name="Job">The job as it was when the run was claimed.</param>
/// <param name="ScheduledTime">The occurrence the run is for.</param>
/// <param name="ClaimedAt">When the run was claimed.</param>
/// <param name="Node">The node that holds the run.</param>
/// <param name="LeaseUntil">Until when the node holds the run unless it renews the lease.</param>
/// <param name="IsManual">Whether the run was asked for with <c>RunNow</c> rather than due by schedule.</param>
/// <param name="Attempt">The attempt number: 1, or more for a retry of a failed attempt or a recovery re-run.</param>
/// <param name="IsRecovery">Whether the run re-runs an occurrence whose first run was lost with its node (<see cref="JobOptions.Recoverable"/>).</param>
public sealed record ClaimedRun(
    string RunId, Job Job, DateTimeOffset ScheduledTime, DateTimeOffset ClaimedAt, string Node, DateTimeOffset LeaseUntil, bool IsManual = false,
    int Attempt = 1, bool IsRecovery = false);

/// <summary>Why an occurrence did not run.</summary>
public enum SkipReason
{
    /// <summary>The previous run was still going (<see cref="OverlapPolicy.Skip"/>, or a run was already queued).</summary>
    Overlap,

    /// <summary>It was late by more than the grace time and the policy is <see cref="MisfirePolicy.Skip"/>.</summary>
    Misfire,
}

/// <summary>An occurrence that a policy skipped.</summary>
/// <param name="JobId">The job's id.</param>
/// <param name="JobName">The job's name.</param>
/// <param name="ScheduledTime">The occurrence that did not run.</param>
/// <param name="Reason">Why it did not run.</param>
public readonly record struct SkippedOccurrence(string JobId, string JobName, DateTimeOffset ScheduledTime, SkipReason Reason);

/// <summary>What one claim returned: runs to execute and occurrences the policies skipped.</summary>
/// <param name="Runs">The runs the node must now execute.</param>
/// <param name="Skipped">The occurrences that were skipped.</param>
public sealed record ClaimBatch(IReadOnlyList<ClaimedRun> Runs, IReadOnlyList<SkippedOccurrence> Skipped)
{
    /// <summary>Gets a batch with nothing in it.</summary>
    public static ClaimBatch Empty { get; } = new([], []);
}
