namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>The per-operation costs the scale scenario measures at every size.</summary>
internal enum ScaleOperation
{
    /// <summary>Reads one job by its handle.</summary>
    Get,

    /// <summary>The first page (100) of the pending jobs.</summary>
    ListByStatus,

    /// <summary>The jobs of one exact name (one job).</summary>
    ListByName,

    /// <summary>One page (100) of the jobs whose name starts with a prefix that 100 names share.</summary>
    ListByNamePrefix,

    /// <summary>One page (100) of the jobs of one declaring source.</summary>
    ListBySource,

    /// <summary>How many jobs there are, per status.</summary>
    Count,

    /// <summary>Cancels one pending job.</summary>
    Cancel,

    /// <summary>Claims one due job (added, untimed, just before) among the pending ones.</summary>
    Claim,
}
