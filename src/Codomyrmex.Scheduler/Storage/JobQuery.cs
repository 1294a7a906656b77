namespace Codomyrmex.Scheduler;

/// <summary>Which jobs to list: filters by status, name and source, and a page.</summary>
/// <remarks>
/// <para>
/// <c>default(JobQuery)</c> lists every job. Every filter that is set must match (they combine with AND). Jobs are listed in
/// the order they were added.
/// </para>
/// <para>
/// Names compare ordinally (case-sensitive, character by character): <see cref="NamePrefix"/> is a range of an index in
/// every store, so there is no case-insensitive or "contains" match. Characters that are wildcards elsewhere
/// (<c>%</c>, <c>_</c>, <c>*</c>, <c>\</c>) are ordinary characters here.
/// </para>
/// <para>
/// A page costs about the same whatever the number of jobs; a large <see cref="Offset"/> costs more, since the store passes
/// over that many matching jobs (an offset of hundreds of thousands may take tens of milliseconds in a durable store).
/// </para>
/// </remarks>
public readonly record struct JobQuery
{
    /// <summary>Gets only jobs with this status, or <see langword="null"/> for all.</summary>
    public JobStatus? Status { get; init; }

    /// <summary>Gets only jobs with exactly this name (ordinal), or <see langword="null"/> for any name.</summary>
    public string? Name { get; init; }

    /// <summary>Gets only jobs whose names start with this text (ordinal, case-sensitive), or <see langword="null"/> for any name.</summary>
    /// <remarks>An empty prefix matches every name. No character is a wildcard.</remarks>
    public string? NamePrefix { get; init; }

    /// <summary>Gets only jobs declared by this source (exactly the <see cref="Job.Source"/> a reconcile sets), or <see langword="null"/> for any.</summary>
    public string? Source { get; init; }

    /// <summary>Gets how many matching jobs to pass over.</summary>
    /// <remarks>The store passes over them one by one: a deep offset costs more than the first page.</remarks>
    public int Offset { get; init; }

    /// <summary>Gets the most jobs to return, or <see langword="null"/> for all.</summary>
    public int? Limit { get; init; }
}
