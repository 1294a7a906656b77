using Codomyrmex.Scheduler.Internal;

namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>Claims due runs for <paramref name="request"/>'s node, under the store's lock: the body of <see cref="ClaimDueAsync"/>.</summary>
    /// <returns>The earliest due time left (UTC ticks), or 0 if nothing is due ever.</returns>
    private long ClaimLocked(ClaimRequest request, DateTimeOffset now, ref List<ClaimedRun>? runs, ref List<SkippedOccurrence>? skipped)
    {
        long nowTicks = now.UtcTicks;
        DateTimeOffset leaseUntil = LongTime.Add(now, request.LeaseDuration);
        while ((runs?.Count ?? 0) < request.MaxRuns && _heapCount > 0 && _heap[0].DueKey <= nowTicks)
        {
            Entry entry = _heap[0];
            JobStatus before = entry.Status;
            JobState state = entry.ReadState();
            ClaimResult claim = state.ClaimTicks(entry.Trigger, entry.Options, entry.MaxRuns, nowTicks);
            entry.WriteState(state);
            Reschedule(entry, before);
            if (claim.Decision == ClaimDecision.Run)
            {
                (runs ??= new(Math.Min(request.MaxRuns, _heapCount + 1))).Add(StartRun(entry, claim.ScheduledTime, now, request.Node, leaseUntil, manual: false, claim.Attempt, claim.IsRecovery));
            }
            else if (claim.Decision == ClaimDecision.Skip)
            {
                (skipped ??= []).Add(new SkippedOccurrence
                {
                    JobId = entry.Id,
                    JobName = entry.Name,
                    ScheduledTime = claim.ScheduledTime,
                    Reason = claim.SkipReason.GetValueOrDefault(),
                });
            }
        }

        return _heapCount == 0 ? 0 : _heap[0].DueKey;
    }
}
