using Codomyrmex.Scheduler.PostgreSql;
using Codomyrmex.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Codomyrmex.Scheduler.Hosting.Tests;

/// <summary>The host's PostgreSQL store, against the real server of <c>CODOMYRMEX_POSTGRES</c>; each test on a schema of its own.</summary>
public sealed class PostgresHostingTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropAsync(_schema);

    [Fact]
    public async Task Configuration_PostgresWithNamedConnectionString_RunsOnThatDatabaseAndSchema()
    {
        string connectionString = PostgresServer.ConnectionString;
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, TestHost.Merge(
            new Dictionary<string, string?>
            {
                ["Scheduler:Store"] = "postgres",
                ["Scheduler:ConnectionStringName"] = "Jobs",
                ["ConnectionStrings:Jobs"] = $"{connectionString};Schema={_schema}",
            },
            TestHost.Job(0, "report", "noop", "0 3 * * *")),
            scheduler => scheduler.AddTask("noop", TestHost.NoOp).AddHealthCheck());

        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        var store = Assert.IsType<PostgreSqlJobStore>(scheduler.Store);
        Assert.Equal(_schema, store.Schema);
        Assert.Equal("report", Assert.Single((await scheduler.ListJobsAsync(default, Token)).Items).Name);
        Assert.Single(await store.ListNodesAsync(Token));
        await host.StopAsync(Token);
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData("10s", 10)]
    [InlineData("5m", 300)]
    public async Task Configuration_Postgres_LeasesForThreeSecondsUnlessTheLeaseIsSet(string? lease, int expectedSeconds)
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        var settings = new Dictionary<string, string?>
        {
            ["Scheduler:Store"] = "postgres",
            ["Scheduler:ConnectionStringName"] = "Jobs",
            ["ConnectionStrings:Jobs"] = $"{PostgresServer.ConnectionString};Schema={_schema}",
        };
        if (lease is not null)
        {
            settings["Scheduler:LeaseDuration"] = lease;
        }

        using IHost host = TestHost.Build(clock, settings);

        await host.StartAsync(Token);
        var store = Assert.IsType<PostgreSqlJobStore>(host.Services.GetRequiredService<Scheduler>().Store);
        NodeInfo node = Assert.Single(await store.ListNodesAsync(Token));
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), node.AliveUntil - node.LastSeen);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task Configuration_PostgresWithoutItsConnectionString_FailsNamingWhereItLooked()
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?>
        {
            ["Scheduler:Store"] = "postgres",
            ["Scheduler:ConnectionStringName"] = "Missing",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains("Scheduler:Store: the store is postgres, but the connection string ConnectionStrings:Missing is not set", error.Message,
            StringComparison.Ordinal);
    }

    public static TheoryData<string, string> HostileConnectionStrings() => new()
    {
        { "Host=db;Password=hunter2;Hots=x", "the connection string is not valid" },
        { "Host=db;Password=hunter2;Port=abc", "the connection string is not valid" },
        { "postgres://app:hunter2@db/jobs", "is a URL" },
        { "Password=hunter2;Host", "not Key=Value pairs" },
        { "Database=jobs;Password=hunter2", "names no server" },
        { "Host=db;Password=hunter2;Schema=", "Schema= is empty" },
        { "Host=db;Password=hunter2;Schema=" + new string('s', 64), "it must be a PostgreSQL identifier" },
    };

    [Theory]
    [MemberData(nameof(HostileConnectionStrings))]
    public async Task Configuration_BadConnectionString_FailsAtStartWithoutEchoingIt(string connectionString, string expected)
    {
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = "postgres:" + connectionString });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Scheduler:Store: postgres:...", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsePostgreSqlStore_DataSourceAndOptions_UsesThemAndLeavesTheDataSourceOpen()
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(PostgresServer.ConnectionString);
        var clock = new FakeTimeProvider(TestHost.Start);
        using (IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.UsePostgreSqlStore(source, new PostgreSqlJobStoreOptions { Schema = _schema })))
        {
            await host.StartAsync(Token);
            Assert.Equal(_schema, Assert.IsType<PostgreSqlJobStore>(host.Services.GetRequiredService<Scheduler>().Store).Schema);
            await host.StopAsync(Token);
        }

        // The application's data source outlives the host.
        await using NpgsqlCommand count = source.CreateCommand($"SELECT count(*) FROM \"{_schema}\".jobs");
        Assert.Equal(0L, await count.ExecuteScalarAsync(Token));
    }

    [Fact]
    public async Task UsePostgreSqlStore_ConnectionString_SchemaKeyWinsOverTheOptions()
    {
        string connectionString = PostgresServer.ConnectionString;
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.UsePostgreSqlStore($"{connectionString};Schema={_schema}",
            new PostgreSqlJobStoreOptions { Schema = "not_this_one" }));

        await host.StartAsync(Token);

        Assert.Equal(_schema, Assert.IsType<PostgreSqlJobStore>(host.Services.GetRequiredService<Scheduler>().Store).Schema);
        await host.StopAsync(Token);
    }

    /// <summary>
    /// A store the host makes from a connection string gets <see cref="PostgreSqlJobStore.CreateDataSource"/>'s data source, which
    /// prepares a statement on the server after a few calls; a data source the application hands over is used as it is.
    /// </summary>
    [Theory]
    [InlineData("connection string", true)]
    [InlineData("configuration", true)]
    [InlineData("application's plain data source", false)]
    public async Task PostgresStore_StatementsArePrepared_UnlessTheApplicationHandsOverItsOwnDataSource(string how, bool prepared)
    {
        // Prepared at the first use where preparation is on, whichever pooled connection a statement lands on (the default is
        // the fifth use per connection, which a pool of several connections may not reach in ten calls).
        string connectionString = PostgresServer.ConnectionString + ";Auto Prepare Min Usages=1";
        await using NpgsqlDataSource plain = NpgsqlDataSource.Create(connectionString);
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = how switch
        {
            "connection string" => TestHost.Build(clock, scheduler: scheduler => scheduler.AddTask("noop", TestHost.NoOp)
                .UsePostgreSqlStore($"{connectionString};Schema={_schema}", new PostgreSqlJobStoreOptions { ListenForChanges = false })),
            "configuration" => TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = $"postgres:{connectionString};Schema={_schema}" },
                scheduler => scheduler.AddTask("noop", TestHost.NoOp)),
            _ => TestHost.Build(clock, scheduler: scheduler => scheduler.AddTask("noop", TestHost.NoOp)
                .UsePostgreSqlStore(plain, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false })),
        };
        await host.StartAsync(Token);
        Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
        await PostgresServer.WatchPreparedStatementsAsync(_schema);

        // One caller, one statement again and again: Npgsql prepares it when preparation is on.
        for (int i = 0; i < 10; i++)
        {
            await scheduler.ScheduleAsync("noop", new OnceTrigger(TestHost.Start.AddDays(2)), name: $"once-{i}", cancellationToken: Token);
        }

        (long mostPrepared, long writes) = await PostgresServer.MostPreparedAsync(_schema);
        Assert.True(writes >= 10, $"{writes} writes of the jobs table seen");
        Assert.Equal(prepared, mostPrepared > 0);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task HealthCheck_StoreNotListening_IsDegradedWithTheReason()
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(PostgresServer.ConnectionString);
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler
            .UsePostgreSqlStore(source, new PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false })
            .AddHealthCheck());
        await host.StartAsync(Token);

        HealthReportEntry entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token)).Entries["scheduler"];

        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("not listening for other nodes' changes", entry.Description, StringComparison.Ordinal);
        await host.StopAsync(Token);
    }

    [Fact]
    public async Task HealthCheck_StoreListening_IsHealthy()
    {
        string connectionString = PostgresServer.ConnectionString;
        var clock = new FakeTimeProvider(TestHost.Start);
        using IHost host = TestHost.Build(clock, scheduler: scheduler => scheduler.UsePostgreSqlStore($"{connectionString};Schema={_schema}").AddHealthCheck());
        await host.StartAsync(Token);
        var store = Assert.IsType<PostgreSqlJobStore>(host.Services.GetRequiredService<Scheduler>().Store);

        // The listening connection opens in the background after the first call: wait for it (a condition, not a time).
        while (!store.IsListening)
        {
            await Task.Delay(10, Token);
        }

        HealthReportEntry entry = (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Token)).Entries["scheduler"];

        Assert.Equal(HealthStatus.Healthy, entry.Status);
        await host.StopAsync(Token);
    }
}
