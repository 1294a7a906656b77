using Codomyrmex.Scheduler.Storage;
using Codomyrmex.Scheduler.Tests;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql.Tests;

/// <summary>The store contract on a real PostgreSQL server: each test gets a new schema, and a second instance has a data source of its own.</summary>
public sealed class PostgreSqlJobStoreTests : JobStoreContractTests, IAsyncDisposable
{
    private readonly List<PostgreSqlJobStore> _stores = [];
    private readonly List<NpgsqlDataSource> _sources = [];
    private readonly Dictionary<IJobStore, PostgreSqlJobStoreOptions> _options = [];

    protected override IJobStore CreateStore(ContractStoreOptions options) => Open(new PostgreSqlJobStoreOptions
    {
        Schema = PostgresServer.NewSchema(),
        History = options.History,
        Retention = options.Retention,
        TimeProvider = options.Time,
    });

    protected override IJobStore OpenSecond(IJobStore store) => Open(_options[store]);

    /// <inheritdoc/>
    /// <value>PostgreSQL's text cannot hold U+0000.</value>
    protected override bool KeepsNulInText => false;

    public async ValueTask DisposeAsync()
    {
        foreach (PostgreSqlJobStore store in _stores)
        {
            await store.DisposeAsync();
        }

        foreach (NpgsqlDataSource source in _sources)
        {
            await source.DisposeAsync();
        }

        if (_options.Count > 0)
        {
            await PostgresServer.DropAsync(_options.Values.Select(o => o.Schema));
        }
    }

    private PostgreSqlJobStore Open(PostgreSqlJobStoreOptions options)
    {
        NpgsqlDataSource source = PostgresServer.NewDataSource();
        _sources.Add(source);
        var store = new PostgreSqlJobStore(source, options);
        _stores.Add(store);
        _options[store] = options;
        return store;
    }

    [Theory]
    [InlineData("ok", "ok")]
    [InlineData("a long result", "\"a l…")]
    public async Task CompletedRun_KeepsTheResultInTheJobRow_CutToTheHistorysLimit_AndStillJson(string result, string kept)
    {
        IJobStore store = CreateStore(new RunHistoryOptions { MaxResultLength = 5 });
        Job job = NewJob();
        await store.AddAsync(job, Token);
        ClaimedRun run = (await ClaimAsync(store, T0)).Runs[0];
        await CompleteAsync(store, run, RunOutcome.Succeeded, T0, result: result);

        // Read back by a second instance, from the row.
        Job stored = (await OpenSecond(store).GetAsync(job.Id, Token))!;
        Assert.Equal(kept, Assert.IsAssignableFrom<System.Text.Json.Nodes.JsonValue>(stored.Result).GetValue<string>());
    }
}
