namespace Codomyrmex.Scheduler;

/// <summary>One run in a job's history: when it was due, when it ran, where, and how it ended.</summary>
/// <remarks>
/// Every store writes one record per completed run (each attempt of a retried run is its own record), in the same atomic
/// step that updates the job, and one <see cref="RunOutcome.Interrupted"/> record for each run lost with its node. How
/// many records are kept is bounded by <see cref="RunHistoryOptions"/> (per job) and <see cref="JobRetentionOptions"/> (by age).
/// </remarks>
public sealed record RunRecord
{
    /// <summary>Gets the run's unique id.</summary>
    public required string RunId { get; init; }

    /// <summary>Gets the id of the job that ran.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the job's name when it ran.</summary>
    public required string JobName { get; init; }

    /// <summary>Gets the occurrence the run was for (the moment a manual run was asked for).</summary>
    public DateTimeOffset ScheduledTime { get; init; }

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when the run ended (or, for an interrupted run, when its loss was noticed).</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>Gets the name of the node that ran it (<c>SchedulerOptions.NodeName</c>).</summary>
    public required string Node { get; init; }

    /// <summary>Gets the instance id of the node that ran it, which tells apart two processes of one name; <see langword="null"/> if the store did not keep it.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Gets how the run ended.</summary>
    public RunOutcome Outcome { get; init; }

    /// <summary>Gets the error as <c>Type: message</c>, for a run that failed or was interrupted.</summary>
    /// <remarks>
    /// The completion's error as every store records it: each U+0000 and each half of a surrogate pair without its other half is
    /// U+FFFD (<see cref="Storage.RunRecords.FormatError"/>), as it is in <see cref="Job.Error"/>.
    /// </remarks>
    public string? Error { get; init; }

    /// <summary>Gets a copy of the value the run returned, as JSON text cut to <see cref="RunHistoryOptions.MaxResultLength"/> characters.</summary>
    /// <remarks>
    /// U+0000 in a string is its escape (<c>\u0000</c>) and reads back as itself; half a surrogate pair is U+FFFD
    /// (<see cref="Storage.RunRecords.FormatResult"/>).
    /// </remarks>
    public string? Result { get; init; }

    /// <summary>Gets the attempt number: 1, or more for a retry or a recovery re-run.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Gets a value indicating whether the run was asked for with <c>RunNow</c> rather than due by schedule.</summary>
    public bool IsManual { get; init; }

    /// <summary>Gets a value indicating whether the run re-ran an occurrence whose first run was lost with its node (<see cref="JobOptions.Recoverable"/>).</summary>
    public bool IsRecovery { get; init; }

    /// <summary>Gets how long the run took.</summary>
    public TimeSpan Duration => FinishedAt - StartedAt;
}
