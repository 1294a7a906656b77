namespace Codomyrmex.Scheduler;

/// <summary>One page of run history, newest first.</summary>
public sealed class RunPage
{
    /// <summary>Gets the runs on this page.</summary>
    public required IReadOnlyList<RunRecord> Items { get; init; }

    /// <summary>Gets how many runs match the query in all.</summary>
    public int Total { get; init; }
}
