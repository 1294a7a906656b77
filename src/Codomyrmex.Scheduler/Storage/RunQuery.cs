namespace Codomyrmex.Scheduler;

/// <summary>Which runs to read from the history: a job, an outcome and a page, newest first.</summary>
/// <param name="JobId">Only this job's runs, or <see langword="null"/> for every job's.</param>
/// <param name="Outcome">Only runs that ended this way, or <see langword="null"/> for all.</param>
/// <param name="Offset">How many matching runs to pass over.</param>
/// <param name="Limit">The most runs to return, or <see langword="null"/> for all.</param>
public readonly record struct RunQuery(string? JobId = null, RunOutcome? Outcome = null, int Offset = 0, int? Limit = null);

/// <summary>One page of run history, newest first.</summary>
/// <param name="Items">The runs on this page.</param>
/// <param name="Total">How many runs match the query in all.</param>
public sealed record RunPage(IReadOnlyList<RunRecord> Items, int Total);
