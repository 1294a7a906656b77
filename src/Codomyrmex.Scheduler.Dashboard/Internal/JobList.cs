namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>One page of jobs for the jobs view.</summary>
/// <param name="Items">The jobs on the page.</param>
/// <param name="Total">How many jobs match.</param>
/// <param name="HasMore">Whether a next page has jobs.</param>
internal sealed record JobList(IReadOnlyList<Job> Items, int Total, bool HasMore);
