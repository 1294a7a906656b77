namespace Codomyrmex.Scheduler;

/// <summary>Which runs to read from the history: a job, an outcome and a page, newest first.</summary>
/// <remarks><c>default(RunQuery)</c> reads every run.</remarks>
public readonly record struct RunQuery
{
    /// <summary>Gets only this job's runs, or <see langword="null"/> for every job's.</summary>
    public string? JobId { get; init; }

    /// <summary>Gets only runs that ended this way, or <see langword="null"/> for all.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>Gets how many matching runs to pass over.</summary>
    public int Offset { get; init; }

    /// <summary>Gets the most runs to return, or <see langword="null"/> for all.</summary>
    public int? Limit { get; init; }
}
