using System.Globalization;
using Quartz;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Quartz.NET in process: the standalone scheduler factory of Quartz 4 (<c>QuartzSchedulerBuilder</c>, which replaced
/// <c>StdSchedulerFactory</c>) with the in-memory store (<c>RAMJobStore</c>) or, with <c>sqlite</c>, the ADO.NET job store on
/// a fresh temporary SQLite file through Microsoft.Data.Sqlite (<c>UseSqlite</c>, the "SQLite-Microsoft" provider), its schema
/// created by Quartz itself (<c>ProvisionSchema</c>, from the script Quartz embeds); and the default thread pool limited to our
/// worker count. Everything else at its defaults, so the acquisition batch is Quartz's automatic choice: 1 trigger in memory,
/// the thread pool's size (4) on the database. One job and one simple trigger per job, as a Quartz user schedules a one-shot job; job and trigger are named
/// after the job's index.
/// </summary>
internal sealed class QuartzTarget : DispatchTarget
{
    private static int s_instances;
    private readonly StandaloneSchedulerFactory _factory;
    private readonly IScheduler _scheduler;
    private readonly TemporaryDatabase? _file;

    public QuartzTarget(int workers, bool sqlite = false)
    {
        _file = sqlite ? new TemporaryDatabase("quartz") : null;
        if (_file is not null)
        {
            QuartzSetup.UseWal(_file.Path);
        }

        _factory = QuartzSetup.Build("bench-" + Interlocked.Increment(ref s_instances), _file?.Path, workers);
        _scheduler = Wait(_factory.GetScheduler());
    }

    public override string Name => _file is null ? "Quartz" : "Quartz (SQLite)";

    public override long FileBytes => _file?.Bytes ?? 0;

    public override void Start() => Wait(_scheduler.Start());

    public override void ScheduleFire(DateTimeOffset due, int index) => Schedule(due, index, data: false);

    public override void ScheduleRecord(DateTimeOffset due, int index) => Schedule(due, index, data: true);

    public override object SchedulePending(DateTimeOffset due, int index) => Schedule(due, index, data: false);

    /// <summary>Job and trigger are both named after the index, as a Quartz user names them; the handle is that name.</summary>
    public override object? DerivedHandle(int index) => KeyName(index);

    public override void Get(object handle)
    {
        string name = (string)handle;
        if (Wait(_scheduler.GetJobDetail(new JobKey(name))) is null || Wait(_scheduler.GetTrigger(new TriggerKey(name))) is not { } stored
            || stored.NextFireTimeUtc is null)
        {
            throw new InvalidOperationException($"Job {name} is missing or has no next run.");
        }
    }

    public override void Cancel(object handle)
    {
        if (!Wait(_scheduler.UnscheduleJob(new TriggerKey((string)handle))))
        {
            throw new InvalidOperationException($"Trigger {handle} is missing.");
        }
    }

    public override int ListRunning() => Wait(_scheduler.QueryFireInstances(new FireInstanceQuery())).Items.Count;

    public override int ListPage() => Wait(_scheduler.QueryTriggers(new TriggerQuery { Take = 50, IncludeTotalCount = true })).Items.Count;

    public override async ValueTask DisposeAsync()
    {
        await _scheduler.Shutdown(waitForJobsToComplete: true).ConfigureAwait(false);
        await _factory.DisposeAsync().ConfigureAwait(false);
        _file?.Dispose();
    }

    private static string KeyName(int index) => index.ToString(CultureInfo.InvariantCulture);

    private string Schedule(DateTimeOffset due, int index, bool data)
    {
        string name = KeyName(index);
        JobBuilder<QuartzFireJob> job = JobBuilder.Create<QuartzFireJob>().WithIdentity(name);
        if (data)
        {
            job = job.UsingJobData(QuartzFireJob.IndexKey, index);
        }

        Wait(_scheduler.ScheduleJob(job.Build(), TriggerBuilder.Create().WithIdentity(name).StartAt(due).Build()));
        return name;
    }
}
