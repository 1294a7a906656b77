namespace Codomyrmex.Scheduler;

/// <summary>What <see cref="Scheduler.ReconcileAsync"/> changed, by job name.</summary>
/// <param name="Added">Definitions that had no job: scheduled.</param>
/// <param name="Updated">Jobs whose definition changed: updated in place, keeping their id, counters and history.</param>
/// <param name="Removed">Jobs whose definition is gone: cancelled (their history stays).</param>
/// <param name="Unchanged">Jobs that already matched their definition.</param>
public sealed record ReconcileResult(IReadOnlyList<string> Added, IReadOnlyList<string> Updated, IReadOnlyList<string> Removed, IReadOnlyList<string> Unchanged);
