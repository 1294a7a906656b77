using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.PostgreSql.Internal;

/// <summary>A claim whose lease expired, as read from the claims table.</summary>
internal readonly record struct LostClaim
{
    public required string RunId { get; init; }

    public required string JobId { get; init; }

    public long Scheduled { get; init; }

    public long ClaimedAt { get; init; }

    public required string InstanceId { get; init; }

    public required string NodeName { get; init; }

    public long LeaseUntil { get; init; }

    public int Attempt { get; init; }

    public bool IsManual { get; init; }

    public bool IsRecovery { get; init; }

    public long FencingToken { get; init; }

    public ClaimedRun ToRun(Job job) => new()
    {
        RunId = RunId,
        Job = job,
        ScheduledTime = new DateTimeOffset(Scheduled, TimeSpan.Zero),
        ClaimedAt = new DateTimeOffset(ClaimedAt, TimeSpan.Zero),
        InstanceId = InstanceId,
        NodeName = NodeName,
        LeaseUntil = new DateTimeOffset(LeaseUntil, TimeSpan.Zero),
        IsManual = IsManual,
        Attempt = Attempt,
        IsRecovery = IsRecovery,
        FencingToken = FencingToken,
    };
}
