using System.Text.Json.Nodes;
using Codomyrmex.Scheduler.PostgreSql;
using Npgsql;

namespace Codomyrmex.Scheduler.Benchmarks.Dispatch;

/// <summary>
/// Several Codomyrmex nodes on one PostgreSQL schema, in this process: each node has its own <see cref="NpgsqlDataSource"/>
/// (a pool of its own, as another machine would have, from <see cref="PostgreSqlJobStore.CreateDataSource"/>: Npgsql's automatic
/// preparation on), its own <see cref="PostgreSqlJobStore"/> and its own <see cref="Scheduler"/>
/// with default options except the lease, which is <see cref="PostgreSqlJobStore.RecommendedLeaseDuration"/> as schedctl and the host
/// use on PostgreSQL. The schema is new and is dropped on dispose.
/// </summary>
internal sealed class PostgreSqlCluster : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _schema = "bench_" + Guid.NewGuid().ToString("N");
    private readonly List<NpgsqlDataSource> _sources = [];
    private readonly List<PostgreSqlJobStore> _stores = [];

    public PostgreSqlCluster(string connectionString, int nodes, int workers, Action<Scheduler> register)
    {
        _connectionString = connectionString;
        for (int i = 0; i < nodes; i++)
        {
            NpgsqlDataSource source = PostgreSqlJobStore.CreateDataSource(connectionString);
            var store = new PostgreSqlJobStore(source, new PostgreSqlJobStoreOptions { Schema = _schema });
            var scheduler = new Scheduler(new SchedulerOptions
            {
                MaxWorkers = workers,
                Store = store,
                NodeName = $"node{i + 1}",
                LeaseDuration = PostgreSqlJobStore.RecommendedLeaseDuration,
            });
            register(scheduler);
            _sources.Add(source);
            _stores.Add(store);
            Nodes.Add(scheduler);
        }
    }

    public List<Scheduler> Nodes { get; } = [];

    public IReadOnlyList<PostgreSqlJobStore> Stores => _stores;

    public async Task MigrateAsync()
    {
        foreach (PostgreSqlJobStore store in _stores)
        {
            await store.MigrateAsync();
        }
    }

    /// <summary>Schedules <paramref name="count"/> one-shot jobs of <paramref name="task"/> through the first node, eight calls at a time.</summary>
    public async Task ScheduleAsync(string task, int count, Func<int, DateTimeOffset> due)
    {
        int next = -1;
        async Task WorkAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await Nodes[0].ScheduleAsync(task, new OnceTrigger(due(i)), args: new JsonArray(i));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(WorkAsync)));
    }

    public void StartAll()
    {
        foreach (Scheduler node in Nodes)
        {
            node.Start();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Scheduler node in Nodes)
        {
            await node.DisposeAsync();
        }

        foreach (PostgreSqlJobStore store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (NpgsqlDataSource source in _sources)
        {
            await source.DisposeAsync();
        }

        await using NpgsqlDataSource admin = NpgsqlDataSource.Create(_connectionString);
        await using NpgsqlCommand drop = admin.CreateCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}
