namespace Codomyrmex.Scheduler;

/// <summary>How much run history a store keeps.</summary>
/// <remarks>
/// <see cref="MaxRunsPerJob"/> is applied to a job's history each time the job records a run, in the same atomic step: so a
/// job's history never holds more than that many records. Age limits are store-wide: see <see cref="JobRetentionOptions"/>.
/// </remarks>
public sealed record RunHistoryOptions
{
    /// <summary>Gets the options every store uses unless it is given others.</summary>
    public static RunHistoryOptions Default { get; } = new();

    /// <summary>Gets how many of a job's most recent runs are kept.</summary>
    /// <value>The default is 100; <see langword="null"/> keeps every run; 0 keeps none.</value>
    public int? MaxRunsPerJob { get; init; } = 100;

    /// <summary>Gets the most characters of a run's result that are kept in <see cref="RunRecord.Result"/>.</summary>
    /// <value>The default is 4096.</value>
    public int MaxResultLength { get; init; } = 4096;

    /// <summary>Lists what is wrong with these options, naming each bad value.</summary>
    /// <returns>The problems; empty if the options are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxRunsPerJob is < 0)
        {
            errors.Add($"MaxRunsPerJob is {MaxRunsPerJob}; it must not be negative (0 keeps no history, null keeps all).");
        }

        if (MaxResultLength < 0)
        {
            errors.Add($"MaxResultLength is {MaxResultLength}; it must not be negative.");
        }

        return errors;
    }
}
