namespace Codomyrmex.Scheduler;

/// <summary>What happens when an occurrence comes due while the job's previous run is still going.</summary>
public enum OverlapPolicy
{
    /// <summary>The occurrence is skipped, counted and logged (the default): a job never overlaps itself.</summary>
    Skip,

    /// <summary>One run is queued and starts as soon as the current run ends; further occurrences meanwhile are skipped.</summary>
    Queue,

    /// <summary>The occurrence runs at once, alongside the previous run.</summary>
    Allow,
}
