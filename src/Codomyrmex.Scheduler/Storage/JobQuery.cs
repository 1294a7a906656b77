namespace Codomyrmex.Scheduler;

/// <summary>Which jobs to list: a status filter and a page.</summary>
/// <remarks><c>default(JobQuery)</c> lists every job.</remarks>
public readonly record struct JobQuery
{
    /// <summary>Gets only jobs with this status, or <see langword="null"/> for all.</summary>
    public JobStatus? Status { get; init; }

    /// <summary>Gets how many matching jobs to pass over.</summary>
    public int Offset { get; init; }

    /// <summary>Gets the most jobs to return, or <see langword="null"/> for all.</summary>
    public int? Limit { get; init; }
}
