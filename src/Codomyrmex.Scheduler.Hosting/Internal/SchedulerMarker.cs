namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>Marks a service collection that has the scheduler, and holds the task names added so far (to refuse duplicates at once).</summary>
internal sealed class SchedulerMarker
{
    public HashSet<string> TaskNames { get; } = new(StringComparer.Ordinal);
}
