namespace Codomyrmex.Scheduler;

/// <summary>What happens to occurrences that are late by more than the grace time (the scheduler was stopped, the machine slept, all workers were busy).</summary>
public enum MisfirePolicy
{
    /// <summary>All missed occurrences are coalesced into one run now (the default).</summary>
    RunOnce,

    /// <summary>Missed occurrences are skipped; the job waits for its next future occurrence.</summary>
    Skip,

    /// <summary>Every missed occurrence runs, one after another, to catch up.</summary>
    RunAll,
}
