using System.Text.Json;
using Codomyrmex.Scheduler.Cli.Commands;

namespace Codomyrmex.Scheduler.Cli.Tests.Commands;

/// <summary>
/// schedctl on <c>postgres:</c> stores, as real processes against the real server of <c>CODOMYRMEX_POSTGRES</c> (each test on a
/// schema of its own): what it says when the database cannot be used, and several <c>schedctl run</c> forming one cluster.
/// </summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema();
    private readonly TempFolder _folder = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await PostgresServer.DropAsync(_schema);
        _folder.Dispose();
    }

    /// <summary>Connection strings (after <c>postgres:</c>) that cannot work, and what the message must name. {0} is the test server's.</summary>
    public static TheoryData<string, string> HostileConnectionStrings() => new()
    {
        // Nothing listens on port 1.
        { "Host=127.0.0.1;Port=1;Timeout=5;Password=hunter2", "cannot reach the PostgreSQL server at 127.0.0.1:1" },
        // The test server trusts every local connection, so the way it refuses a user is a role that does not exist.
        { "{0};Username=no_such_role;Password=hunter2", "refused user no_such_role" },
        { "{0};Database=no_such_database;Password=hunter2", "database no_such_database does not exist" },
        { "Host=db;Hots=x;Password=hunter2", "the connection string is not valid" },
        { "Host=db;Port=x;Password=hunter2", "the connection string is not valid" },
        { "Password=hunter2;Host", "not Key=Value pairs" },
        { "postgresql://app:hunter2@db/jobs", "is a URL" },
        { "Database=jobs;Password=hunter2", "names no server" },
        { "{0};Password=hunter2;Schema=", "Schema= is empty" },
    };

    [Theory]
    [MemberData(nameof(HostileConnectionStrings))]
    public async Task Run_DatabaseThatCannotBeUsed_OneLineNamingWhatIsWrong(string connectionString, string expected)
    {
        string store = "postgres:" + string.Format(System.Globalization.CultureInfo.InvariantCulture, connectionString, PostgresServer.ConnectionString);
        string jobs = _folder.Write("jobs.json", """{ "jobs": [ { "name": "a", "schedule": "@every 1s", "command": ["true"] } ] }""");

        Schedctl.Result result = await Schedctl.RunAsync("run", jobs, "--store", store);

        AssertFailure(result, expected);
    }

    [Theory]
    [MemberData(nameof(HostileConnectionStrings))]
    public async Task Nodes_DatabaseThatCannotBeUsed_OneLineNamingWhatIsWrong(string connectionString, string expected)
    {
        string store = "postgres:" + string.Format(System.Globalization.CultureInfo.InvariantCulture, connectionString, PostgresServer.ConnectionString);

        Schedctl.Result result = await Schedctl.RunAsync(new Dictionary<string, string> { [StoreOption.EnvironmentVariable] = store }, "nodes");

        AssertFailure(result, expected);
    }

    [Fact]
    public async Task Jobs_SchemaWithoutAStore_IsRefusedAndNotCreated()
    {
        string store = $"postgres:{PostgresServer.ConnectionString};Schema={_schema}";

        Schedctl.Result result = await Schedctl.RunAsync("jobs", "list", "--store", store);

        AssertFailure(result, $"no store in database postgres, schema {_schema}, on");
        Schedctl.Result again = await Schedctl.RunAsync("jobs", "list", "--store", store);
        Assert.Contains("no store in", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TwoProcessesOnOneDatabase_FormOneClusterWithOneJobPerName()
    {
        string store = $"postgres:{PostgresServer.ConnectionString};Schema={_schema}";
        string log = _folder["runs.log"];
        string jobs = _folder.Write("jobs.json", $$"""
            { "jobs": [
              { "name": "tick", "schedule": "@every 1s", "shell": true, "command": "echo \"$SCHEDCTL_RUN_ID\" >> '{{log}}'" },
              { "name": "nightly", "schedule": "0 3 * * *", "command": ["true"] }
            ] }
            """);

        // Started at once on an empty schema: both migrate it and reconcile the same file; neither fails.
        await using RunningSchedctl first = RunningSchedctl.StartInOwnGroup(_folder.Path, "run", jobs, "--store", store, "--node", "first", "--lease", "5s");
        await using RunningSchedctl second = RunningSchedctl.StartInOwnGroup(_folder.Path, "run", jobs, "--store", store, "--node", "second", "--lease", "5s");
        await first.WaitForErrorAsync("schedctl: running");
        await second.WaitForErrorAsync("schedctl: running");

        Schedctl.Result nodes = await Schedctl.RunAsync("nodes", "--json", "--store", store);
        Schedctl.Result list = await Schedctl.RunAsync("jobs", "list", "--json", "--store", store);
        await first.SignalGroupAsync("INT");
        await second.SignalGroupAsync("INT");

        Assert.Equal(0, await first.ExitCodeAsync());
        Assert.Equal(0, await second.ExitCodeAsync());
        Assert.True(nodes.ExitCode == 0, nodes.ToString());
        string[] names = [.. nodes.Json().RootElement.EnumerateArray().Select(node => node.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
        Assert.Equal(["first", "second"], names);
        Assert.True(list.ExitCode == 0, list.ToString());
        string[] jobNames = [.. JsonNames(list.Json().RootElement).Order(StringComparer.Ordinal)];
        Assert.Equal(["nightly", "tick"], jobNames);
        Assert.DoesNotContain(PostgresServer.ConnectionString, first.Error, StringComparison.Ordinal);
        Assert.Contains("on postgres:... as node first/", first.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PostgresStore_PreparesItsStatementsOnTheServer()
    {
        // The store exists before schedctl starts, so that the test can watch its jobs table from the start.
        await using (Npgsql.NpgsqlDataSource source = PostgresServer.NewDataSource())
        await using (var made = new PostgreSql.PostgreSqlJobStore(source, new PostgreSql.PostgreSqlJobStoreOptions { Schema = _schema, ListenForChanges = false }))
        {
            await made.MigrateAsync(TestContext.Current.CancellationToken);
        }

        await PostgresServer.WatchPreparedStatementsAsync(_schema);
        string store = $"postgres:{PostgresServer.ConnectionString};Schema={_schema};Auto Prepare Min Usages=1";
        string jobs = _folder.Write("jobs.json", """{ "jobs": [ { "name": "tick", "schedule": "@every 1s", "command": ["true"] } ] }""");
        await using RunningSchedctl run = RunningSchedctl.StartInOwnGroup(_folder.Path, "run", jobs, "--store", store);

        // Each run writes the jobs table (its claim and its outcome) with the same statements: Npgsql prepares a statement at its
        // first use on a connection (the connection string says so) when the data source prepares, and never when it does not.
        // Wait for runs, not for a time.
        (long MostPrepared, long Writes) seen = default;
        for (int runs = 0; runs < 30 && seen.MostPrepared == 0; runs++)
        {
            await run.WaitForLineAsync(line => RunningSchedctl.IsRun(line, "ok", "tick"));
            seen = await PostgresServer.MostPreparedAsync(_schema);
        }

        await run.SignalGroupAsync("INT");
        Assert.Equal(0, await run.ExitCodeAsync());
        Assert.True(seen.MostPrepared > 0, $"no statement prepared in {seen.Writes} writes of the jobs table");
    }

    /// <summary>The names of <c>jobs list --json</c>: an array of jobs, or an object holding one.</summary>
    private static IEnumerable<string> JsonNames(JsonElement root)
    {
        JsonElement jobs = root.ValueKind == JsonValueKind.Array ? root : root.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value;
        return jobs.EnumerateArray().Select(job => job.GetProperty("name").GetString()!);
    }

    private static void AssertFailure(Schedctl.Result result, string expected)
    {
        Assert.True(result.ExitCode == ExitCodes.InvalidInput, result.ToString());
        Assert.Contains("schedctl: store postgres:...: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.Error + result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
