namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>A claimed run as the <c>claims</c> table keeps it; times in UTC ticks.</summary>
/// <param name="RunId">The run's id.</param>
/// <param name="JobSeq">The <c>seq</c> of the run's job.</param>
/// <param name="Scheduled">The occurrence the run is for.</param>
/// <param name="ClaimedAt">When it was claimed, by the store's clock.</param>
/// <param name="InstanceId">The scheduler instance that holds it.</param>
/// <param name="NodeName">That instance's configured name.</param>
/// <param name="LeaseUntil">When its lease ends, by the store's clock.</param>
/// <param name="Attempt">The attempt number.</param>
/// <param name="IsManual">Whether it was claimed by a run-now.</param>
/// <param name="IsRecovery">Whether it re-runs an occurrence lost with its node.</param>
/// <param name="FencingToken">The token of the claim.</param>
/// <param name="Epoch">The dispatch lock's epoch of the process that claimed it; 0 if that process did not hold the lock.</param>
internal readonly record struct ClaimRow(
    string RunId, long JobSeq, long Scheduled, long ClaimedAt, string InstanceId, string NodeName, long LeaseUntil, int Attempt, bool IsManual,
    bool IsRecovery, long FencingToken, long Epoch);
