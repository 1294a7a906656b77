namespace Codomyrmex.Scheduler;

/// <summary>How long a store keeps finished jobs and run history.</summary>
/// <remarks>
/// <para>
/// Retention is store-wide and runs in bounded steps: a scheduler calls the store's <c>PurgeExpiredAsync</c> from its
/// periodic maintenance, and each call deletes at most <see cref="BatchSize"/> jobs and <see cref="BatchSize"/> history
/// records. Ages are measured by the store's clock: a finished job's age from <see cref="Job.FinishedAt"/>, a history
/// record's from its <see cref="RunRecord.FinishedAt"/>.
/// </para>
/// <para>
/// With the defaults, a store that runs one-shot jobs at a steady rate holds about a week of them, however long it runs.
/// Pending, running and paused jobs are never deleted by retention.
/// </para>
/// </remarks>
public sealed record JobRetentionOptions
{
    /// <summary>Gets the options every store uses unless it is given others.</summary>
    public static JobRetentionOptions Default { get; } = new();

    /// <summary>Gets how long completed, failed and cancelled jobs are kept after they finished; they are then deleted with their history.</summary>
    /// <value>The default is 7 days; <see langword="null"/> keeps finished jobs until they are deleted by hand.</value>
    public TimeSpan? FinishedJobs { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Gets how long run history records are kept after the run finished, for every job.</summary>
    /// <value>The default is <see langword="null"/>: no age limit (each job still keeps at most <see cref="RunHistoryOptions.MaxRunsPerJob"/>).</value>
    public TimeSpan? Runs { get; init; }

    /// <summary>Gets the most jobs, and the most history records, that one purge deletes.</summary>
    /// <value>The default is 1000.</value>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (FinishedJobs is { } jobs && jobs <= TimeSpan.Zero)
        {
            errors.Add($"FinishedJobs is {jobs}; it must be positive, or null to keep finished jobs.");
        }

        if (Runs is { } runs && runs <= TimeSpan.Zero)
        {
            errors.Add($"Runs is {runs}; it must be positive, or null for no age limit.");
        }

        if (BatchSize < 1)
        {
            errors.Add($"BatchSize is {BatchSize}; it must be at least 1.");
        }

        return errors;
    }
}
