namespace Codomyrmex.Scheduler.Sqlite.Internal;

/// <summary>A claimed run as the <c>claims</c> table keeps it; times in UTC ticks.</summary>
internal readonly record struct ClaimRow(
    string RunId, long JobSeq, long Scheduled, long ClaimedAt, string Node, long LeaseUntil, int Attempt, bool IsManual, bool IsRecovery, long Epoch);
