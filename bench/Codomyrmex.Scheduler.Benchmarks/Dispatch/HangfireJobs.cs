namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>The Hangfire job methods: public and static, so that Hangfire calls them without a job activator.</summary>
public static class HangfireJobs
{
    public static void Fire() => FireRecorder.Fire();

    public static void Record(int index) => FireRecorder.Record(index);
}
