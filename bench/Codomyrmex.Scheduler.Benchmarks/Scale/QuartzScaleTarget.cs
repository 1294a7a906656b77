using System.Diagnostics;
using Codomyrmex.Scheduler.Benchmarks.Dispatch;
using Quartz;

namespace Codomyrmex.Scheduler.Benchmarks.Scale;

/// <summary>
/// Quartz.NET's <c>RAMJobStore</c>, or its ADO.NET job store on a SQLite file in WAL mode (set up as the durable scenario does), not
/// started: one job and one simple trigger per job, both named after the job (<c>job-NNNNNNN</c>), as a Quartz user names them.
/// </summary>
/// <remarks>
/// Quartz has no declaring source and its trigger acquisition is internal to the scheduler, so List by source and Claim are
/// not measured for it. Its batch is <c>ScheduleJobs</c>.
/// </remarks>
internal sealed class QuartzScaleTarget : ScaleTarget
{
    private const int PageSize = 100;
    private static int s_instances;
    private readonly TemporaryDatabase? _file;

    /// <summary>The scheduler's name, the same when the store is opened again: Quartz's tables key every row by it.</summary>
    private readonly string _instanceName = "scale-" + Interlocked.Increment(ref s_instances);
    private StandaloneSchedulerFactory _factory;
    private IScheduler _scheduler;

    public QuartzScaleTarget(bool sqlite)
    {
        _file = sqlite ? new TemporaryDatabase("scale-quartz") : null;
        if (_file is not null)
        {
            QuartzSetup.UseWal(_file.Path);
        }

        (_factory, _scheduler) = Open();
    }

    public override string Name => _file is null ? "Quartz RAMJobStore" : "Quartz ADO (SQLite)";

    public override bool HasBatch => true;

    public override bool CanReopen => _file is not null;

    public override long StoreBytes => _file?.Bytes ?? 0;

    public override bool Supports(ScaleOperation operation) => operation is not (ScaleOperation.ListBySource or ScaleOperation.Claim);

    public override async ValueTask RunAsync(ScaleOperation operation, Random random)
    {
        switch (operation)
        {
            case ScaleOperation.Get:
                string name = (string)AnySample(random);
                if (await _scheduler.GetJobDetail(new JobKey(name)).ConfigureAwait(false) is null
                    || await _scheduler.GetTrigger(new TriggerKey(name)).ConfigureAwait(false) is null)
                {
                    throw new InvalidOperationException($"Job {name} is missing.");
                }

                break;
            case ScaleOperation.ListByStatus:
                await PageAsync(new TriggerQuery { State = TriggerState.Normal, Take = PageSize, IncludeTotalCount = true }, PageSize).ConfigureAwait(false);
                break;
            case ScaleOperation.ListByName:
                await PageAsync(new TriggerQuery { Name = NameMatcher<TriggerKey>.NameEquals(AnyName(random)), Take = PageSize, IncludeTotalCount = true }, 1)
                    .ConfigureAwait(false);
                break;
            case ScaleOperation.ListByNamePrefix:
                await PageAsync(new TriggerQuery { Name = NameMatcher<TriggerKey>.NameStartsWith(AnyPrefix(random)), Take = PageSize, IncludeTotalCount = true }, -1)
                    .ConfigureAwait(false);
                break;
            case ScaleOperation.Count:
                await PageAsync(new TriggerQuery { Take = 1, IncludeTotalCount = true }, 1).ConfigureAwait(false);
                break;
            case ScaleOperation.Cancel:
                string cancel = (string)UncancelledSample(random);
                if (!await _scheduler.UnscheduleJob(new TriggerKey(cancel)).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"Trigger {cancel} is missing.");
                }

                break;
            default:
                throw new NotSupportedException(operation.ToString());
        }
    }

    public override async ValueTask<IReadOnlyList<(string Step, TimeSpan Took)>> ReopenAsync(int declared)
    {
        await CloseAsync().ConfigureAwait(false);
        long start = Stopwatch.GetTimestamp();
        (_factory, _scheduler) = Open();
        await _scheduler.Start().ConfigureAwait(false);
        TimeSpan took = Stopwatch.GetElapsedTime(start);
        await _scheduler.Standby().ConfigureAwait(false);
        return [("start-up total (new factory, GetScheduler, Start)", took)];
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _file?.Dispose();
    }

    protected override async ValueTask<object> AddOneAsync(int index, DateTimeOffset due)
    {
        (IJobDetail job, ITrigger trigger) = Build(index, due);
        await _scheduler.ScheduleJob(job, trigger).ConfigureAwait(false);
        return job.Key.Name;
    }

    protected override async ValueTask<IReadOnlyList<object>> AddBatchAsync(int from, int count, bool scheduler)
    {
        var jobs = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>(count);
        var names = new object[count];
        for (int k = 0; k < count; k++)
        {
            (IJobDetail job, ITrigger trigger) = Build(from + k, Due(from + k));
            jobs.Add(job, [trigger]);
            names[k] = job.Key.Name;
        }

        await _scheduler.ScheduleJobs(jobs, new ScheduleJobOptions()).ConfigureAwait(false);
        return names;
    }

    protected override void Keep(int index, object handle)
    {
    }

    protected override object Sample(int sample) => JobName(sample * SampleEvery);

    private static (IJobDetail Job, ITrigger Trigger) Build(int index, DateTimeOffset due)
    {
        string name = JobName(index);
        return (JobBuilder.Create<QuartzFireJob>().WithIdentity(name).Build(), TriggerBuilder.Create().WithIdentity(name).StartAt(due).Build());
    }

    private async ValueTask PageAsync(TriggerQuery query, int expected)
    {
        var page = await _scheduler.QueryTriggers(query).ConfigureAwait(false);
        if (expected >= 0 ? page.Items.Count != expected : page.Items.Count == 0)
        {
            throw new InvalidOperationException($"A page of {page.Items.Count} triggers, not {expected}.");
        }
    }

    private (StandaloneSchedulerFactory Factory, IScheduler Scheduler) Open()
    {
        StandaloneSchedulerFactory factory = QuartzSetup.Build(_instanceName, _file?.Path, 4);
        return (factory, factory.GetScheduler().AsTask().GetAwaiter().GetResult());
    }

    private async ValueTask CloseAsync()
    {
        await _scheduler.Shutdown(waitForJobsToComplete: true).ConfigureAwait(false);
        await _factory.DisposeAsync().ConfigureAwait(false);
    }
}
