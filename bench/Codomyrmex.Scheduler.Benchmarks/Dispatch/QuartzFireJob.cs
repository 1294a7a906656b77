using Quartz;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>The Quartz job: <see cref="FireRecorder.Record"/> when the job's data has an index, else <see cref="FireRecorder.Fire"/>.</summary>
public sealed class QuartzFireJob : IJob
{
    public const string IndexKey = "i";

    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (context.JobDetail.JobDataMap.TryGetValue(IndexKey, out object? index))
        {
            FireRecorder.Record((int)index!);
        }
        else
        {
            FireRecorder.Fire();
        }

        return default;
    }
}
