namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>One page of jobs for the jobs view.</summary>
/// <param name="Items">The jobs on the page.</param>
/// <param name="Total">How many jobs match, or <see langword="null"/> when a name search did not count them.</param>
/// <param name="HasMore">Whether a next page has jobs.</param>
/// <param name="Scanned">Whether the store was read in batches to filter by name.</param>
internal sealed record JobList(IReadOnlyList<Job> Items, int? Total, bool HasMore, bool Scanned);
