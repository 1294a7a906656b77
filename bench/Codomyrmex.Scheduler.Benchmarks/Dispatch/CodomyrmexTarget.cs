namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>Codomyrmex.Scheduler with its default in-memory store on the system clock.</summary>
internal sealed class CodomyrmexTarget(int workers) : DispatchTarget
{
    private static readonly Action FireJob = FireRecorder.Fire;

    private readonly Scheduler _scheduler = new(new SchedulerOptions { MaxWorkers = workers, TimeProvider = TimeProvider.System });

    public override string Name => "Codomyrmex";

    public override void Start() => _scheduler.Start();

    public override void ScheduleFire(DateTimeOffset due, int index) => _scheduler.Schedule(FireJob, name: "fire", trigger: new OnceTrigger(due));

    public override void ScheduleRecord(DateTimeOffset due, int index) =>
        _scheduler.Schedule(() => FireRecorder.Record(index), name: "record", trigger: new OnceTrigger(due));

    public override object SchedulePending(DateTimeOffset due, int index) => _scheduler.Schedule(FireJob, name: "pending", trigger: new OnceTrigger(due));

    public override void Get(object handle)
    {
        if (_scheduler.GetJob((string)handle) is not { NextRun: not null })
        {
            throw new InvalidOperationException($"Job {handle} is missing or has no next run.");
        }
    }

    public override void Cancel(object handle)
    {
        if (!_scheduler.Cancel((string)handle))
        {
            throw new InvalidOperationException($"Job {handle} is missing.");
        }
    }

    public override int ListRunning() => _scheduler.ListJobs(JobStatus.Running).Count;

    public override int ListPage() => Wait(_scheduler.ListJobsAsync(new JobQuery(JobStatus.Pending, Offset: 0, Limit: 50))).Items.Count;

    public override string? Verify(int expected)
    {
        _scheduler.WhenIdleAsync().GetAwaiter().GetResult();
        int completed = Wait(_scheduler.ListJobsAsync(new JobQuery(JobStatus.Completed, Limit: 0))).Total;
        int other = Wait(_scheduler.ListJobsAsync(new JobQuery(Limit: 0))).Total - completed;
        return completed == expected && other == 0 ? null : $"store: {completed} completed, {other} in another state (expected {expected} completed)";
    }

    public override ValueTask DisposeAsync() => _scheduler.DisposeAsync();
}
