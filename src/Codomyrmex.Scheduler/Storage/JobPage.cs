namespace Codomyrmex.Scheduler;

/// <summary>One page of jobs.</summary>
public sealed class JobPage
{
    /// <summary>Gets the jobs on this page.</summary>
    public required IReadOnlyList<Job> Items { get; init; }

    /// <summary>Gets how many jobs match the query in all.</summary>
    /// <remarks>
    /// Stores keep this cheap: without a name or source filter it comes from counts the store keeps (see
    /// <see cref="Storage.IJobStore.CountAsync"/>); with one, from the index that filter uses.
    /// </remarks>
    public int Total { get; init; }
}
