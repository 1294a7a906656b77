using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Hangfire on Hangfire.PostgreSql: one <c>PostgreSqlStorage</c> (a connection pool of its own) and one <c>BackgroundJobServer</c>
/// with 4 workers per node, all on one database of their own, the schema created by the storage (<c>PrepareSchemaIfNecessary</c>,
/// its default). The jobs are <c>BackgroundJob.Schedule</c>d at the due time through node 1's storage. Everything at its defaults
/// except the two polling periods, which are 15 s by default and would measure only the wait: <c>SchedulePollingInterval</c>
/// (scheduled jobs moved to the queue) and the storage's <c>QueuePollInterval</c> (idle workers looking for enqueued jobs),
/// both 100 ms as in the other Hangfire scenarios.
/// </summary>
internal sealed class HangfirePostgresCluster(string server, int nodes, int workers, TimeSpan polling) : ClusterContender
{
    private readonly List<PostgreSqlStorage> _storages = [];
    private readonly List<BackgroundJobServer> _servers = [];
    private PostgreSqlDatabase? _database;
    private BackgroundJobClient? _client;

    public override string Name => "Hangfire.PostgreSql";

    public override async Task SetUpAsync()
    {
        _database = await PostgreSqlDatabase.CreateAsync(server, "hangfire");
        for (int i = 0; i < nodes; i++)
        {
            var options = new PostgreSqlStorageOptions { QueuePollInterval = polling };
            _storages.Add(new PostgreSqlStorage(new NpgsqlConnectionFactory(_database.ConnectionString, options), options));
        }

        _client = new BackgroundJobClient(_storages[0]);
    }

    public override Task ScheduleAsync(int count, DateTimeOffset due) => EightAtATimeAsync(count, i =>
    {
        _client!.Schedule(() => HangfireJobs.Fire(), due);
        return Task.CompletedTask;
    });

    public override void StartAll()
    {
        foreach (PostgreSqlStorage storage in _storages)
        {
            _servers.Add(new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, SchedulePollingInterval = polling }, storage));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (BackgroundJobServer server in _servers)
        {
            server.SendStop();
        }

        foreach (BackgroundJobServer server in _servers)
        {
            server.Dispose();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
