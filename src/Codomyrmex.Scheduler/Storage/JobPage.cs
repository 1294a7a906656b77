namespace Codomyrmex.Scheduler;

/// <summary>One page of jobs.</summary>
public sealed class JobPage
{
    /// <summary>Gets the jobs on this page.</summary>
    public required IReadOnlyList<Job> Items { get; init; }

    /// <summary>Gets how many jobs match the query in all.</summary>
    public int Total { get; init; }
}
