using System.Globalization;
using Quartz;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Quartz.NET clustered on PostgreSQL: one scheduler per node, all named alike (a Quartz cluster is the schedulers of one
/// name on one database) with instance ids <c>node1</c>, <c>node2</c>, …, each built by its own <c>QuartzSchedulerBuilder</c>
/// (a container and a connection pool of its own) with the ADO.NET job store on PostgreSQL (<c>UsePostgres</c>: the PostgreSQL
/// delegate through Npgsql), <c>UseClustering()</c> (the database row locks, check-ins every 7.5 s), the schema created by
/// Quartz itself from the script it embeds (<c>ProvisionSchema</c>, the tables of <c>tables_postgres.sql</c>) in a database of
/// its own, and the System.Text.Json serializer that Quartz 4 builds in. <b>Defaults</b>: 4 threads, so the acquisition batch is
/// Quartz's automatic choice on a database, the thread pool's size (4). <b>Tuned</b>: 16 threads and batches of 16
/// (<c>MaxBatchSize</c>, the <c>quartz.scheduler.batchTriggerAcquisitionMaxCount</c> of the property form), which must not exceed the threads.
/// </summary>
internal sealed class QuartzPostgresCluster(string server, int nodes, bool tuned) : ClusterContender
{
    /// <summary>Threads and acquisition batch of the tuned configuration.</summary>
    public const int TunedThreads = 16;

    private static int s_clusters;
    private readonly List<StandaloneSchedulerFactory> _factories = [];
    private readonly List<IScheduler> _schedulers = [];
    private PostgreSqlDatabase? _database;

    public override string Name => tuned ? $"Quartz clustered (tuned: {TunedThreads} threads, batch {TunedThreads})" : "Quartz clustered (defaults)";

    public override async Task SetUpAsync()
    {
        _database = await PostgreSqlDatabase.CreateAsync(server, "quartz");
        string cluster = "bench-cluster-" + Interlocked.Increment(ref s_clusters).ToString(CultureInfo.InvariantCulture);
        for (int i = 0; i < nodes; i++)
        {
            string instanceId = "node" + (i + 1).ToString(CultureInfo.InvariantCulture);
            StandaloneSchedulerFactory factory = QuartzSchedulerBuilder.Create(quartz =>
            {
                quartz.ConfigureScheduler(options =>
                {
                    options.InstanceName = cluster;
                    options.InstanceId = instanceId;
                    if (tuned)
                    {
                        options.MaxBatchSize = TunedThreads;
                    }
                });
                quartz.UsePersistentStore(store =>
                {
                    store.UsePostgres(_database.ConnectionString);
                    store.UseClustering();
                    store.ProvisionSchema();
                });
                quartz.UseDefaultThreadPool(tuned ? TunedThreads : DispatchScenariosWorkers);
            }).Build();
            _factories.Add(factory);
            _schedulers.Add(await factory.GetScheduler());
        }
    }

    /// <summary>The workers every library gets by default.</summary>
    private const int DispatchScenariosWorkers = 4;

    public override Task ScheduleAsync(int count, DateTimeOffset due) => EightAtATimeAsync(count, async i =>
    {
        string name = i.ToString(CultureInfo.InvariantCulture);
        await _schedulers[0].ScheduleJob(JobBuilder.Create<QuartzFireJob>().WithIdentity(name).Build(),
            TriggerBuilder.Create().WithIdentity(name).StartAt(due).Build());
    });

    public override void StartAll()
    {
        foreach (IScheduler scheduler in _schedulers)
        {
            scheduler.Start().AsTask().GetAwaiter().GetResult();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (IScheduler scheduler in _schedulers)
        {
            await scheduler.Shutdown(waitForJobsToComplete: true);
        }

        foreach (StandaloneSchedulerFactory factory in _factories)
        {
            await factory.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
