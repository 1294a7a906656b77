namespace Codomyrmex.Scheduler;

/// <summary>Which jobs to list: a status filter and a page.</summary>
/// <param name="Status">Only jobs with this status, or <see langword="null"/> for all.</param>
/// <param name="Offset">How many matching jobs to pass over.</param>
/// <param name="Limit">The most jobs to return, or <see langword="null"/> for all (also what <c>default(JobQuery)</c> means).</param>
public readonly record struct JobQuery(JobStatus? Status = null, int Offset = 0, int? Limit = null);

/// <summary>One page of jobs.</summary>
/// <param name="Items">The jobs on this page.</param>
/// <param name="Total">How many jobs match the query in all.</param>
public sealed record JobPage(IReadOnlyList<Job> Items, int Total);
