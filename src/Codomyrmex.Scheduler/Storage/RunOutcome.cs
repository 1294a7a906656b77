namespace Codomyrmex.Scheduler;

/// <summary>How a run ended.</summary>
public enum RunOutcome
{
    /// <summary>The job returned normally.</summary>
    Succeeded,

    /// <summary>The job threw (or timed out) on its last attempt.</summary>
    Failed,

    /// <summary>The run did not execute: it started later than the grace time and the misfire policy is Skip.</summary>
    Skipped,

    /// <summary>The job was cancelled while it ran and stopped.</summary>
    Cancelled,

    /// <summary>The node running it vanished (its lease expired), the process died, or a shutdown stopped it after the shutdown timeout.</summary>
    Interrupted,
}
